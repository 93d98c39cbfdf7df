"""No input gives a 500: NUL bytes, overlong values and wrong types get a Chinese 400 page or a
form error, on SQLite and on PostgreSQL (run with DATABASE_URL set for the second)."""

import datetime as dt
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.module_loading import import_string

from accounts.models import Invitation
from applications.models import Status
from applications.workflow import set_state
from catalog.forms import CatalogFilterForm
from documents.models import Document
from reviews.batch import batch_for
from reviews.forms import QueueFilterForm
from reviews.forms_board import BoardFilterForm
from tests.factories import (
    AdminFactory,
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    EntryFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BAD_REQUEST = "无法处理该请求"
INSIDE_DEADLINE = dt.datetime(2023, 6, 20, 2, 0, tzinfo=dt.UTC)
# Every parameter a view reads from the query string or a filter form, so a new one is covered.
PARAMS = sorted(
    {"call", "key", "part", "page", "index", "unit", "basis", "levels", "q", "check", "next"}
    | set(QueueFilterForm.base_fields)
    | set(BoardFilterForm.base_fields)
    | set(CatalogFilterForm.base_fields)
)
# Every field of the portal's forms, to post each one far longer than it may be.
FORMS = [
    "accounts.forms.RegistrationForm",
    "accounts.forms.OrganisationForm",
    "accounts.forms.InvitationForm",
    "accounts.forms.AcceptInvitationForm",
    "applications.forms.edit.ApplicationForm",
    "applications.forms.edit.ExpertForm",
    "applications.forms.start.StartForm",
    "applications.forms.attachments.AttachmentForm",
    "reviews.forms.ReturnForm",
    "reviews.forms.DecisionForm",
    "reviews.forms_board.ScoreForm",
    "reviews.forms_board.WeightsForm",
    "reviews.forms_selection.DecisionForm",
]
FORM_FIELDS = sorted(
    {"username", "password", "email", "reason", "version", "ids", "next", "action", "then"}
    | {name for path in FORMS for name in import_string(path).base_fields}
)
OVERLONG = "长" * 400
WRONG_TYPES = ["abc", "-1", "99999999999999999999", "c:|"]


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    with time_machine.travel(INSIDE_DEADLINE), django_capture_on_commit_callbacks(execute=True):
        call = CallFactory(slug="2023-2024")
        centre = CentreFactory(region="杭州")
        member = UserFactory(organisation__centre=centre)
        unit = UnitFactory(entry=EntryFactory(call=call))
        app = ApplicationFactory(
            complete=True, call=call, unit=unit, organisation=member.organisation
        )
        set_state(app, Status.SUBMITTED, member)
    staff = CityStaffFactory(centre=centre)
    return SimpleNamespace(
        call=call,
        app=app,
        entry=unit.entry,
        member=member,
        staff=staff,
        province=ProvinceStaffFactory(),
        admin=AdminFactory(),
        doc=Document.objects.get(application=app),
        attachment=app.attachments.first(),
        batch=batch_for(centre, call),
        invitation=Invitation.objects.create(
            organisation=member.organisation, email="new@example.com", invited_by=member
        ),
    )


def is_bad_request(response) -> bool:
    return response.status_code == 400 and BAD_REQUEST in response.content.decode()


# --- the cases found in the portal --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "name", "query"),
    [
        ("province", "reviews:queue", "call=%00"),
        ("province", "reviews:queue", "call=%00&part=counts"),
        ("staff", "reviews:batch", "call=%00"),
        ("province", "reviews:batch_list", "call=%00"),
        ("province", "reviews:board", "call=%00"),
        ("province", "reviews:compare", "key=%00"),
        ("province", "reviews:compare", "call=%00&key=u1"),
        ("province", "reviews:weights", "call=%00"),
        ("province", "reviews:publish", "call=%00"),
        ("province", "reviews:charts", "call=%00"),
        ("member", "applications:start", "unit=%00&q=%00"),
        (None, "catalog:entry_list", "call=%00"),
        (None, "catalog:entry_list", "q=" + "长" * 5000),
    ],
)
def test_nul_and_overlong_query_values_get_the_400_page(client, world, role, name, query):
    if role:
        client.force_login(getattr(world, role))
    response = client.get(f"{reverse(name)}?{query}", HTTP_HX_REQUEST="true")
    assert is_bad_request(response)


