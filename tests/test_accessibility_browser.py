"""Every page each role reaches, in every state of an application, at a laptop's and a phone's size.

The `page` fixture (conftest.py) runs axe-core on each page once it has loaded and fails the
test on any serious or critical violation; this walk makes sure that every page is visited.
"""

import datetime as dt
import os

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from accounts.centres import load_centres
from accounts.models import Centre, Invitation, Message
from applications.models import Snapshot, StampedScan, Status, SubmissionDeadline
from applications.snapshot import content_hash
from applications.workflow import set_state
from catalog.models import Call
from documents.models import Document
from projects import services as projects
from projects.models import Project
from reviews import batch as batches
from reviews import selection, services
from reviews.models import Recommendation, Review
from reviews.views.board import compare_url

from .factories import (
    ApplicationFactory,
    CityStaffFactory,
    ExpertFactory,
    OrganisationFactory,
    ProvinceStaffFactory,
    UserFactory,
)

PASSWORD = "portal-pass-123"
VIEWPORTS = [{"width": 1366, "height": 768}, {"width": 390, "height": 844}]


def _recommend(app, staff, recommendation=Recommendation.LEAD):
    services.verify(app, staff)
    review = Review.objects.get_or_create(application=app)[0]
    services.save_decision(
        app,
        staff,
        version=review.version,
        recommendation=recommendation,
        reason="承担过省级题库开发，专家团队完整。",
        differs_reason="",
        opinion="经核实，申报材料真实完整，同意推荐。",
    )


@pytest.fixture
def world(transactional_db):
    """The real catalog and centres with one application in each state, committed for the server."""
    call_command("load_catalog", verbosity=0)
    load_centres()
    # The live server runs today: the call and every centre get deadlines a month or so ahead.
    Call.objects.filter(slug="2023-2024").update(
        deadline=timezone.localdate() + dt.timedelta(days=45), is_open=True
    )
    call = Call.objects.get(slug="2023-2024")
    hangzhou = Centre.objects.get(code="hangzhou")
    ningbo = Centre.objects.get(code="ningbo")
    province = Centre.objects.get(code="province")
    for centre in Centre.objects.all():
        SubmissionDeadline.objects.create(
            call=call, centre=centre, deadline=timezone.localdate() + dt.timedelta(days=30)
        )
    unit = call.entries.get(number=4).units.first()
    org = OrganisationFactory(name="杭州数智电商职业技能培训学校", centre=hangzhou)
    applicant = UserFactory(email="a@example.com", name="李申报", organisation=org)
    city = CityStaffFactory(email="c@example.com", name="周审核", centre=hangzhou)
    prov = ProvinceStaffFactory(email="p@example.com", name="钱遴选", centre=province)
    ningbo_staff = CityStaffFactory(email="nb@example.com", name="王甬", centre=ningbo)
    Invitation.objects.create(organisation=org, email="new@example.com", invited_by=applicant)

    def app(organisation, the_unit=unit, **kwargs):
        made = ApplicationFactory(
            complete=True,
            call=call,
            unit=the_unit,
            organisation=organisation,
            levels=[the_unit.level_start],
            **kwargs,
        )
        ExpertFactory(application=made, with_certificate=True)
        return made

    # One application per unit and organisation: each state gets its own catalog entry.
    others = iter(call.entries.get(number=n).units.first() for n in (10, 11, 12, 13))
    apps = {"draft": app(org, the_unit=next(others))}
    for key in ("submitted", "in_review", "returned", "recommended"):
        apps[key] = app(org, the_unit=next(others) if key != "recommended" else unit)
        set_state(apps[key], Status.SUBMITTED, applicant)
    services.start_review(apps["in_review"], city)
    services.return_for_revision(apps["returned"], city, ["二、项目信息"], "请补充专家证书。")
    _recommend(apps["recommended"], city)
    # 宁波 sent a competing lead applicant for the same unit; a province-affiliated unit waits.
    nb_org = OrganisationFactory(name="宁波港城技师学院", centre=ningbo)
    apps["sent"] = app(nb_org)
    set_state(apps["sent"], Status.SUBMITTED, UserFactory(organisation=nb_org))
    _recommend(apps["sent"], ningbo_staff)
    batches.send_batch(
        ningbo, call, ningbo_staff, contact_person="王老师", contact_phone="0574-88888888"
    )
    prov_org = OrganisationFactory(name="浙江省示范技工学校", centre=province)
    apps["province_direct"] = app(prov_org)
    set_state(apps["province_direct"], Status.SUBMITTED, UserFactory(organisation=prov_org))
    batches.request_summary(hangzhou, call, city, sent=False)
    _paper_and_versions(apps["recommended"], applicant, city)
    for user in (applicant, city):
        Message.objects.create(
            user=user,
            subject="申报书已提交",
            body="您的申报书已提交，请留意评价中心的审核意见。",
            link=reverse("applications:detail", args=[apps["recommended"].pk]),
        )
    return {
        "call": call,
        "unit": unit,
        "applicant": applicant,
        "city": city,
        "province": prov,
        "ningbo": ningbo,
        "hangzhou": hangzhou,
        "apps": apps,
    }


