"""Every URL pattern, walked from the resolver, for every role on objects in every state.

A URL added later is covered automatically: its kwargs are filled from KWARGS (fail loudly when a
kwarg is unknown) and, when no object kwarg ties it to a unit, it must be listed in PAGE_ROLES.
Asserted for each response: outsiders get 404, roles that may read but not act get 403, anonymous
visitors are sent to log in, nothing answers 500, and (before publication) no applicant or city
response names a decision of the province.
"""

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
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
from projects import services as projects
from projects.models import Milestone, Notice
from reviews.batch import reopen_batch
from reviews.models import Batch, Publication, Recommendation, Review, Score, Selection
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
    # The province's own reason and scoring notes (set in build_world).
    "省中心理由",
    "省中心评分说明",
]
# While a 公示 runs, that the results are on public notice is itself public (the notice page, the
# objection form, the applicant's dashboard banner all name it); the decisions stay hidden.
NOTICE_PUBLIC_WORDS = {"遴选结果"}
# The 公示 pages anyone reads: lead and participant units only, never the unsuccessful unit,
# the subsidy or anything scored (checked against the world's values, see notice_secrets).
NOTICE_PAGES = {"projects:public", "projects:object", "projects:receipt"}
SUBSIDY = Decimal("12.34")

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
    # "before" any 公示, during the "notice", or "published" (正式公布, projects opened).
    stage: str = "before"
    objection: object = None
    project: object = None
    milestone: object = None
    evidence: object = None


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
# Issue 17. An objection exists once a 公示 has started; projects once the results are published.
OBJECTION = Kwarg("objection", lambda w, app: w.objection.pk if w.objection else None)
PROJECT = Kwarg("project", lambda w, app: w.project.pk if w.project else None)
MILESTONE = Kwarg("project", lambda w, app: w.milestone.pk if w.milestone else None)
EVIDENCE = Kwarg("project", lambda w, app: w.evidence.pk if w.evidence else None)
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
    "projects:public": {"slug": CALL_SLUG},
    "projects:object": {"slug": CALL_SLUG},
    "projects:objection": {"pk": OBJECTION},
    "projects:objection_evidence": {"pk": OBJECTION},
    "projects:detail": {"pk": PROJECT},
    "projects:pay": {"pk": PROJECT},
    "projects:report": {"pk": MILESTONE},
    "projects:review": {"pk": MILESTONE},
    "projects:evidence": {"pk": EVIDENCE},
}

# Query strings a page needs to show anything (else it rightly answers 404).
QUERY: dict[str, Callable] = {
    "reviews:compare": lambda w, app: f"key=u{app.unit_id}",
    "applications:unit_levels": lambda w, app: f"unit={app.unit_id}",
    "applications:expert_row": lambda w, app: "index=0",
    # The receipt look-up that finds the world's objection (receipt and phone given with it).
    "projects:receipt": lambda w, app: (
        f"receipt={w.objection.receipt}&phone={w.objection.phone}" if w.objection else ""
    ),
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
    # Issue 17: the lead unit reports its milestones; the province reviews and records payments.
    # Participants, centres and admins read the project and get 403 here.
    "projects:report": {"own_unit"},
    "projects:review": {"province"},
    "projects:pay": {"province"},
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
    # Issue 17. The 公示 page, its objection form and the receipt look-up need no account.
    "projects:public": PUBLIC,
    "projects:object": PUBLIC,
    "projects:receipt": PUBLIC,
    # Every user's own projects (the list filters them); the province's pages.
    "projects:list": LOGGED_IN,
    "projects:notice": {"province"},
    "projects:board": {"province"},
    "projects:board_export": {"province"},
    # Objections carry personal data: the province only, refused before the look-up (admins too).
    "projects:objection": {"province"},
    "projects:objection_evidence": {"province"},
}
# Both gated by role before the object is looked up (the list above) and tied to an object.
ROLE_GATED_OBJECT_URLS = {
    "reviews:score",
    "reviews:decide",
    "projects:objection",
    "projects:objection_evidence",
}
# What a page answers everyone, whatever the role, at a stage of the 公示: no notice yet (404), or
# an objection form after 正式公布 (403, "期外不受理异议").
STAGE_ANSWERS = {
    ("projects:public", "before"): "404",
    ("projects:object", "before"): "404",
    ("projects:object", "published"): "403",
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
    p[0]
    for p in PATTERNS
    if object_kind(p[0]) in ("organisation", "batch", "message", "session", "project", "objection")
]
PAGE_URLS = [p[0] for p in PATTERNS if object_kind(p[0]) is None]


