"""The call as it really runs, in a real browser: a unit reads the public page, applies,
submits and uploads its stamped pages; its centre records the paper copy and sends with the
stamped 附件3; the province records the package. The call requires the paper copy."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Message
from applications.models import Application, Attachment, Status
from reviews.models import Batch

from .factories import (
    TINY_PDF,
    AttachmentFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    ExpertFactory,
    OrganisationFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

PASSWORD = "portal-pass-123"
SHOTS = "/tmp/paper-journey-{}.png"
# What the 申报表 page would have saved: the form itself has its own journey test.
FILLED = {
    "occupation_code": "4-03-02-05",
    "contact_name": "李申报",
    "contact_mobile": "13800001111",
    "exp_new_occupation": "none",
    "exp_standard": "none",
    "exp_national_bank": False,
    "exp_provincial_bank": False,
    "statement_organisation": "学院设有题库开发中心。",
    "statement_team": "拟组建15人专家队伍。",
    "statement_experience": "分两期完成。",
    "statement_guarantee": "设立专项经费。",
    "leader_name": "王负责",
    "leader_gender": "女",
    "leader_birth_month": "1980-05",
    "leader_title": "高级技师",
    "leader_position": "副院长",
    "leader_education": "硕士研究生",
    "leader_speciality": "咖啡制作",
    "leader_mobile": "13912345678",
    "leader_email": "wang@example.com",
    "leader_office_phone": "0571-88886666",
    "leader_employer": "杭州咖啡职业学院",
    "leader_department": "题库开发中心",
    "leader_address": "杭州市西湖区文三路100号",
    "section_three": "具备开发场地和经费保障。",
    "declaration_confirmed": True,
    "declaration_signer": "赵院长",
    "cond_legal_person": True,
    "cond_staff": True,
    "cond_team": True,
    "cond_funding": True,
}


@pytest.fixture
def journey(transactional_db):
    today = timezone.localdate()
    call = CallFactory(
        slug="2023-2024",
        name="2023-2024年技能人才评价省级题库项目与开发单位征集",
        applicant_deadline=today + dt.timedelta(days=20),
        deadline=today + dt.timedelta(days=30),
        is_open=True,
        paper_required=True,
        notice_text="各市、县（市、区）人力资源和社会保障局，各有关单位：\n\n现将有关事项通知如下。",
        contact_unit="省技能人才评价管理服务中心",
        contact_people="孔海敏、黄燕桦",
        contact_phones="0571-88394295、88381123",
        contact_email="184023117@qq.com",
        postal_address="杭州市西湖区古翠路50号浙江人力社保大楼6楼",
    )
    UnitFactory(entry__call=call, entry__occupation="咖啡师")
    centre = CentreFactory(
        code="hangzhou",
        region="杭州",
        name="杭州市技能评价（鉴定）中心",
        contact_person="孙老师",
        contact_phone="0571-85000000",
    )
    organisation = OrganisationFactory(name="杭州咖啡职业学院", centre=centre)
    return {
        "call": call,
        "unit_user": UserFactory(email="unit@example.com", organisation=organisation),
        "staff": CityStaffFactory(centre=centre, email="hz@example.com", name="周审核"),
        "province": ProvinceStaffFactory(email="prov@example.com", name="省中心吴"),
    }


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.get_by_label("电子邮箱").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="退出登录").click()


def scan(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": TINY_PDF}


@pytest.mark.browser
def test_unit_centre_and_province_handle_the_paper_copy(journey, page, live_server):
    page.set_default_timeout(30_000)
    page.on("dialog", lambda dialog: dialog.accept())

    # --- the unit reads the public page without an account ---------------------------------
    page.goto(live_server.url)
    page.get_by_test_id("call-link").click()
    expect(page.get_by_test_id("call-title")).to_contain_text("2023-2024")
    expect(page.get_by_test_id("contacts")).to_contain_text("孔海敏、黄燕桦")
    expect(page.get_by_test_id("contacts")).to_contain_text(
        "杭州市西湖区古翠路50号浙江人力社保大楼6楼"
    )
    # Until midnight after the 20th day, Beijing time: 20 days and what is left of today.
    expect(page.get_by_test_id("units-deadline")).to_contain_text("剩余 20 天")
    expect(page.get_by_test_id("paper-required")).to_be_visible()
    expect(page.get_by_test_id("downloads").get_by_role("link")).to_have_count(4)
    page.screenshot(path=SHOTS.format("01-call-page"), full_page=True)

    # --- it applies: logs in, starts a draft for 咖啡师 ----------------------------------------
    page.get_by_role("link", name="登录后开始申报").click()
    page.get_by_label("电子邮箱").fill("unit@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="新建申报书")).to_be_visible()
    page.wait_for_load_state("load")
    page.get_by_label("或从参考目录列表中选择").select_option(label="咖啡师（5-1级）")
    # The unit's levels are swapped in by htmx: tick one only once they are there.
    expect(page.get_by_test_id("levels-unit")).to_contain_text("咖啡师")
    page.get_by_role("group", name="申报开发等级").get_by_label("四级/中级工").check()
    page.get_by_label("意愿为牵头单位").check()
    page.get_by_role("button", name="创建申报书草稿").click()
    expect(page.get_by_role("heading", name="浙江省技能人才评价题库开发项目申报表")).to_be_visible()

    app = Application.objects.get()
    Application.objects.filter(pk=app.pk).update(declaration_date=timezone.localdate(), **FILLED)
    ExpertFactory(application=app, with_certificate=True)
    AttachmentFactory(application=app, kind=Attachment.Kind.LICENCE)

    # --- submits, and uploads the stamped pages of the version it submitted -----------------
    page.goto(f"{live_server.url}{reverse('applications:submit', args=[app.pk])}")
    page.get_by_role("button", name="确认提交").click()
    expect(page.get_by_test_id("status")).to_have_text("已提交")
    paper = page.get_by_test_id("paper")
    expect(paper.get_by_test_id("paper-unit")).to_contain_text("未上传")
    paper.get_by_label("上传盖章页（第1版").set_input_files(scan("盖章页.pdf"))
    paper.get_by_role("button", name="上传盖章页", exact=True).click()
    expect(page.get_by_test_id("paper-unit")).to_contain_text("已上传（第1版）")
    # The confirmation of its own submission is in its messages.
    expect(page.get_by_test_id("unread-count")).to_be_visible()
    page.get_by_test_id("messages-link").click()
    expect(page.get_by_test_id("message-list")).to_contain_text("提交确认")
    page.screenshot(path=SHOTS.format("02-unit-stamped"), full_page=True)
    log_out(page)

    # --- its centre sees the scan, records the paper copy, decides, stamps section 五 --------
    log_in(page, live_server, "hz@example.com")
    page.goto(f"{live_server.url}{reverse('reviews:queue')}")
    row = page.get_by_test_id("queue-row")
    expect(row.get_by_test_id("col-stamped")).to_have_text("已上传")
    expect(row.get_by_test_id("col-paper")).to_have_text("未收到")
    row.get_by_role("link", name="审核").click()
    page.wait_for_load_state("load")
    page.get_by_test_id("paper-received-form").get_by_role("button", name="登记收到").click()
    expect(page.get_by_test_id("paper-received")).to_contain_text("已收到")
    page.get_by_test_id("verify").click()
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("推荐为牵头单位").check()
    decision.get_by_label("推荐理由概要", exact=True).fill("团队完整，经验丰富。")
    decision.get_by_role("button", name="保存推荐意见").click()
    expect(page.get_by_text("已保存：推荐为牵头单位")).to_be_visible()
    page.get_by_label("上传本中心盖章的第五部分扫描件").set_input_files(scan("第五部分.pdf"))
    page.get_by_role("button", name="上传第五部分", exact=True).click()
    expect(page.get_by_test_id("paper-five")).to_contain_text("已上传")

    # --- and sends its batch with the stamped 附件3 ------------------------------------------
    page.goto(f"{live_server.url}{reverse('reviews:batch')}")
    expect(page.get_by_test_id("paper-complete")).to_be_visible()
    page.get_by_label("上传盖章的附件3扫描件").set_input_files(scan("附件3盖章.pdf"))
    page.get_by_test_id("send-button").click()
    expect(page.get_by_test_id("batch-sent")).to_contain_text("已报送省中心")
    expect(page.get_by_test_id("scan-state")).to_contain_text("附件3盖章.pdf")
    page.screenshot(path=SHOTS.format("03-centre-sent"), full_page=True)
    log_out(page)

    # --- the province records the paper package ------------------------------------------------
    log_in(page, live_server, "prov@example.com")
    page.goto(f"{live_server.url}{reverse('reviews:batch_list')}")
    row = page.get_by_test_id("batch-list-row").filter(has_text="杭州市技能评价（鉴定）中心")
    expect(row.get_by_test_id("col-scan")).to_contain_text("已上传")
    row.get_by_test_id("package-form").get_by_role("button", name="登记收到").click()
    row = page.get_by_test_id("batch-list-row").filter(has_text="杭州市技能评价（鉴定）中心")
    expect(row.get_by_test_id("col-package")).to_contain_text("收到")
    page.screenshot(path=SHOTS.format("04-province-package"), full_page=True)

    batch = Batch.objects.get()
    app.refresh_from_db()
    assert batch.state == Batch.State.SENT and batch.package_received_on == timezone.localdate()
    assert app.status == Status.SENT and app.stamped_version == 1 and app.paper_received_on
    assert Message.objects.filter(user=journey["province"], subject__contains="已报送").exists()