def _paper_and_versions(app, applicant, city):
    """Issue 14's paper copy (stamped pages, received, section 五) and issue 15's 第2版."""
    first = app.snapshots.order_by("number").first()
    data = {**first.data, "organisation": {**first.data["organisation"]}}
    data["organisation"]["address"] = "杭州市西湖区文三路100号（第2版改动）"
    data["experts"] = data["experts"][:-1] if len(data["experts"]) > 1 else []
    Snapshot.objects.create(application=app, number=2, data=data, content_hash=content_hash(data))
    for kind, user, name in (
        (StampedScan.Kind.UNIT_PAGES, applicant, "盖章页.pdf"),
        (StampedScan.Kind.SECTION_FIVE, city, "第五部分.pdf"),
    ):
        StampedScan.objects.create(
            application=app,
            kind=kind,
            version=2,
            file=ContentFile(b"%PDF-1.4\n", name="scan.pdf"),
            original_name=name,
            content_type="application/pdf",
            size=9,
            uploaded_by=user,
        )
    type(app).objects.filter(pk=app.pk).update(
        stamped_version=2,
        paper_received_on=timezone.localdate(),
        paper_received_by=city,
        section_five_stamped_at=timezone.now(),
    )


def log_in(page, base, user):
    page.goto(f"{base}{reverse('accounts:login')}")
    page.get_by_label("电子邮箱").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()


def log_out(page):
    # The navbar's button: a page (2FA setup) may offer its own 退出登录 too.
    page.get_by_role("button", name="退出登录").first.click()
    expect(page.get_by_test_id("whoami")).to_have_count(0)


# Layout faults issue 13 found, looked for on every page: the page scrolling sideways, a
# Chinese column squeezed to one character per line, a short button label broken in two.
LAYOUT_FAULTS = r"""() => {
  const faults = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    // Name the innermost element sticking out, so the fault says where to look.
    const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1);
    const culprit = out.find(e => ![...e.children].some(c => out.includes(c)));
    const name = culprit ? culprit.tagName.toLowerCase() + '.' + [...culprit.classList].join('.') + ' "' + (culprit.innerText || '').trim().slice(0, 30) + '"' : '';
    faults.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width + ' at ' + name);
  }
  for (const cell of document.querySelectorAll('main td, main th')) {
    const text = cell.innerText.trim();
    if (text.length < 3 || !/[\u4e00-\u9fff]{3}/.test(text) || !cell.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(cell).fontSize);
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (inner < 1.9 * size) faults.push('squeezed cell: ' + text.slice(0, 12));
  }
  for (const button of document.querySelectorAll('main .btn')) {
    const text = button.innerText.trim();
    if (!text || /\s/.test(text) || text.length > 8 || !button.getClientRects().length) continue;
    const line = parseFloat(getComputedStyle(button).lineHeight) || 24;
    if (button.getBoundingClientRect().height > 1.8 * line + 16) faults.push('wrapped button: ' + text);
  }
  // Tick boxes and radio buttons: a border of at least 3:1 against white (WCAG 1.4.11).
  const lum = c => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  for (const box of document.querySelectorAll('main input[type=checkbox], main input[type=radio]')) {
    if (!box.getClientRects().length) continue;
    const [r, g, b] = getComputedStyle(box).borderTopColor.match(/\d+/g).map(Number);
    const l = 0.2126 * lum(r) + 0.7152 * lum(g) + 0.0722 * lum(b);
    if (!box.checked && 1.05 / (l + 0.05) < 3) faults.push('faint box border: ' + (box.name || box.id));
  }
  return faults;
}"""


