"""Every URL pattern, walked from the resolver, for every role on objects in every state.

A URL added later is covered automatically: its kwargs are filled from KWARGS (fail loudly when a
kwarg is unknown) and, when no object kwarg ties it to a unit, it must be listed in PAGE_ROLES.
Asserted for each response: outsiders get 404, roles that may read but not act get 403, anonymous
visitors are sent to log in, nothing answers 500, and (before publication) no applicant or city
response names a decision of the province.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Invitation, Message
from applications.models import Event, Snapshot, StampedScan, Status
from applications.paper import OPINION_GIVEN
from applications.snapshot import build_data, content_hash
from audit.models import Change, Subject
from documents.models import Document
from reviews.batch import reopen_batch
from reviews.models import Batch, Publication, Recommendation, Review, Selection
from security.models import UserSession
from tests.factories import (
    AdminFactory,
    ApplicationFactory,
    AttachmentFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    EntryFactory,
    OrganisationFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
INSIDE_DEADLINE = dt.datetime(2023, 6, 20, 10, 0, tzinfo=BEIJING)

ROLES = [
    "anonymous",
    "own_unit",
    "other_unit",  # another unit of the same city
    "other_city_unit",
    "own_centre",
    "other_centre",
    "province",
    "admin",
]
APPLICANTS = {"own_unit", "other_unit", "other_city_unit"}
CENTRES = {"own_centre", "other_centre", "province"}
# Who must never read a decision before publication (follows_selection is False for them).
NOT_FOLLOWING = APPLICANTS | {"own_centre", "other_centre", "anonymous"}
# Words and markup that name or hint at a decision of the province.
DECISION_WORDS = [
    "已入选",
    "未入选",
    "确定入选",
    "遴选结果",
    "确定为牵头单位",
    "确定为参与单位",
    "not_selected",
    "status=selected",
    "count-selected",
]

# State name → (status, submitted at least once). "withdrawn" is a draft that went out once.
STATES = {
    "draft": (Status.DRAFT, False),
    "withdrawn": (Status.DRAFT, True),
    "submitted": (Status.SUBMITTED, True),
    "in_review": (Status.IN_REVIEW, True),
    "returned": (Status.RETURNED, True),
    "verified": (Status.VERIFIED, True),
    "recommended": (Status.RECOMMENDED, True),
    "not_recommended": (Status.NOT_RECOMMENDED, True),
    "sent": (Status.SENT, True),
    "selected": (Status.SELECTED, True),
    "not_selected": (Status.NOT_SELECTED, True),
}


@dataclass
class World:
    call: object
    entry: object
    org: object
    users: dict
    apps: dict = field(default_factory=dict)
    attachments: dict = field(default_factory=dict)
    pdfs: dict = field(default_factory=dict)
    scans: dict = field(default_factory=dict)
    batch: object = None
    invitation: object = None
    message: object = None
    session: object = None


# --- filling a URL's kwargs ------------------------------------------------------------------
# Each factory takes (world, application) and returns the kwarg's value. Object kinds decide who
# may see the URL: "application" (also its attachments and PDFs), "organisation", or None (the
# URL is a page gated by role alone, see PAGE_ROLES).


@dataclass(frozen=True)
class Kwarg:
    kind: str | None
    value: Callable


APP_PK = Kwarg("application", lambda w, app: app.pk)
ATTACHMENT = Kwarg("application", lambda w, app: w.attachments[app.pk].pk)
# A draft never submitted has no PDF: URLs needing one are skipped for it (None).
PDF = Kwarg("application", lambda w, app: w.pdfs[app.pk].pk if app.pk in w.pdfs else None)
# The unit's stamped pages: only an application that went out has them.
SCAN = Kwarg("application", lambda w, app: w.scans[app.pk].pk if app.pk in w.scans else None)
# A 站内消息 and a browser session belong to one user (own_unit's): everyone else gets 404.
MESSAGE = Kwarg("message", lambda w, app: w.message.pk)
SESSION = Kwarg("session", lambda w, app: w.session.pk)
ORG = Kwarg("organisation", lambda w, app: w.org.pk)
BATCH = Kwarg("batch", lambda w, app: w.batch.pk)
INVITATION = Kwarg(None, lambda w, app: w.invitation.token)
UIDB64 = Kwarg(None, lambda w, app: urlsafe_base64_encode(force_bytes(w.users["own_unit"].pk)))
RESET_TOKEN = Kwarg(None, lambda w, app: default_token_generator.make_token(w.users["own_unit"]))
CALL_SLUG = Kwarg(None, lambda w, app: w.call.slug)
ENTRY_NUMBER = Kwarg(None, lambda w, app: w.entry.number)

# URL name (or "namespace:*") → kwarg name → how to fill it. The exact name wins.
KWARGS: dict[str, dict[str, Kwarg]] = {
    "applications:*": {"pk": APP_PK, "aid": ATTACHMENT, "sid": SCAN},
    "documents:*": {"pk": PDF},
    "reviews:batch_reopen": {"pk": BATCH},
    "reviews:batch_scan_download": {"pk": BATCH},
    "reviews:batch_package": {"pk": BATCH},
    "reviews:*": {"pk": APP_PK},
    "accounts:organisation_detail": {"pk": ORG},
    "accounts:organisation_edit": {"pk": ORG},
    "accounts:invite": {"pk": ORG},
    "accounts:accept": {"token": INVITATION},
    "accounts:password_reset_confirm": {"uidb64": UIDB64, "token": RESET_TOKEN},
    "accounts:register_confirm": {"uidb64": UIDB64, "token": RESET_TOKEN},
    "catalog:entry_detail": {"call": CALL_SLUG, "number": ENTRY_NUMBER},
    "calls:*": {"slug": CALL_SLUG},
    "messages:open": {"pk": MESSAGE},
    "security:end_session": {"pk": SESSION},
}

# Query strings a page needs to show anything (else it rightly answers 404).
QUERY: dict[str, Callable] = {
    "reviews:compare": lambda w, app: f"key=u{app.unit_id}",
    "applications:unit_levels": lambda w, app: f"unit={app.unit_id}",
    "applications:expert_row": lambda w, app: "index=0",
}

# Who may act through an object URL; every other role that can see the object gets 403.
ACTS = {
    "applications:edit": {"own_unit"},
    "applications:expert_row": {"own_unit"},
    "applications:submit": {"own_unit"},
    "applications:withdraw": {"own_unit"},
    "applications:attachment_upload": {"own_unit"},
    "applications:attachment_delete": {"own_unit"},
    "applications:paper_unit_pages": {"own_unit"},
    "applications:paper_section_five": {"own_centre"},
    "applications:paper_received": {"own_centre"},
    "reviews:review": {"own_centre"},
    "reviews:start": {"own_centre"},
    "reviews:return": {"own_centre"},
    "reviews:verify": {"own_centre"},
    "reviews:recommend": {"own_centre"},
    "accounts:organisation_edit": {"own_unit"},
    "accounts:invite": {"own_unit"},
    "reviews:batch_reopen": {"province"},
    "reviews:batch_package": {"province"},
}
LOGGED_IN = set(ROLES) - {"anonymous"}
PUBLIC = set(ROLES)
# Pages gated by role alone (whatever object they name): others get 403, anonymous logs in.
PAGE_ROLES = {
    "home": PUBLIC,
    "healthz": PUBLIC,
    "catalog:entry_list": PUBLIC,
    "catalog:entry_detail": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": PUBLIC,
    "accounts:register": PUBLIC,
    "accounts:register_sent": PUBLIC,
    "accounts:register_confirm": PUBLIC,
    "accounts:accept": PUBLIC,
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_done": PUBLIC,
    "accounts:password_reset_confirm": PUBLIC,
    "accounts:password_reset_complete": PUBLIC,
    "accounts:dashboard": LOGGED_IN,
    "accounts:password_change": LOGGED_IN,
    "accounts:password_change_done": LOGGED_IN,
    # A centre's own settings: its staff (city or province); applicants and admins 403.
    "accounts:centre": CENTRES,
    # The public call page and its blank forms: no account needed.
    "calls:current": PUBLIC,
    "calls:detail": PUBLIC,
    "calls:catalog_xlsx": PUBLIC,
    "calls:blank_form": PUBLIC,
    "calls:blank_summary": PUBLIC,
    # Everyone's own 站内消息.
    "messages:list": LOGGED_IN,
    "messages:read_all": LOGGED_IN,
    # Everyone's own 账号安全; only admins reset another user's second factor.
    "security:account": LOGGED_IN,
    "security:2fa_setup": LOGGED_IN,
    "security:2fa_verify": LOGGED_IN,
    "security:2fa_codes": LOGGED_IN,
    "security:2fa_disable": LOGGED_IN,
    "security:end_others": LOGGED_IN,
    "security:reset": {"admin"},
    # Browsers report CSP violations without a session.
    "security:csp_report": PUBLIC,
    "applications:start": APPLICANTS,
    "applications:unit_levels": APPLICANTS,
    "reviews:queue": CENTRES,
    "reviews:zip": CENTRES,
    "reviews:batch": CENTRES,
    "reviews:batch_send": CENTRES,
    "reviews:batch_summary": CENTRES,
    "reviews:batch_scan": CENTRES,
    "reviews:bulk": CENTRES,
    "reviews:queue_export": CENTRES,
    "reviews:batch_list": {"province"},
    "reviews:board": {"province"},
    "reviews:compare": {"province"},
    "reviews:weights": {"province"},
    "reviews:publish": {"province"},
    "reviews:charts": {"province"},
    "reviews:board_export": {"province"},
    "reviews:scores_export": {"province"},
    "reviews:combined_summary": {"province"},
    "audit:trail": {"province"},
    "audit:export": {"province"},
    # Province-only before the object is even looked up: 403 for every other role.
    "reviews:score": {"province"},
    "reviews:decide": {"province"},
}
# The Django admin has its own login and is_staff gate; tested apart below.
SKIPPED_NAMESPACES = {"admin"}


def walk(resolvers=None, prefix="", namespace=""):
    """(name, pattern text, kwarg names) of every named URL pattern, recursively."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace or ""
            if (entry.namespace or "") in SKIPPED_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            if not entry.name:
                raise AssertionError(f"URL pattern {prefix}{entry.pattern} has no name")
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern), list(entry.pattern.converters)


