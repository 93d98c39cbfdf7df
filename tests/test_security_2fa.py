"""Two-factor login: staff enrol after the password; codes and recovery codes; admin reset."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import two_factor
from security.models import SecurityEvent, UserSession
from tests.factories import (
    AdminFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UserFactory,
)

PASSWORD = "portal-pass-123"

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.STAFF_2FA_REQUIRED = True


def login(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, "password accepted"
    return response


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(client):
    client.get(reverse("security:2fa_setup"))
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("security:2fa_setup"), {"token": code_for(device)})
    assert response.status_code == 200
    return device, response.context["codes"]


@pytest.mark.parametrize("factory", [CityStaffFactory, ProvinceStaffFactory, AdminFactory])
def test_staff_without_second_factor_reach_nothing_but_enrolment(client, required, factory):
    staff = factory()
    login(client, staff)
    setup = reverse("security:2fa_setup")
    for url in [
        reverse("accounts:dashboard"),
        reverse("reviews:queue"),
        reverse("security:account"),
        reverse("accounts:password_change"),
        "/admin/",
        reverse("catalog:entry_list"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(setup), url
    page = client.get(setup)
    assert page.status_code == 200
    assert "绑定身份验证器" in page.content.decode()
    # A POST elsewhere is refused the same way.
    response = client.post(reverse("security:end_others"))
    assert response.url.startswith(setup)


def test_enrolment_gives_access_and_recovery_codes(client, required):
    staff = CityStaffFactory()
    login(client, staff)
    device, codes = enrol(client)
    assert len(codes) == two_factor.RECOVERY_CODES
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert SecurityEvent.objects.filter(user=staff, kind=SecurityEvent.Kind.ENROLLED).exists()


def test_wrong_enrolment_code_is_refused_in_chinese(client, required):
    login(client, CityStaffFactory())
    client.get(reverse("security:2fa_setup"))
    response = client.post(reverse("security:2fa_setup"), {"token": "000000x"})
    assert "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_next_login_asks_for_the_code_and_accepts_a_right_one(client, required):
    staff = ProvinceStaffFactory()
    login(client, staff)
    device, _ = enrol(client)
    client.post(reverse("accounts:logout"))
    login(client, staff)
    response = client.get(reverse("accounts:dashboard"))
    assert response.url.startswith(reverse("security:2fa_verify"))
    wrong = client.post(reverse("security:2fa_verify"), {"token": "123456"})
    assert "不正确" in wrong.content.decode()
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    # The failed attempt makes django-otp wait a second before the next one, and the code used
    # at enrolment cannot be replayed: this is the next 30-second step.
    device.refresh_from_db()
    device.throttling_failure_timestamp = None
    device.throttling_failure_count = 0
    device.last_t = -1
    device.save()
    ok = client.post(
        reverse("security:2fa_verify"),
        {"token": code_for(device), "next": reverse("accounts:dashboard")},
    )
    assert ok.status_code == 302 and ok.url == reverse("accounts:dashboard")
    assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_recovery_code_works_once(client, required):
    staff = CityStaffFactory()
    login(client, staff)
    _, codes = enrol(client)
    for attempt in range(2):
        client.post(reverse("accounts:logout"))
        login(client, staff)
        response = client.post(reverse("security:2fa_verify"), {"token": codes[0].upper()})
        if attempt == 0:
            assert response.status_code == 302
            assert client.get(reverse("accounts:dashboard")).status_code == 200
        else:
            assert response.status_code == 200
            assert "不正确" in response.content.decode()
            assert client.get(reverse("accounts:dashboard")).status_code == 302
    assert StaticToken.objects.filter(device__user=staff).count() == len(codes) - 1
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RECOVERY_USED).count() == 1


def test_setup_cannot_replace_a_device_without_it(client, required):
    staff = CityStaffFactory()
    login(client, staff)
    enrol(client)
    client.post(reverse("accounts:logout"))
    login(client, staff)
    response = client.get(reverse("security:2fa_setup"))
    assert response.url.startswith(reverse("security:2fa_verify"))


def test_demo_default_offers_but_does_not_force(client, settings):
    settings.STAFF_2FA_REQUIRED = False
    login(client, CityStaffFactory())
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert "未启用" in client.get(reverse("security:account")).content.decode()


def test_applicant_may_opt_in_and_out(client, required):
    member = UserFactory()
    login(client, member)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    enrol(client)
    assert "已启用" in client.get(reverse("security:account")).content.decode()
    client.post(reverse("security:2fa_disable"))
    assert not two_factor.has_device(member)
    assert SecurityEvent.objects.filter(user=member, kind=SecurityEvent.Kind.DISABLED).exists()


def test_staff_cannot_turn_it_off_when_required(client, required):
    staff = CityStaffFactory()
    login(client, staff)
    enrol(client)
    assert client.post(reverse("security:2fa_disable")).status_code == 403
    assert two_factor.has_device(staff)


def test_enrolling_ends_sessions_logged_in_with_password_only(client, required):
    from django.test import Client

    member = UserFactory()
    other = Client()
    login(other, member)
    login(client, member)
    enrol(client)
    assert other.get(reverse("accounts:dashboard")).status_code == 302


def test_admin_resets_a_lost_device_in_the_history(client, required):
    staff = CityStaffFactory()
    login(client, staff)
    enrol(client)
    admin = AdminFactory()
    admin_client = type(client)()
    admin_client.force_login(admin)
    # The admin has a device too, and is verified through it.
    enrol(admin_client)
    response = admin_client.post(
        reverse("security:reset"), {"email": staff.email.upper(), "reason": "手机丢失"}
    )
    assert response.status_code == 302
    assert not two_factor.has_device(staff)
    event = SecurityEvent.objects.get(user=staff, kind=SecurityEvent.Kind.RESET)
    assert event.actor == admin and event.note == "手机丢失"
    # The staff member's sessions ended; next login enrols again.
    assert not UserSession.objects.filter(user=staff).exists()
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    login(client, staff)
    assert client.get(reverse("accounts:dashboard")).url.startswith(reverse("security:2fa_setup"))
    assert "手机丢失" in admin_client.get(reverse("security:reset")).content.decode()


@pytest.mark.parametrize("factory", [UserFactory, CityStaffFactory, ProvinceStaffFactory])
def test_only_admins_reset(client, factory):
    client.force_login(factory())
    assert client.get(reverse("security:reset")).status_code == 403


def test_anonymous_reaches_no_security_page(client):
    for name in ["security:account", "security:2fa_setup", "security:2fa_verify", "security:reset"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("accounts:login") in response.url


def every_url():
    """Every URL pattern of the portal (admin: its index), with placeholder arguments."""
    import re

    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix):
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                if route.startswith("admin/"):
                    yield "/admin/"
                    continue
                yield from walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                path = re.sub(r"<int:\w+>", "1", prefix + route)
                yield "/" + re.sub(r"<(?:\w+:)?\w+>", "x", path)

    return sorted(set(walk(get_resolver().url_patterns, "")))


def test_unenrolled_staff_reach_no_url_but_enrolment(client, required):
    """Walks the resolver, so a page added later is covered without anyone remembering."""
    login(client, ProvinceStaffFactory())
    setup = reverse("security:2fa_setup")
    open_ = {setup, reverse("accounts:logout"), reverse("security:csp_report"), "/healthz"}
    urls = every_url()
    assert len(urls) > 40
    for url in urls:
        if url in open_:
            continue
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (method.__name__, url, response.status_code)
            assert response.url.startswith(setup), (url, response.url)