def visit_all(page, base, paths):
    """Open each path at both sizes and wait for its axe scan; the fixture fails on findings."""
    faults = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        for path in paths:
            response = page.goto(f"{base}{path}")
            assert response.status < 500, path
            page.wait_for_function("() => (window.__axeScans || 0) >= 1", timeout=20_000)
            faults += [f"{path} @{viewport['width']}: {f}" for f in page.evaluate(LAYOUT_FAULTS)]
    assert faults == [], "\n".join(faults)


def _documents(**filters):
    return [reverse("documents:detail", args=[d.pk]) for d in Document.objects.filter(**filters)]


@pytest.mark.browser
def test_every_page_of_every_role_passes_axe(world, page, live_server):
    page.set_default_timeout(20_000)
    base, apps, call = live_server.url, world["apps"], world["call"]
    uid = urlsafe_base64_encode(force_bytes(world["applicant"].pk))
    token = default_token_generator.make_token(world["applicant"])
    invitation = Invitation.objects.get()
    # --- public ----------------------------------------------------------------------------
    visit_all(
        page,
        base,
        [
            "/",
            reverse("catalog:entry_list"),
            reverse("catalog:entry_detail", args=[call.slug, 4]),
            reverse("accounts:login"),
            reverse("accounts:register"),
            reverse("accounts:password_reset"),
            reverse("accounts:password_reset_done"),
            reverse("accounts:password_reset_confirm", args=[uid, token]),
            reverse("accounts:password_reset_complete"),
            reverse("accounts:accept", args=[invitation.token]),
            reverse("calls:detail", args=[call.slug]),
            reverse("projects:receipt"),
            "/no-such-page/",
        ],
    )

    # --- applicant: every state of an application -------------------------------------------
    applicant = world["applicant"]
    log_in(page, base, applicant)
    changes = reverse("applications:changes", args=[apps["recommended"].pk]) + "?old=1&new=2"
    detail = [
        reverse("applications:detail", args=[a.pk])
        for k, a in apps.items()
        if k in ("draft", "submitted", "in_review", "returned", "recommended")
    ]
    visit_all(
        page,
        base,
        [
            reverse("accounts:dashboard"),
            reverse("accounts:organisation_detail", args=[applicant.organisation_id]),
            reverse("accounts:organisation_edit", args=[applicant.organisation_id]),
            reverse("accounts:password_change"),
            reverse("accounts:password_change_done"),
            reverse("applications:start"),
            reverse("applications:edit", args=[apps["draft"].pk]),
            reverse("applications:edit", args=[apps["returned"].pk]),
            reverse("applications:submit", args=[apps["draft"].pk]),
            *detail,
            *_documents(application=apps["submitted"]),
            changes,
            reverse("messages:list"),
            reverse("security:account"),
            reverse("security:2fa_setup"),
        ],
    )
    log_out(page)

    # --- city centre ------------------------------------------------------------------------
    log_in(page, base, world["city"])
    reviews = [
        reverse("reviews:review", args=[apps[k].pk])
        for k in ("submitted", "in_review", "returned", "recommended")
    ]
    visit_all(
        page,
        base,
        [
            reverse("accounts:dashboard"),
            reverse("reviews:queue"),
            *reviews,
            reverse("reviews:batch"),
            *_documents(centre=world["hangzhou"]),
            changes,
            reverse("accounts:centre"),
            reverse("messages:list"),
        ],
    )
    log_out(page)

    # --- province, before publication --------------------------------------------------------
    province = world["province"]
    log_in(page, base, province)
    visit_all(
        page,
        base,
        [
            reverse("accounts:dashboard"),
            reverse("reviews:board"),
            compare_url(selection_key(apps["sent"])),
            reverse("reviews:weights"),
            reverse("reviews:publish"),
            reverse("reviews:charts"),
            reverse("reviews:batch_list"),
            reverse("reviews:queue"),
            reverse("reviews:review", args=[apps["province_direct"].pk]),
            reverse("reviews:review", args=[apps["sent"].pk]),
            reverse("reviews:batch"),
            *_documents(centre=world["ningbo"]),
            reverse("accounts:centre"),
            reverse("audit:trail"),
        ],
    )

    # --- 公示 (issue 17): the province starts it, the public reads it and objects -------------
    selection.decide(apps["sent"], province, "lead", "专业团队力量最强", None)
    notice = projects.start_notice(call, province, timezone.localdate())
    objection = projects.lodge_objection(
        notice,
        {
            "name": "王某",
            "phone": "13800000000",
            "application": apps["sent"].pk,
            "text": "该单位题库开发经验不实。",
        },
    )
    visit_all(
        page,
        base,
        [
            reverse("projects:notice"),
            reverse("projects:objection", args=[objection.pk]),
            reverse("projects:public", args=[call.slug]),
            reverse("projects:object", args=[call.slug]),
            f"{reverse('projects:receipt')}?receipt={objection.receipt}&phone=13800000000",
        ],
    )

    # --- after publication: outcome pages for the province, the city and the applicant --------
    call.refresh_from_db()
    selection.publish(call, province, now=timezone.now() + dt.timedelta(days=50))
    projects.create_projects(call)
    project = reverse("projects:detail", args=[Project.objects.get().pk])
    visit_all(
        page,
        base,
        [
            reverse("reviews:board"),
            reverse("reviews:publish"),
            reverse("reviews:batch_list"),
            reverse("reviews:charts"),
            *_documents(kind=Document.Kind.RESULTS_XLSX),
            reverse("projects:public", args=[call.slug]),
            reverse("projects:list"),
            project,
            reverse("projects:board"),
        ],
    )
    log_out(page)
    winner = UserFactory(organisation=apps["sent"].organisation, email="w@example.com")
    log_in(page, base, winner)
    visit_all(
        page,
        base,
        [
            reverse("accounts:dashboard"),
            reverse("applications:detail", args=[apps["sent"].pk]),
            reverse("projects:list"),
            project,
        ],
    )


