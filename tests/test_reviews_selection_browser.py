"""The province's journey in a real browser: compare, score, select a lead, publish; the applicant sees it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.models import Review

from .factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    OrganisationFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

PASSWORD = "portal-pass-123"


@pytest.fixture
def contested_live(transactional_db):
    """Two applicants recommended as lead for the same unit, committed for the live server."""
    call = CallFactory(name="2023-2024年省级题库开发征集", is_open=True)
    unit = UnitFactory(entry__call=call, entry__occupation="咖啡师", name="")
    hangzhou = CentreFactory(code="hangzhou", region="杭州", name="杭州市技能评价（鉴定）中心")
    ningbo = CentreFactory(code="ningbo", region="宁波", name="宁波市技能评价（鉴定）中心")
    apps = []
    for name, centre in (("杭州咖啡职业学院", hangzhou), ("宁波烘焙技师学院", ningbo)):
        organisation = OrganisationFactory(name=name, centre=centre)
        app = ApplicationFactory(
            complete=True, call=call, unit=unit, organisation=organisation, status="sent"
        )
        Review.objects.create(application=app, recommendation="lead", reason="团队实力强")
        apps.append(app)
    return {
        "province": ProvinceStaffFactory(email="province@example.com", name="钱遴选"),
        "applicant": UserFactory(organisation=apps[0].organisation, email="kafei@example.com"),
        "winner": apps[0],
        "other": apps[1],
    }


def log_in(page, base, email):
    page.goto(f"{base}{reverse('accounts:login')}")
    page.get_by_label("电子邮箱").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()


def score(page, app, team, funding, experience):
    page.locator(f"#id_score{app.pk}_team").fill(str(team))
    page.locator(f"#id_score{app.pk}_funding").fill(str(funding))
    page.locator(f"#id_score{app.pk}_experience").fill(str(experience))
    form = page.get_by_test_id("score-form").filter(has=page.locator(f"#id_score{app.pk}_team"))
    form.get_by_role("button", name="保存评分").click()
    expect(page.get_by_text(f"已保存对“{app.organisation.name}”的评分。")).to_be_visible()


def decide(page, app, outcome, reason, subsidy=None):
    form = page.get_by_test_id(f"decision-form-{app.pk}")
    form.get_by_label(outcome).check()
    form.get_by_label("理由").fill(reason)
    if subsidy is not None:
        form.get_by_label("财政经费补助（万元）").fill(subsidy)
    form.get_by_role("button", name="保存遴选结果").click()
    expect(page.get_by_text(f"已将“{app.organisation.name}”{outcome}。")).to_be_visible()


@pytest.mark.browser
def test_province_selects_a_lead_publishes_and_the_applicant_sees_it(
    contested_live, page, live_server
):
    page.set_default_timeout(20_000)
    # Publishing asks for confirmation; the officer confirms.
    page.on("dialog", lambda dialog: dialog.accept())
    data = contested_live
    winner, other = data["winner"], data["other"]
    log_in(page, live_server.url, data["province"].email)

    page.goto(f"{live_server.url}{reverse('reviews:board')}")
    contested = page.locator('[data-testid="board-row"][data-flag="competing"]')
    expect(contested).to_have_count(1)
    contested.get_by_test_id("compare-link").click()
    expect(page.get_by_test_id("compare-title")).to_contain_text("咖啡师")
    expect(page.get_by_test_id("applicant")).to_have_count(2)

    score(page, winner, 92, 85, 90)
    score(page, other, 80, 75, 70)
    decide(page, winner, "确定为牵头单位", "专业团队力量最强，题库开发经验丰富", "20")
    decide(page, other, "确定为参与单位", "可参与开发")

    page.goto(f"{live_server.url}{reverse('reviews:board')}")
    page.get_by_test_id("province-links").get_by_role("link", name="发布遴选结果").click()
    expect(page.get_by_test_id("publish-title")).to_be_visible()
    page.get_by_role("button", name="确认发布遴选结果").click()
    expect(page.get_by_test_id("published")).to_be_visible()
    expect(page.get_by_test_id("doc-download")).to_contain_text("遴选结果表.xlsx")

    # The charts draw from the page's own numbers, without script errors.
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.get_by_test_id("province-links").get_by_role("link", name="统计图表").click()
    expect(page.get_by_test_id("coverage-decided")).to_contain_text("1")
    # The tables are in the HTML before Chart.js has loaded, so wait for the drawing itself.
    for canvas in ("chart-coverage", "chart-city", "chart-industry", "chart-series"):
        page.wait_for_function(
            "id => window.Chart !== undefined && Chart.getChart(id) !== undefined", arg=canvas
        )
    assert errors == []

    page.get_by_role("button", name="退出登录").click()
    log_in(page, live_server.url, data["applicant"].email)
    page.goto(f"{live_server.url}{reverse('accounts:dashboard')}")
    outcome = page.get_by_test_id("outcome")
    expect(outcome).to_contain_text("已确定为牵头单位")
    expect(outcome).to_contain_text("财政经费补助 20.00 万元")