def test_every_url_is_classified():
    """A new URL must say how to fill its kwargs and, if not tied to an object, who may open it."""
    assert PATTERNS, "the resolver yielded nothing"
    for name in PAGE_URLS:
        assert name in PAGE_ROLES, f"add {name} to PAGE_ROLES in {__name__}"
    for name in [*OBJECT_URLS, *ORG_URLS]:
        assert name not in PAGE_ROLES or name in ROLE_GATED_OBJECT_URLS, name


def test_unknown_kwarg_fails_loudly():
    with pytest.raises(pytest.fail.Exception, match="add how to fill them to KWARGS"):
        kwargs_spec("applications:new_thing", ["slug"])


# --- the world ---------------------------------------------------------------------------------


def build_world(published=False, notice=False) -> World:
    """Every application state; with `notice` a 公示 is running, `published` implies one ended."""
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
            Score.objects.create(
                application=app, team=87, funding=76, experience=65, notes="省中心评分说明"
            )
            Selection.objects.create(
                application=app,
                call=call,
                unit=unit,
                unit_key=f"u{unit.pk}",
                outcome="lead" if status == Status.SELECTED else "not_selected",
                reason="省中心理由",
                subsidy=SUBSIDY if status == Status.SELECTED else None,
            )
    # The selected unit's participant: a unit of the other city (so the other centre reads too).
    lead = world.apps["selected"]
    participant = ApplicationFactory(
        complete=True,
        organisation=users["other_city_unit"].organisation,
        call=call,
        unit=lead.unit,
        status=Status.SELECTED,
        created_by=users["other_city_unit"],
    )
    Selection.objects.create(
        application=participant,
        call=call,
        unit=lead.unit,
        unit_key=f"u{lead.unit_id}",
        outcome="participant",
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
    if notice or published:
        add_notice(world)
    if published:
        Publication.objects.create(call=call, published_by=users["province"])
        type(call).objects.filter(pk=call.pk).update(is_open=False)
        call.refresh_from_db()
        add_project(world)
    world.stage = "published" if published else "notice" if notice else "before"
    return world


def pdf_upload(name):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def add_notice(world):
    """A running 公示 with one objection (and its evidence) about the lead unit."""
    # Made directly: start_notice rightly refuses while the world's "sent" application is undecided.
    notice = Notice.objects.create(
        call=world.call,
        starts_on=dt.date(2023, 6, 19),
        ends_on=dt.date(2023, 6, 26),
        started_by=world.users["province"],
    )
    data = {
        "name": "张三",
        "phone": "13800000000",
        "application": world.apps["selected"].pk,
        "text": "异议内容",
    }
    world.objection = projects.lodge_objection(notice, data, pdf_upload("证明.pdf"))


def add_project(world):
    """正式公布 opened the lead's project; one milestone accepted and paid, the next reported."""
    province, lead = world.users["province"], world.users["own_unit"]
    # Confirmation needs every objection closed.
    projects.handle_objection(world.objection, province, "closed", "已核实", "维持公示结果")
    (world.project,) = projects.create_projects(world.call)
    first, second = world.project.milestones.order_by("step__position")[:2]
    projects.report_milestone(first, lead, "已签订", [pdf_upload("任务书.pdf")])
    projects.set_milestone_state(first, Milestone.State.ACCEPTED, province)
    stage = world.call.payment_stages.get(step=first.step)
    projects.record_payment(world.project, province, INSIDE_DEADLINE.date(), SUBSIDY / 2, stage)
    projects.report_milestone(second, lead, "细目表已完成", [pdf_upload("细目表.pdf")])
    world.milestone = second
    world.evidence = second.evidence.get()


# --- who should get what -------------------------------------------------------------------------


def sees(role, kind, app) -> bool:
    """The domain rule, written out independently of the code under test."""
    if kind == "batch":
        # The own-unit city's batch: its centre reads it, the province reopens it.
        return role in ("own_centre", "province")
    if kind in ("message", "session"):
        # A user's own: not even an admin opens another's message or ends another's session.
        return role == "own_unit"
    if kind == "objection":
        # Personal data of the person objecting: the province (and admins) only.
        return role in ("province", "admin")
    if kind == "project":
        # The lead unit, the participant (other_city_unit), both their centres, province, admin.
        return role != "other_unit"
    if role in ("own_unit", "admin"):
        return True
    if role not in ("own_centre", "province"):
        return False
    return kind == "organisation" or app.status != Status.DRAFT


def expected(name, role, kind, app, stage="before") -> str:
    if (name, stage) in STAGE_ANSWERS:
        return STAGE_ANSWERS[name, stage]
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


def notice_secrets(world) -> list[str]:
    """What a 公示 page must never show: the unsuccessful unit, the subsidy, the scores."""
    loser = world.apps["not_selected"]
    return [loser.work_type_name, loser.title, str(SUBSIDY)]


# The selected and unsuccessful applications' scores (build_world), as a page would print them.
SCORES = re.compile(r"(?<![\d.])(87|76|65)(?![\d.])")


def no_decision(response, name, role, where, world):
    if response.streaming:
        # Files: the application's own uploads and PDFs, checked by their own tests.
        return
    body = response.content.decode(errors="replace")
    allowed = NOTICE_PUBLIC_WORDS if world.stage == "notice" else set()
    for word in DECISION_WORDS:
        if word not in allowed:
            assert word not in body, f"{name} as {role} {where} shows “{word}”"
    if name in NOTICE_PAGES:
        for secret in notice_secrets(world):
            assert secret not in body, f"{name} as {role} {where} shows “{secret}”"
        # Only the text a reader sees: tokens in attributes may contain any digits.
        text = re.sub(r"<[^>]*>", " ", body)
        assert not SCORES.search(text), f"{name} as {role} {where} shows a score"


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
            query = QUERY[name](world, app) if name in QUERY else ""
            if query:
                url += "?" + query
            want = expected(name, role, object_kind(name), app, world.stage)
            statuses = []
            responses = request_both(client, url, follow, want)
            for method, response in zip(("GET", "POST")[: len(responses)], responses, strict=True):
                statuses.append(check(response, name, role, want, f"{method} {where}"))
                if follow:
                    no_decision(response, name, role, f"{method} {where}", world)
            assert statuses != [405, 405], f"{name} answers neither GET nor POST"
            if world.users[role] is not None and "_auth_user_id" not in client.session:
                # Logging out (or a password change) ended the session: log in again.
                client.force_login(world.users[role])


@pytest.fixture(autouse=True)
def inside_deadline():
    with time_machine.travel(INSIDE_DEADLINE, tick=False):
        yield


# Publication changes what is shown only for applications the province received; a running 公示
# lists the lead and participant units publicly but must leave their statuses as they were.
DECIDED = ("selected", "not_selected")
CASES = [
    *[(state, "before") for state in STATES],
    *[(state, "notice") for state in DECIDED],
    *[(state, "published") for state in DECIDED],
]


@pytest.mark.parametrize(
    ("state", "stage"),
    CASES,
    ids=[f"{state}-{'unpublished' if stage == 'before' else stage}" for state, stage in CASES],
)
def test_application_urls(client, state, stage):
    published = stage == "published"
    world = build_world(published, notice=stage == "notice")
    app = world.apps[state]
    where = f"on a {state} application, {stage} 公示"
    walk_urls(client, world, OBJECT_URLS, app, published, where)


@pytest.mark.parametrize("stage", ["before", "notice", "published"])
def test_pages_and_organisation_urls(client, stage):
    """Lists and dashboards show every state at once; the unit's own pages too.

    Before any 公示, while one runs (public list, objection, banner), and after 正式公布 (projects).
    """
    published = stage == "published"
    world = build_world(published, notice=stage == "notice")
    app = world.apps["selected"]
    where = f"with every state, {stage} 公示"
    walk_urls(client, world, [*PAGE_URLS, *ORG_URLS], app, published, where)


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