PATTERNS = list(walk())


def kwargs_spec(name, names=None) -> dict[str, Kwarg]:
    if names is None:
        names = next(p[2] for p in PATTERNS if p[0] == name)
    namespace = name.split(":")[0] + ":*"
    table = KWARGS.get(name) or KWARGS.get(namespace, {})
    unknown = [k for k in names if k not in table]
    if unknown:
        pytest.fail(
            f"URL {name} has kwargs {unknown}: add how to fill them to KWARGS in {__name__}"
        )
    return {k: table[k] for k in names}


def object_kind(name) -> str | None:
    kinds = {spec.kind for spec in kwargs_spec(name).values()} - {None}
    assert len(kinds) <= 1, name
    return kinds.pop() if kinds else None


OBJECT_URLS = [p[0] for p in PATTERNS if object_kind(p[0]) == "application"]
ORG_URLS = [
    p[0] for p in PATTERNS if object_kind(p[0]) in ("organisation", "batch", "message", "session")
]
PAGE_URLS = [p[0] for p in PATTERNS if object_kind(p[0]) is None]


def test_every_url_is_classified():
    """A new URL must say how to fill its kwargs and, if not tied to an object, who may open it."""
    assert PATTERNS, "the resolver yielded nothing"
    for name in PAGE_URLS:
        assert name in PAGE_ROLES, f"add {name} to PAGE_ROLES in {__name__}"
    for name in [*OBJECT_URLS, *ORG_URLS]:
        assert name not in PAGE_ROLES or name in ("reviews:score", "reviews:decide"), name


