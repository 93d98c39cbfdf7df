"""The login lockout counts per account and client address, as login itself sees them."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.auth import axes_username, client_ip, normalise_username
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "portal-pass-123"
LOGIN = reverse("accounts:login")
VARIANTS = [
    "Person@Example.com",
    " person@example.com ",
    "PERSON@EXAMPLE.COM",
    "ｐｅｒｓｏｎ@example.com",
]


@pytest.fixture
def person():
    return UserFactory(email="person@example.com")


def fail(client, username, **extra):
    return client.post(LOGIN, {"username": username, "password": "wrong"}, **extra)


def login(client, username, **extra):
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, **extra)


def test_normalisation_folds_case_spaces_and_full_width():
    assert {normalise_username(v) for v in VARIANTS} == {"person@example.com"}
    assert normalise_username("\u3000a@b.cn\u3000") == "a@b.cn"
    assert normalise_username(None) == ""


@pytest.mark.parametrize("variant", VARIANTS)
def test_locked_account_stays_locked_in_any_case_or_spacing(client, settings, person, variant):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail(client, "person@example.com")
    response = login(client, variant)
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()


def test_failures_typed_differently_count_together(client, settings, person):
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail(client, VARIANTS[n % len(VARIANTS)])
    assert AccessAttempt.objects.get().username == "person@example.com"
    assert login(client, "person@example.com").status_code == 429


def test_login_accepts_the_address_as_typed_with_spaces_and_capitals(client, person):
    response = login(client, " PERSON@example.com ")
    assert response.status_code == 302


def test_overlong_email_is_a_form_error_not_a_500(client, person):
    response = fail(client, "a" * 100_000 + "@example.com")
    assert response.status_code == 200
    assert "电子邮箱不能超过254个字符" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_overlong_username_on_the_admin_login_is_counted_truncated(client):
    response = client.post(reverse("admin:login"), {"username": "b" * 100_000, "password": "wrong"})
    assert response.status_code == 200
    assert len(AccessAttempt.objects.get().username) == 255


def test_axes_username_reads_credentials_then_the_form(rf):
    request = rf.post(LOGIN, {"username": " X@Y.CN "})
    assert axes_username(request) == "x@y.cn"
    assert axes_username(request, {"username": "Z@Y.CN"}) == "z@y.cn"


# --- behind a reverse proxy ----------------------------------------------------------------------


def test_without_a_configured_header_a_forwarded_address_is_ignored(client, settings, person):
    settings.CLIENT_IP_HEADER = ""
    for n in range(settings.AXES_FAILURE_LIMIT):
        # A client cannot spread its guesses over invented addresses.
        fail(client, "person@example.com", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert (
        login(client, "person@example.com", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429
    )


def test_behind_a_proxy_the_lock_is_per_account_and_client(client, settings, person):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # The client's own (spoofable) first entry is not what the proxy appended.
        fail(client, "person@example.com", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **proxy)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    attacker = login(client, "person@example.com", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert attacker.status_code == 429
    # The account holder, elsewhere, behind the same proxy, is not locked out by the guesser.
    owner = login(client, "person@example.com", HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    assert owner.status_code == 302


def test_client_ip_reads_the_configured_header_and_falls_back(rf, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.CLIENT_IP_PROXY_COUNT = 1
    assert client_ip(rf.get("/", HTTP_X_REAL_IP="203.0.113.5")) == "203.0.113.5"
    assert client_ip(rf.get("/", HTTP_X_REAL_IP="not-an-address")) == "127.0.0.1"
    assert client_ip(rf.get("/", HTTP_X_REAL_IP="\x00")) == "127.0.0.1"
    assert client_ip(rf.get("/")) == "127.0.0.1"
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = 2
    request = rf.get("/", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5, 10.0.0.1")
    assert client_ip(request) == "203.0.113.5"
