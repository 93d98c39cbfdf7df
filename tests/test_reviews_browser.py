"""A city centre's journey in a real browser: review the queue, send the batch, get 附件3."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from applications.models import Status
from applications.workflow import set_state
from reviews.models import Batch

from .factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    OrganisationFactory,
    UserFactory,
)

PASSWORD = "portal-pass-123"
SHOTS = "/tmp/batch-journey-{}.png"


@pytest.fixture
def centre_live(transactional_db):
    """杭州 with two submitted applications, committed for the live server.

    The live server runs today: the call's deadline is a month from now.
    """
    call = CallFactory(
        name="2023-2024年省级题库开发征集",
        deadline=timezone.localdate() + dt.timedelta(days=30),
        is_open=True,
    )
    centre = CentreFactory(
        code="hangzhou",
        region="杭州",
        name="杭州市技能评价（鉴定）中心",
        contact_person="孙老师",
        contact_phone="0571-85000000",
    )
    staff = CityStaffFactory(centre=centre, email="hz-centre@example.com", name="周审核")
    apps = {}
    for key, name in (("returned", "杭州缺材料培训学校"), ("lead", "杭州咖啡职业学院")):
        organisation = OrganisationFactory(name=name, centre=centre)
        app = ApplicationFactory(complete=True, call=call, organisation=organisation)
        set_state(app, Status.SUBMITTED, UserFactory(organisation=organisation))
        apps[key] = app
    return {"staff": staff, "call": call, "centre": centre, **apps}


@pytest.mark.browser
def test_city_staff_reviews_sends_the_batch_and_downloads_the_sheet(
    centre_live, page, live_server, tmp_path
):
    page.set_default_timeout(20_000)
    # Verifying and sending ask for confirmation; the user confirms.
    page.on("dialog", lambda dialog: dialog.accept())
    returned, lead = centre_live["returned"], centre_live["lead"]

    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.get_by_label("电子邮箱").fill(centre_live["staff"].email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_contain_text("市级中心工作人员")

    queue = f"{live_server.url}{reverse('reviews:queue')}"
    page.goto(queue)
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(2)

    # Return one application with a comment.
    rows.filter(has_text=returned.organisation.name).get_by_role("link", name="审核").click()
    # The return panel opens with Bootstrap's script: wait until the review page has loaded it.
    expect(page.get_by_role("button", name="退回修改…")).to_be_visible()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="退回修改…").click()
    return_form = page.get_by_test_id("return-form")
    return_form.get_by_role("checkbox").first.check()
    return_form.get_by_label("修改意见").fill("专家证书不全，请补充第1位专家的职业资格证书复印件。")
    return_form.get_by_role("button", name="退回申报单位修改").click()
    expect(page.get_by_text("已退回申报单位修改").first).to_be_visible()

    # Verify the other and recommend it as lead unit with a reason.
    page.goto(queue)
    rows.filter(has_text=lead.organisation.name).get_by_role("link", name="审核").click()
    page.get_by_test_id("verify").click()
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("推荐为牵头单位").check()
    decision.get_by_label("推荐理由概要", exact=True).fill("承担过省级题库开发，专家团队完整。")
    decision.get_by_role("button", name="保存推荐意见").click()
    expect(page.get_by_text("已保存：推荐为牵头单位")).to_be_visible()

    # The batch page: the returned one is left out with a reason, then the batch is sent.
    page.goto(f"{live_server.url}{reverse('reviews:batch')}")
    expect(page.get_by_test_id("count-lead")).to_have_text("1")
    expect(page.get_by_test_id("summary-row")).to_have_count(1)
    expect(page.get_by_test_id("summary-row")).to_contain_text(lead.organisation.name)
    expect(page.get_by_label("联系人", exact=True)).to_have_value("孙老师")
    pending = page.get_by_test_id("undecided-row").filter(has_text=returned.organisation.name)
    pending.get_by_label("不纳入本次报送").check()
    page.get_by_test_id("send-button").click()
    # A reason is required: the page says so and keeps the tick.
    expect(page.get_by_text("请填写不纳入本次报送的理由。")).to_be_visible()
    expect(pending.get_by_label("不纳入本次报送")).to_be_checked()
    pending.get_by_placeholder("不纳入理由").fill("已退回修改，本批次不再等待")
    page.screenshot(path=SHOTS.format("before-send"), full_page=True)
    page.get_by_test_id("send-button").click()

    expect(page.get_by_test_id("batch-sent")).to_contain_text("已报送省中心")
    expect(page.get_by_test_id("batch-sent")).to_contain_text("周审核")
    expect(page.get_by_test_id("send-button")).to_have_count(0)
    assert Batch.objects.get().state == Batch.State.SENT
    page.screenshot(path=SHOTS.format("sent"), full_page=True)

    with page.expect_download() as info:
        page.get_by_test_id("sent-summary").get_by_test_id("doc-download").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert sheet["A1"].value == "浙江省技能人才评价省级题库开发申报情况汇总表"
    assert lead.organisation.name in values
    assert returned.organisation.name not in values
    assert "联系人：孙老师" in values
