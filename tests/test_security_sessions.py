"""Sessions: idle staff logged out; users see and end their other sessions; password change."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from security.models import UserSession
from tests.factories import CityStaffFactory, UserFactory

PASSWORD = "portal-pass-123"

pytestmark = pytest.mark.django_db


def login(client, user, agent="Firefox"):
    response = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": PASSWORD},
        HTTP_USER_AGENT=agent,
    )
    assert response.status_code == 302
    return client


def test_idle_staff_session_ends(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    staff = CityStaffFactory()
    with time_machine.travel("2026-11-30 09:00 +0800", tick=False) as clock:
        login(client, staff)
        clock.shift(29 * 60)
        assert client.get(reverse("accounts:dashboard")).status_code == 200
        # Activity restarts the clock: 29 more minutes are fine, 31 are not.
        clock.shift(29 * 60)
        assert client.get(reverse("accounts:dashboard")).status_code == 200
        clock.shift(31 * 60)
        response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert "长时间未操作" in client.get(response.url).content.decode()
    assert not UserSession.objects.filter(user=staff).exists()


def test_idle_applicant_session_stays(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    with time_machine.travel("2026-11-30 09:00 +0800", tick=False) as clock:
        login(client, UserFactory())
        clock.shift(3 * 3600)
        assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_user_sees_and_ends_another_session(client):
    member = UserFactory()
    phone = login(Client(), member, agent="手机浏览器")
    login(client, member, agent="办公室电脑")
    page = client.get(reverse("security:account")).content.decode()
    assert "手机浏览器" in page and "办公室电脑" in page and "当前会话" in page
    other = UserSession.objects.get(user_agent="手机浏览器")
    client.post(reverse("security:end_session", args=[other.pk]))
    assert phone.get(reverse("accounts:dashboard")).status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert "手机浏览器" not in client.get(reverse("security:account")).content.decode()


def test_nobody_ends_someone_else_s_session(client):
    victim = login(Client(), UserFactory())
    record = UserSession.objects.get()
    login(client, UserFactory())
    assert client.post(reverse("security:end_session", args=[record.pk])).status_code == 404
    assert victim.get(reverse("accounts:dashboard")).status_code == 200


def test_end_all_other_sessions(client):
    member = UserFactory()
    others = [login(Client(), member, agent=f"浏览器{n}") for n in range(2)]
    login(client, member)
    client.post(reverse("security:end_others"))
    for other in others:
        assert other.get(reverse("accounts:dashboard")).status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert UserSession.objects.filter(user=member).count() == 1


def test_password_change_ends_the_other_sessions(client):
    member = UserFactory()
    other = login(Client(), member)
    login(client, member)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-2026",
            "new_password2": "Another-pass-2026",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert other.get(reverse("accounts:dashboard")).status_code == 302
    assert UserSession.objects.filter(user=member).count() == 1


def test_session_pages_need_login_and_post(client):
    assert client.get(reverse("security:account")).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("security:end_others")).status_code == 405


@pytest.mark.parametrize("browsers", [1, 3])
def test_security_page_queries_do_not_grow_with_sessions(
    client, django_assert_num_queries, browsers
):
    member = UserFactory()
    for n in range(browsers - 1):
        login(Client(), member, agent=f"浏览器{n}")
    login(client, member)
    client.get(reverse("security:account"))
    # The same count for one browser or three: sessions are checked in one query.
    with django_assert_num_queries(9):
        assert client.get(reverse("security:account")).status_code == 200


def test_idle_htmx_request_reloads_the_whole_page_at_login(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    with time_machine.travel("2026-11-30 09:00 +0800", tick=False) as clock:
        login(client, CityStaffFactory())
        clock.shift(31 * 60)
        response = client.get(reverse("reviews:queue"), HTTP_HX_REQUEST="true")
    assert reverse("accounts:login") in response["HX-Redirect"]
