"""The journey after selection in a real browser: 公示, an objection, confirmation, two milestone
reports (one returned, then accepted) and a payment."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from applications.models import Status
from reviews.models import Selection
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

from .test_reviews_selection_browser import log_in

# Dates after the real clock, so the browser keeps cookies the travelled server sets.
START = dt.datetime(2027, 1, 4, 2, tzinfo=dt.UTC)  # Monday 10:00 in Beijing
AFTER = dt.datetime(2027, 1, 9, 2, tzinfo=dt.UTC)


@pytest.fixture
def decided_live(transactional_db):
    call = CallFactory(name="2023-2024年省级题库开发征集", slug="2023-2024")
    unit = UnitFactory(entry__call=call, entry__occupation="咖啡师", name="")
    lead = ApplicationFactory(
        call=call, unit=unit, status=Status.SELECTED, organisation__name="杭州咖啡职业学院"
    )
    part = ApplicationFactory(
        call=call, unit=unit, status=Status.SELECTED, organisation__name="宁波烘焙技师学院"
    )
    key = f"u{unit.pk}"
    Selection.objects.create(
        application=lead,
        call=call,
        unit=unit,
        unit_key=key,
        outcome="lead",
        subsidy=Decimal(40),
        reason="强",
    )
    Selection.objects.create(
        application=part, call=call, unit=unit, unit_key=key, outcome="participant", reason="可"
    )
    return {
        "call": call,
        "province": ProvinceStaffFactory(email="province@example.com"),
        "applicant": UserFactory(organisation=lead.organisation, email="kafei@example.com"),
    }


def test_notice_objection_confirmation_milestones_and_payment(
    decided_live, live_server, page, browser, settings
):
    # The journey jumps days ahead; staff idle logout is not what it is about.
    settings.STAFF_SESSION_IDLE_MINUTES = 60 * 24 * 365
    base = live_server.url
    call = decided_live["call"]
    with time_machine.travel(START, tick=True):
        log_in(page, base, "province@example.com")
        page.goto(f"{base}{reverse('projects:notice')}")
        page.get_by_label("公示开始日期").fill("2027-01-04")
        page.get_by_test_id("start-notice").click()
        expect(page.get_by_test_id("notice-running")).to_contain_text("2027年1月8日")

        public = browser.new_page()
        public.goto(f"{base}{reverse('projects:public', args=[call.slug])}")
        expect(public.get_by_test_id("public-table")).to_contain_text("宁波烘焙技师学院")
        public.get_by_test_id("object-link").click()
        public.get_by_label("真实姓名").fill("王某")
        public.get_by_label("联系电话").fill("13800000000")
        public.get_by_label("异议涉及单位").select_option(label="杭州咖啡职业学院（咖啡师）")
        public.get_by_label("异议内容").fill("该单位题库开发经验不实")
        public.get_by_role("button", name="提交异议").click()
        receipt = public.get_by_test_id("receipt").inner_text()

        page.reload()
        page.get_by_role("link", name=receipt).click()
        page.get_by_label("处理状态").select_option(label="已办结")
        page.get_by_label("处理情况").fill("已调阅佐证材料")
        page.get_by_label("处理结果").fill("异议不成立")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_test_id("objection-state")).to_have_text("已办结")

        public.goto(f"{base}{reverse('projects:receipt')}")
        public.get_by_label("受理编号").fill(receipt)
        public.get_by_label("提交时填写的联系电话").fill("13800000000")
        public.get_by_role("button", name="查询").click()
        expect(public.get_by_test_id("receipt-result")).to_contain_text("异议不成立")

    with time_machine.travel(AFTER, tick=True):
        page.goto(f"{base}{reverse('projects:notice')}")
        page.get_by_test_id("confirm").click()
        expect(page.get_by_test_id("confirmed")).to_be_visible()

        lead = browser.new_page()
        log_in(lead, base, "kafei@example.com")
        lead.get_by_role("link", name="题库开发").click()
        lead.get_by_role("link", name="咖啡师").click()
        first = lead.get_by_test_id("milestone").first
        first.get_by_label("完成情况说明").fill("开发任务书已签订")
        first.get_by_role("button", name="报告完成").click()
        expect(lead.get_by_test_id("milestone-state").first).to_have_text("待省中心审核")

        project_url = lead.url
        page.goto(project_url)
        first = page.get_by_test_id("milestone").first
        first.get_by_label("退回").check()
        first.get_by_label("意见").fill("请上传双方盖章页")
        first.get_by_role("button", name="提交审核意见").click()
        expect(page.get_by_test_id("milestone-state").first).to_have_text("已退回")

        lead.reload()
        first = lead.get_by_test_id("milestone").first
        first.get_by_label("完成情况说明").fill("已补充盖章页")
        first.get_by_role("button", name="报告完成").click()
        expect(lead.get_by_test_id("milestone-state").first).to_have_text("待省中心审核")

        page.reload()
        first = page.get_by_test_id("milestone").first
        first.get_by_label("通过").check()
        first.get_by_role("button", name="提交审核意见").click()
        expect(page.get_by_test_id("milestone-state").first).to_have_text("已通过")
        expect(page.get_by_test_id("due")).to_have_text("20.00")

        page.get_by_label("拨付日期").fill("2027-01-09")
        page.get_by_label("金额（万元）").fill("20")
        page.get_by_role("button", name="记录拨付").click()
        expect(page.get_by_test_id("paid")).to_have_text("20.00")
        expect(page.get_by_test_id("outstanding")).to_have_text("0.00")