def test_unknown_kwarg_fails_loudly():
    with pytest.raises(pytest.fail.Exception, match="add how to fill them to KWARGS"):
        kwargs_spec("applications:new_thing", ["slug"])


# --- the world ---------------------------------------------------------------------------------


def build_world(published=False) -> World:
    hangzhou = CentreFactory(code="hangzhou", name="杭州市职业技能鉴定指导中心")
    ningbo = CentreFactory(code="ningbo", name="宁波市职业技能鉴定指导中心")
    call = CallFactory(slug="2023-2024")
    entry = EntryFactory(call=call)
    org = OrganisationFactory(centre=hangzhou)
    users = {
        "anonymous": None,
        "own_unit": UserFactory(organisation=org),
        "other_unit": UserFactory(organisation=OrganisationFactory(centre=hangzhou)),
        "other_city_unit": UserFactory(organisation=OrganisationFactory(centre=ningbo)),
        "own_centre": CityStaffFactory(centre=hangzhou),
        "other_centre": CityStaffFactory(centre=ningbo),
        "province": ProvinceStaffFactory(),
        "admin": AdminFactory(),
    }
    world = World(call=call, entry=entry, org=org, users=users)
    owner = users["own_unit"]
    for number, (state, (status, went_out)) in enumerate(STATES.items()):
        unit = UnitFactory(entry=entry, name=f"工种{number}")
        app = ApplicationFactory(
            complete=True, organisation=org, call=call, unit=unit, status=status, created_by=owner
        )
        world.apps[state] = app
        world.attachments[app.pk] = AttachmentFactory(
            application=app, kind="licence", submitted_version=1 if went_out else None
        )
        Event.objects.create(application=app, actor=owner, to_status=Status.DRAFT)
        if not went_out:
            continue
        snapshot = Snapshot.objects.create(
            application=app, number=1, data={}, content_hash=f"{app.pk:064d}"
        )
        # A second version with the real content, so 版本变化 has two versions to compare.
        data = build_data(app)
        Snapshot.objects.create(
            application=app, number=2, data=data, content_hash=content_hash(data)
        )
        # The unit's stamped pages of that version, and (once submitted) the centre's receipt.
        world.scans[app.pk] = StampedScan.objects.create(
            application=app,
            kind=StampedScan.Kind.UNIT_PAGES,
            version=2,
            file=ContentFile(b"%PDF-1.4\n", name="scan.pdf"),
            original_name="盖章页.pdf",
            content_type="application/pdf",
            size=9,
            uploaded_by=owner,
        )
        paper = {"stamped_version": 2}
        # The centre received the paper copy and stamped its section 五; one decided application
        # still lacks it, so the batch page lists a gap.
        if status in OPINION_GIVEN and status != Status.NOT_RECOMMENDED:
            paper.update(
                paper_received_on=INSIDE_DEADLINE.date(),
                paper_received_by=users["own_centre"],
                section_five_stamped_at=INSIDE_DEADLINE,
            )
            StampedScan.objects.create(
                application=app,
                kind=StampedScan.Kind.SECTION_FIVE,
                version=2,
                file=ContentFile(b"%PDF-1.4\n", name="five.pdf"),
                original_name="第五部分.pdf",
                content_type="application/pdf",
                size=9,
                uploaded_by=users["own_centre"],
            )
        type(app).objects.filter(pk=app.pk).update(**paper)
        Event.objects.create(
            application=app,
            actor=owner,
            from_status=status,
            to_status=status,
            comment="上传盖章页（第2版）：盖章页.pdf",
            kind=Event.Kind.PAPER,
        )
        # The trail the province reads (issue 15): one status change per application.
        Change.objects.create(
            actor=owner,
            call=call,
            subject=Subject.APPLICATION,
            object_id=app.pk,
            object_label=app.reference,
            field="status",
            field_label="状态",
            old="草稿",
            new="已提交",
        )
        world.pdfs[app.pk] = Document.objects.create(
            kind=Document.Kind.APPLICATION_PDF,
            application=app,
            snapshot=snapshot,
            state=Document.State.DONE,
            file=ContentFile(b"%PDF-1.4\n", name="a.pdf"),
            filename=f"{app.reference}.pdf",
        )
        recommendation = {
            Status.RECOMMENDED: Recommendation.LEAD,
            Status.NOT_RECOMMENDED: Recommendation.NONE,
            Status.SENT: Recommendation.LEAD,
            Status.SELECTED: Recommendation.LEAD,
            Status.NOT_SELECTED: Recommendation.PARTICIPANT,
        }.get(status)
        if recommendation:
            Review.objects.create(application=app, recommendation=recommendation, reason="理由")
        if status in (Status.SELECTED, Status.NOT_SELECTED):
            Selection.objects.create(
                application=app,
                call=call,
                unit=unit,
                unit_key=f"u{unit.pk}",
                outcome="lead" if status == Status.SELECTED else "not_selected",
                reason="省中心理由",
            )
    world.batch = Batch.objects.create(
        centre=hangzhou,
        call=call,
        state=Batch.State.SENT,
        stamped_summary=ContentFile(b"%PDF-1.4\n", name="summary.pdf"),
        stamped_summary_name="附件3盖章.pdf",
        stamped_summary_type="application/pdf",
    )
    world.message = Message.objects.create(
        user=owner,
        subject="申报书已提交",
        body="您的申报书已提交。",
        link=reverse("applications:detail", args=[world.apps["submitted"].pk]),
    )
    # Another live browser of the unit's user, as 账号安全 lists it (stale records are dropped).
    browser = import_module(settings.SESSION_ENGINE).SessionStore()
    browser["_auth_user_id"] = str(owner.pk)
    browser.create()
    world.session = UserSession.objects.create(
        session_key=browser.session_key, user=owner, last_seen=dt.datetime.now(dt.UTC)
    )
    world.invitation = Invitation.objects.create(
        organisation=org, email="new@example.com", invited_by=owner
    )
    if published:
        Publication.objects.create(call=call, published_by=users["province"])
        type(call).objects.filter(pk=call.pk).update(is_open=False)
    return world


