"""Rate limits answer 429 with a Chinese message saying when to try again."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from security.ratelimit import parse_rate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def assert_limited(response):
    assert response.status_code == 429
    body = response.content.decode()
    assert "操作过于频繁" in body
    assert re.search(r"请在 \d+ 分钟后（\d\d:\d\d 之后）再试", body)
    assert 0 < int(response["Retry-After"]) <= 3600


def test_rates_read_as_count_per_period():
    assert parse_rate("5/h") == (5, 3600)
    assert parse_rate("30/10m") == (30, 600)
    assert parse_rate("2/d") == (2, 86400)


def test_registration_per_address(client):
    url = reverse("accounts:register")
    for _ in range(10):
        assert client.post(url, {"org_name": "x"}).status_code == 200
    assert_limited(client.post(url, {"org_name": "x"}))
    # Showing the form is not limited, nor another address.
    assert client.get(url).status_code == 200
    assert client.post(url, {"org_name": "x"}, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_password_reset_per_address_and_per_account(client):
    url = reverse("accounts:password_reset")
    UserFactory(email="target@example.com")
    # Per account: the same e-mail from three addresses, then refused from a fourth.
    for n in range(3):
        client.post(url, {"email": "target@example.com"}, REMOTE_ADDR=f"10.0.1.{n}")
    assert len(mail.outbox) == 3
    assert_limited(client.post(url, {"email": " Target@Example.com"}, REMOTE_ADDR="10.0.1.9"))
    assert len(mail.outbox) == 3
    # Per address: ten different e-mails, then the eleventh refused.
    for n in range(10):
        client.post(url, {"email": f"nobody{n}@example.com"}, REMOTE_ADDR="10.0.2.1")
    assert_limited(client.post(url, {"email": "x@example.com"}, REMOTE_ADDR="10.0.2.1"))


def test_invitations_per_account(client):
    member = UserFactory()
    client.force_login(member)
    url = reverse("accounts:invite", args=[member.organisation_id])
    for n in range(20):
        client.post(url, {"email": f"colleague{n}@example.com"}, REMOTE_ADDR=f"10.0.3.{n}")
    assert_limited(client.post(url, {"email": "late@example.com"}, REMOTE_ADDR="10.0.3.99"))


def test_document_retry_per_account_with_an_htmx_notice(client):
    client.force_login(UserFactory())
    # Counted before the document is even looked up: a missing one costs the same.
    url = reverse("documents:retry", args=[999999])
    for _ in range(10):
        assert client.post(url).status_code == 404
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 429
    body = response.content.decode()
    # htmx swaps a short notice in place, not a whole page.
    assert "操作过于频繁" in body and "<html" not in body


def test_every_anonymous_form_has_a_floor(client):
    """A public form added later is limited too, without anyone remembering to."""
    url = reverse("accounts:login")
    for n in range(30):
        client.post(url, {"username": f"u{n}@example.com", "password": "x"})
    assert_limited(client.post(url, {"username": "again@example.com", "password": "x"}))
    assert client.get(url).status_code == 200


def test_limits_can_be_switched_off(client, settings):
    settings.RATELIMIT_ENABLED = False
    url = reverse("accounts:register")
    for _ in range(12):
        assert client.post(url, {"org_name": "x"}).status_code == 200


def test_a_cache_outage_lets_forms_through(client, settings):
    # Nothing listens on this port: every cache call fails.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    url = reverse("accounts:register")
    for _ in range(12):
        assert client.post(url, {"org_name": "x"}).status_code == 200


def test_class_based_views_take_the_mixin(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.views import View

    from security.ratelimit import RateLimitMixin

    class Form(RateLimitMixin, View):
        ratelimit_scope = "future-form"
        ratelimit_per_address = "2/m"

        def post(self, request):
            return HttpResponse("ok")

    view = Form.as_view()

    def post():
        request = rf.post("/future/")
        request.user = AnonymousUser()
        return view(request)

    assert [post().status_code for _ in range(2)] == [200, 200]
    assert_limited(post())


def test_registration_per_e_mail_from_many_addresses(client):
    url = reverse("accounts:register")
    for n in range(5):
        client.post(url, {"email": "same@example.com"}, REMOTE_ADDR=f"10.0.4.{n}")
    assert_limited(client.post(url, {"email": "SAME@example.com "}, REMOTE_ADDR="10.0.4.99"))
