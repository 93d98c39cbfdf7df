"""The whole 申报表 with the keyboard only: Tab, typing, Space, arrows and Enter; no mouse.

On every step the focused field must be on screen and not under the sticky save bar, and
“＋ 添加专家” with Enter must leave focus in the new row's first field.
"""

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.centres import load_centres
from accounts.models import Centre
from applications.models import Application, Attachment, SubmissionDeadline
from applications.validation import submission_errors
from catalog.models import Call

from .factories import ApplicationFactory, OrganisationFactory, UserFactory

PASSWORD = "portal-pass-123"
TEXT = {
    "occupation_code": "4-01-02-07",
    "contact_name": "李申报",
    "contact_mobile": "13800001111",
    "leader_name": "王负责",
    "leader_birth_month": "1980-05",
    "leader_mobile": "13912345678",
    "leader_email": "wang@example.com",
    "leader_office_phone": "0571-88886666",
    "declaration_signer": "赵院长",
    "birth_month": "1975-03",
    "certificate_no": "S33000020230000101",
}
EXPERTS = 2

FOCUSED = """() => {
  const e = document.activeElement;
  const r = e.getBoundingClientRect();
  const bar = document.querySelector('[data-sticky-savebar]');
  const b = bar.getBoundingClientRect();
  return {html: e.outerHTML.slice(0, 200), tag: e.tagName, type: e.type || '', name: e.name || '', id: e.id || '',
          value: e.value === undefined ? '' : String(e.value), checked: !!e.checked,
          inForm: !!(e.form && e.form.id === 'application-form'), inBar: bar.contains(e),
          testid: (e.dataset && e.dataset.testid) || '', top: r.top, bottom: r.bottom,
          barTop: b.top, height: innerHeight};
}"""


@pytest.fixture
def draft_live(transactional_db):
    call_command("load_catalog", verbosity=0)
    load_centres()
    call = Call.objects.get(slug="2023-2024")
    centre = Centre.objects.get(code="hangzhou")
    SubmissionDeadline.objects.create(
        call=call, centre=centre, deadline=timezone.localdate() + dt.timedelta(days=30)
    )
    organisation = OrganisationFactory(name="杭州数智电商培训学院", centre=centre)
    user = UserFactory(email="kb@example.com", organisation=organisation)
    app = ApplicationFactory(
        call=call,
        organisation=organisation,
        unit=call.entries.get(number=4).units.first(),
        levels=[4, 3],
        created_by=user,
        licence=None,
    )
    return user, app


def value_for(name: str) -> str:
    field = name.rsplit("-", 1)[-1]
    if field in TEXT:
        return TEXT[field]
    return "键盘填写的内容"


@pytest.mark.browser
@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}]
)
def test_the_whole_form_with_the_keyboard_only(draft_live, page, live_server, viewport):
    user, app = draft_live
    page.set_default_timeout(15_000)
    page.set_viewport_size(viewport)
    # Bootstrap scrolls smoothly: measure where a focused field ends up, not mid-animation.
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/accounts/login/")
    # The e-mail field has autofocus.
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("whoami")).to_be_visible()

    page.goto(f"{live_server.url}/applications/{app.pk}/edit/")
    page.wait_for_load_state("load")
    # The skip link comes first on every page and takes the keyboard past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    rows = page.locator("#expert-rows tr[data-expert-row]")
    added, hidden, radio_groups = 0, [], set()
    for _ in range(400):
        page.keyboard.press("Tab")
        # What the user sees once the page has settled (two frames after the key).
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        f = page.evaluate(FOCUSED)
        watched = (f["inForm"] or f["id"] == "add-expert") and not f["inBar"]
        # Never under the save bar, never above the window.
        if watched and not (f["top"] >= 0 and f["bottom"] <= f["barTop"] + 1):
            hidden.append(
                (
                    f["name"] or f["id"] or f["html"],
                    round(f["top"]),
                    round(f["bottom"]),
                    round(f["barTop"]),
                )
            )
        if f["id"] == "add-expert":
            if added == EXPERTS:
                continue
            page.keyboard.press("Enter")
            added += 1
            expect(rows).to_have_count(added)
            f = page.evaluate(FOCUSED)
            # Focus is in the new row's first field, ready for typing.
            assert f["name"].endswith("-name"), f
            assert f["name"] == rows.nth(added - 1).locator("input[name$='-name']").get_attribute(
                "name"
            )
            page.keyboard.type("专家" + str(added))
            continue
        if f["testid"] == "save-draft":
            break
        if not f["inForm"]:
            continue
        name = f["name"]
        if f["type"] == "date":
            # Chromium's date field takes the digits of each part in the locale's order (en-US).
            if not f["value"]:
                page.keyboard.type(f"{timezone.localdate():%m%d%Y}")
        elif f["tag"] == "TEXTAREA" or f["type"] in ("text", "tel", "email"):
            if not f["value"]:
                page.keyboard.type(value_for(name))
        elif f["type"] == "checkbox":
            wanted = (
                name.startswith("cond_")
                and name != "cond_violation"
                or name == "declaration_confirmed"
            )
            if wanted and not f["checked"]:
                page.keyboard.press("Space")
        elif f["type"] == "radio":
            # Tab enters a group once; the arrow keys choose, Space takes the focused one.
            if name not in radio_groups:
                radio_groups.add(name)
                if not f["checked"]:
                    page.keyboard.press("Space")
        elif f["tag"] == "SELECT" and not f["value"]:
            page.keyboard.press("ArrowDown")
    else:
        pytest.fail("never reached 保存草稿")
    assert added == EXPERTS
    assert hidden == [], f"fields under the save bar or off screen: {hidden}"
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="草稿已保存")).to_be_visible(timeout=30_000)

    saved = Application.objects.get(pk=app.pk)
    assert saved.contact_mobile == "13800001111"
    assert [e.name for e in saved.experts.order_by("position")] == ["专家1", "专家2"]
    # Only the uploads are left (a block of their own, below the form): the form is complete.
    assert set(submission_errors(saved)) == {"attachments"}, submission_errors(saved)
    assert not Attachment.objects.filter(application=saved).exists()