# --- who should get what -------------------------------------------------------------------------


def sees(role, kind, app) -> bool:
    """The domain rule, written out independently of the code under test."""
    if kind == "batch":
        # The own-unit city's batch: its centre reads it, the province reopens it.
        return role in ("own_centre", "province")
    if kind in ("message", "session"):
        # A user's own: not even an admin opens another's message or ends another's session.
        return role == "own_unit"
    if role in ("own_unit", "admin"):
        return True
    if role not in ("own_centre", "province"):
        return False
    return kind == "organisation" or app.status != Status.DRAFT


def expected(name, role, kind, app) -> str:
    if role == "anonymous":
        return "public" if "anonymous" in PAGE_ROLES.get(name, ()) else "login"
    if name in PAGE_ROLES and role not in PAGE_ROLES[name]:
        return "403"
    if kind is not None and not sees(role, kind, app):
        return "404"
    if name in ACTS and role not in ACTS[name]:
        return "403"
    return "ok"


def check(response, name, role, want, where):
    chain = getattr(response, "redirect_chain", [])
    status = chain[0][1] if chain else response.status_code
    label = f"{name} as {role} {where}: got {status}, want {want}"
    assert status < 500, label
    if status == 405:
        # The method is refused before any look-up: it reveals nothing.
        return status
    if want == "login":
        location = chain[0][0] if chain else response.get("Location", "")
        assert status in (302, 401) and (status == 401 or "/accounts/login/" in location), label
    elif want == "404":
        assert status == 404, label
    elif want == "403":
        assert status == 403, label
    elif want == "ok":
        assert status not in (403, 404), label
    return status