@pytest.mark.parametrize("name", ["reviews:batch_send", "reviews:weights", "reviews:publish"])
def test_nul_in_a_posted_field_gets_the_400_page(client, world, name):
    client.force_login(world.staff if name == "reviews:batch_send" else world.province)
    response = client.post(reverse(name), {"call": "\x00", "reason": "a\x00b"})
    assert is_bad_request(response)


def test_nul_in_an_invitation_token_gets_the_400_page(client, world):
    url = reverse("accounts:accept", args=["x"]).replace("/x/", "/%00/")
    assert is_bad_request(client.get(url))
    token = quote(world.invitation.token + "\x00")
    assert is_bad_request(client.get(url.replace("%00", token)))


def test_nul_in_login_and_registration_fields(client, world):
    assert is_bad_request(client.post(reverse("accounts:login"), {"username": "a\x00@b.cn"}))
    assert is_bad_request(client.post(reverse("accounts:register"), {"org_name": "\x00"}))


def test_nul_in_a_header_or_a_cookie(client, world):
    assert is_bad_request(client.get(reverse("home"), HTTP_USER_AGENT="x\x00y"))
    client.force_login(world.member)
    client.cookies["sessionid"] = "abc\x00def"
    # A cookie the portal never set is dropped: the visitor is simply not logged in.
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_an_ordinary_long_form_field_is_a_form_error_not_a_400(client, world):
    client.force_login(world.member)
    response = client.post(
        reverse("accounts:organisation_edit", args=[world.member.organisation_id]),
        {"name": "长" * 5000},
    )
    assert response.status_code in (200, 400)
    assert BAD_REQUEST not in response.content.decode()


# --- every URL, every role, hostile and wrong-typed parameters --------------------------------


def url_names(patterns=None, namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            if ns == "admin":
                continue
            yield from url_names(pattern.url_patterns, ns or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def url_for(name, world) -> str:
    """The URL with the world's own objects, so each view gets past its lookup."""
    ids = {
        "catalog:entry_detail": [world.call.slug, world.entry.number],
        "accounts:accept": [world.invitation.token],
        "accounts:password_reset_confirm": ["MQ", "set-password"],
        "reviews:batch_reopen": [world.batch.pk],
        "applications:attachment_download": [world.app.pk, world.attachment.pk],
        "applications:attachment_delete": [world.app.pk, world.attachment.pk],
    }
    if name in ids:
        return reverse(name, args=ids[name])
    if name.startswith("documents:"):
        return reverse(name, args=[world.doc.pk])
    if name.startswith("accounts:organisation") or name == "accounts:invite":
        return reverse(name, args=[world.member.organisation_id])
    names = url_kwargs().get(name, [])
    if not names:
        return reverse(name)
    # Any other URL: its kwargs from the world by name, so URLs added later are walked too.
    fill = {
        "pk": world.app.pk,
        "aid": world.attachment.pk,
        "slug": world.call.slug,
        "call": world.call.slug,
        "token": world.invitation.token,
        "uidb64": "MQ",
        "number": world.entry.number,
    }
    return reverse(name, kwargs={k: fill.get(k, 1) for k in names})


def url_kwargs(patterns=None, namespace=None) -> dict[str, list[str]]:
    """URL name → the names of its kwargs, for every named pattern."""
    found = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = url_kwargs(pattern.url_patterns, pattern.namespace or namespace)
            for key, names in inner.items():
                found[key] = list(pattern.pattern.converters) + names
        elif isinstance(pattern, URLPattern) and pattern.name:
            key = f"{namespace}:{pattern.name}" if namespace else pattern.name
            found[key] = list(pattern.pattern.converters)
    return found


ROLES = [None, "member", "staff", "province", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_hostile_input_without_a_500(client, world, role):
    if role:
        client.force_login(getattr(world, role))
    client.raise_request_exception = False
    names = sorted(set(url_names()) - {"accounts:logout"})
    failures = []
    for name in names:
        url = url_for(name, world)
        for value in ["\x00", "x" * 2000]:
            response = client.get(url, {p: value for p in PARAMS})
            if not is_bad_request(response):
                failures.append((name, repr(value[:5]), response.status_code))
        for value in WRONG_TYPES:
            for method in (client.get, client.post):
                response = method(url, {p: value for p in PARAMS}, HTTP_HX_REQUEST="true")
                if response.status_code >= 500:
                    failures.append((name, method.__name__, value, response.status_code))
        response = client.post(url, {f: OVERLONG for f in FORM_FIELDS}, HTTP_HX_REQUEST="true")
        if response.status_code >= 500:
            failures.append((name, "overlong form", response.status_code))
    assert failures == [], failures