@pytest.mark.browser
def test_a_double_click_submits_once_and_the_button_shows_it_is_busy(draft_live, page, live_server):
    from applications.models import Event

    user, _ = draft_live
    app = ApplicationFactory(
        complete=True,
        call=Call.objects.get(slug="2023-2024"),
        organisation=user.organisation,
        unit=Call.objects.get(slug="2023-2024").entries.get(number=5).units.first(),
        levels=[4],
        created_by=user,
    )
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("电子邮箱").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    page.goto(f"{live_server.url}/applications/{app.pk}/submit/")
    page.wait_for_load_state("load")
    posts = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))

    def slow(route):
        # The server takes its time: the second click lands while the first is on its way.
        time.sleep(1.0)
        route.continue_()

    page.route(f"**/applications/{app.pk}/submit/", slow)
    busy = page.evaluate(
        """() => new Promise(resolve => {
          const button = Array.from(document.querySelectorAll('button'))
            .find(b => b.textContent.trim() === '确认提交');
          button.click();
          setTimeout(() => {
            const state = button.getAttribute('aria-busy');
            button.click();
            resolve(state);
          }, 150);
        })"""
    )
    assert busy == "true"
    expect(page.get_by_test_id("status")).to_have_text("已提交", timeout=30_000)
    # The browser sent one submission; the second click found the form busy.
    assert len(posts) == 1, posts
    assert Event.objects.filter(application=app, to_status="submitted").count() == 1


@pytest.mark.browser
def test_a_cancelled_confirmation_leaves_the_button_ready(draft_live, page, live_server):
    from applications.models import Status
    from applications.workflow import set_state

    user, _ = draft_live
    call = Call.objects.get(slug="2023-2024")
    app = ApplicationFactory(
        complete=True,
        call=call,
        organisation=user.organisation,
        unit=call.entries.get(number=6).units.first(),
        levels=[4],
        created_by=user,
    )
    set_state(app, Status.SUBMITTED, user)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("电子邮箱").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    page.goto(f"{live_server.url}/applications/{app.pk}/")
    page.wait_for_load_state("load")
    answers = [False, True, True]
    page.on("dialog", lambda d: d.accept() if answers.pop(0) else d.dismiss())
    withdraw = page.get_by_role("button", name="撤回")
    withdraw.click()
    page.wait_for_timeout(200)
    # Not busy and not blocked: the next press asks again.
    expect(withdraw).not_to_have_attribute("aria-busy", "true")
    # A confirmation in a script loaded after portal.js (strict CSP moves them there) cancels too.
    page.evaluate(
        """() => document.addEventListener('submit', e => {
             if (!window.__confirmedOnce) { window.__confirmedOnce = true; e.preventDefault(); }
           })"""
    )
    withdraw.click()
    page.wait_for_timeout(200)
    expect(withdraw).not_to_have_attribute("aria-busy", "true")
    withdraw.click()
    expect(page.get_by_test_id("status")).to_have_text("草稿", timeout=30_000)
    assert answers == []