def no_decision(response, name, role, where):
    if response.streaming:
        # Files: the application's own uploads and PDFs, checked by their own tests.
        return
    body = response.content.decode(errors="replace")
    for word in DECISION_WORDS:
        assert word not in body, f"{name} as {role} {where} shows “{word}”"


def request_both(client, url, follow, want):
    """GET, then POST in a rolled-back savepoint, so one role's action never alters the next's.

    An outsider refused on GET is refused by the same look-up on POST: skipped, for speed.
    """
    got = client.get(url, follow=follow)
    if want in ("404", "login") and got.status_code != 405:
        return [got]
    with transaction.atomic():
        posted = client.post(url, follow=follow)
        transaction.set_rollback(True)
    return [got, posted]


def walk_urls(client, world, names, app, published, where):
    for role in ROLES:
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        # Applicants and cities follow redirects, so the messages they land on are read too.
        follow = role in NOT_FOLLOWING and not published
        for name in names:
            kwargs = {k: s.value(world, app) for k, s in kwargs_spec(name).items()}
            if None in kwargs.values():
                continue
            url = reverse(name, kwargs=kwargs)
            if name in QUERY:
                url += "?" + QUERY[name](world, app)
            want = expected(name, role, object_kind(name), app)
            statuses = []
            responses = request_both(client, url, follow, want)
            for method, response in zip(("GET", "POST")[: len(responses)], responses, strict=True):
                statuses.append(check(response, name, role, want, f"{method} {where}"))
                if follow:
                    no_decision(response, name, role, f"{method} {where}")
            assert statuses != [405, 405], f"{name} answers neither GET nor POST"
            if world.users[role] is not None and "_auth_user_id" not in client.session:
                # Logging out (or a password change) ended the session: log in again.
                client.force_login(world.users[role])


