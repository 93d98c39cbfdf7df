"""Content-Security-Policy: on every page, no inline script anywhere, reports go to the log."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import AdminFactory, CityStaffFactory, ProvinceStaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def script_src(response):
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    return directives["script-src"], directives


def assert_strict(response):
    scripts, directives = script_src(response)
    assert scripts == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["report-uri"] == reverse("security:csp_report")


def test_header_on_public_pages_and_error_pages(client, catalog):
    for url in [
        reverse("home"),
        reverse("accounts:login"),
        reverse("accounts:register"),
        reverse("accounts:password_reset"),
        reverse("catalog:entry_list"),
        "/admin/login/",
        "/no-such-page/",
        reverse("healthz"),
    ]:
        assert_strict(client.get(url))


@pytest.mark.parametrize(
    "factory", [UserFactory, CityStaffFactory, ProvinceStaffFactory, AdminFactory]
)
def test_header_on_every_role_s_pages(client, catalog, factory):
    client.force_login(factory())
    for url in [reverse("accounts:dashboard"), reverse("security:account"), "/admin/"]:
        assert_strict(client.get(url))


def test_no_template_has_an_inline_script_or_event_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not inline_script.search(text), f"inline <script> in {path}"
        assert not handler.search(text), f"on*= handler in {path}"
        assert "javascript:" not in text, f"javascript: URL in {path}"


def test_a_centre_name_never_lands_in_javascript(client, catalog):
    """The reopen confirmation reads the centre's name from an attribute, escaped as HTML."""
    text = (TEMPLATES / "reviews" / "batch_list.html").read_text(encoding="utf-8")
    assert 'data-confirm="确定重新开放{{ row.centre.name }}' in text


def test_violation_reports_are_logged(client, caplog):
    report = {"csp-report": {"violated-directive": "script-src", "blocked-uri": "inline"}}
    with caplog.at_level("WARNING", logger="security.csp"):
        response = client.post(
            reverse("security:csp_report"),
            data=json.dumps(report),
            content_type="application/csp-report",
        )
    assert response.status_code == 204
    assert "script-src" in caplog.text


def test_report_endpoint_takes_no_get_and_survives_garbage(client, caplog):
    assert client.get(reverse("security:csp_report")).status_code == 405
    with caplog.at_level("WARNING", logger="security.csp"):
        response = client.post(
            reverse("security:csp_report"), data=b"\xff\x00not json", content_type="text/plain"
        )
    assert response.status_code == 204