def selection_key(app):
    from reviews.models import unit_key_for

    return unit_key_for(app)


@pytest.mark.browser
@pytest.mark.skipif(
    not os.environ.get("SCREENSHOT_DIR"),
    reason="screenshots for a human to look at: set SCREENSHOT_DIR to a folder to save them",
)
def test_screenshots_of_the_pages_named_in_issue_13(world, page, live_server):
    """Full-page PNGs at both sizes of the pages whose layout issue 13 names."""
    out = os.environ["SCREENSHOT_DIR"]
    base, apps = live_server.url, world["apps"]
    page.emulate_media(reduced_motion="reduce")

    def shoot(name, paths):
        for viewport in VIEWPORTS:
            page.set_viewport_size(viewport)
            for index, path in enumerate(paths):
                page.goto(f"{base}{path}")
                page.wait_for_load_state("load")
                suffix = f"-{index}" if len(paths) > 1 else ""
                page.screenshot(
                    path=f"{out}/{name}{suffix}-{viewport['width']}.png", full_page=True
                )

    shoot("home", ["/"])
    shoot("catalog", [reverse("catalog:entry_list")])
    log_in(page, base, world["applicant"])
    shoot("applicant-dashboard", [reverse("accounts:dashboard")])
    shoot("applicant-detail", [reverse("applications:detail", args=[apps["returned"].pk])])
    shoot("applicant-edit", [reverse("applications:edit", args=[apps["draft"].pk])])
    log_out(page)
    log_in(page, base, world["city"])
    shoot("city-queue", [reverse("reviews:queue")])
    shoot("city-batch", [reverse("reviews:batch")])
    log_out(page)
    log_in(page, base, world["province"])
    shoot("province-board", [reverse("reviews:board")])
    shoot("province-compare", [compare_url(selection_key(apps["sent"]))])
    shoot("province-batch", [reverse("reviews:batch")])
    selection.decide(apps["sent"], world["province"], "lead", "专业团队力量最强", None)
    selection.publish(world["call"], world["province"], now=timezone.now() + dt.timedelta(days=50))
    shoot("province-batch-list", [reverse("reviews:batch_list")])
    log_out(page)
    log_in(page, base, UserFactory(organisation=apps["sent"].organisation, email="w2@example.com"))
    shoot("winner-dashboard", [reverse("accounts:dashboard")])