@pytest.fixture(autouse=True)
def inside_deadline():
    with time_machine.travel(INSIDE_DEADLINE, tick=False):
        yield


# Publication changes what is shown only for applications the province received.
CASES = [(state, False) for state in STATES] + [
    (state, True) for state in ("selected", "not_selected")
]


@pytest.mark.parametrize(
    ("state", "published"),
    CASES,
    ids=[f"{state}-{'published' if published else 'unpublished'}" for state, published in CASES],
)
def test_application_urls(client, state, published):
    world = build_world(published)
    app = world.apps[state]
    walk_urls(client, world, OBJECT_URLS, app, published, f"on a {state} application")


@pytest.mark.parametrize("published", [False, True], ids=["unpublished", "published"])
def test_pages_and_organisation_urls(client, published):
    """Lists and dashboards show every state at once; the unit's own pages too."""
    world = build_world(published)
    app = world.apps["selected"]
    walk_urls(client, world, [*PAGE_URLS, *ORG_URLS], app, published, "with every state")


@pytest.mark.parametrize("state", ["selected", "not_selected"])
def test_after_a_reopen_every_url_reads_alike_for_decided_and_undecided(client, state):
    """The province reopened the city's batch: what it had decided must leave no trace."""
    world = build_world()
    reopen_batch(world.batch, world.users["province"], "请补充材料")
    app = world.apps[state]
    app.refresh_from_db()
    assert app.status in (Status.RECOMMENDED, Status.NOT_RECOMMENDED)
    walk_urls(client, world, OBJECT_URLS, app, False, f"on a reopened {state} application")
    if state == "selected":
        walk_urls(client, world, [*PAGE_URLS, *ORG_URLS], app, False, "after a reopen")


def test_admin_site_is_for_administrators_only(client):
    world = build_world()
    for role in ROLES:
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        response = client.get(reverse("admin:index"))
        if role == "admin":
            assert response.status_code == 200
            # The admin shows true statuses (it follows the selection) without get_status_display.
            app = world.apps["selected"]
            for url in (
                reverse("admin:applications_application_changelist"),
                reverse("admin:applications_application_change", args=[app.pk]),
            ):
                page = client.get(url)
                assert page.status_code == 200 and "已入选" in page.content.decode(), url
        else:
            assert response.status_code == 302 and "/admin/login/" in response.url, role


# Files not tied to one application (issue 15's exports): visible to whoever asked, their centre,
# the province and admins. The province's exports name its decisions and scores before
# publication, so no centre or unit may open them.
PROVINCE_EXPORTS = [
    Document.Kind.BOARD_XLSX,
    Document.Kind.SCORES_XLSX,
    Document.Kind.COMBINED_SUMMARY_XLSX,
    Document.Kind.AUDIT_XLSX,
]
DOCUMENT_URLS = [p[0] for p in PATTERNS if p[0].startswith("documents:")]


@pytest.mark.parametrize(
    ("kind", "requester", "readers"),
    [
        *[(kind, "province", {"province", "admin"}) for kind in PROVINCE_EXPORTS],
        (Document.Kind.QUEUE_XLSX, "own_centre", {"own_centre", "province", "admin"}),
        (Document.Kind.QUEUE_XLSX, "province", {"province", "admin"}),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_export_files_stay_with_who_may_read_them(client, kind, requester, readers):
    world = build_world()
    asker = world.users[requester]
    doc = Document.objects.create(
        kind=kind,
        requested_by=asker,
        call=world.call,
        centre_id=asker.centre_id if kind == Document.Kind.QUEUE_XLSX else None,
        state=Document.State.DONE,
        file=ContentFile(b"PK\x03\x04", name="export.xlsx"),
        filename="export.xlsx",
    )
    for role in ROLES:
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        want = "login" if role == "anonymous" else "ok" if role in readers else "404"
        for name in DOCUMENT_URLS:
            url = reverse(name, kwargs={"pk": doc.pk})
            statuses = [
                check(response, name, role, want, f"{method} on a {kind} by {requester}")
                for method, response in zip(
                    ("GET", "POST"), request_both(client, url, False, want), strict=False
                )
            ]
            assert statuses != [405, 405], name
