"""An applicant's whole journey in a real browser: start, fill the 申报表, upload, submit."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.centres import load_centres
from accounts.models import Centre
from applications.models import SubmissionDeadline
from catalog.models import Call

from .factories import TINY_PDF, OrganisationFactory, UserFactory

PASSWORD = "portal-pass-123"
SHOTS = "/tmp/journey-{}.png"

EXPERTS = [
    {
        "name": "钱塘江",
        "gender": "男",
        "birth": "1972-03",
        "title": "高级工程师",
        "level": "一级",
        "cert": "S33000020230000101",
        "employer": "杭州电子商务职业技能鉴定站",
    },
    {
        "name": "西子湖",
        "gender": "女",
        "birth": "1985-11",
        "title": "互联网营销师",
        "level": "二级",
        "cert": "S000000000102",
        "employer": "浙江商业职业技术学院",
    },
    {
        "name": "雷峰塔",
        "gender": "男",
        "birth": "1990-07",
        "title": "电子商务师",
        "level": "三级",
        "cert": "S000000000103",
        "employer": "杭州某网络科技有限公司",
    },
]


@pytest.fixture
def applicant_live(transactional_db):
    """The real catalog and centres, committed for the live server, and an applicant in 杭州.

    The live server runs today, long after the call's 2023 deadline: the centre gets its own
    deadline a month from now.
    """
    call_command("load_catalog", verbosity=0)
    load_centres()
    call = Call.objects.get(slug="2023-2024")
    centre = Centre.objects.get(code="hangzhou")
    SubmissionDeadline.objects.create(
        call=call, centre=centre, deadline=timezone.localdate() + dt.timedelta(days=30)
    )
    organisation = OrganisationFactory(name="杭州数智电商培训学院", centre=centre)
    return UserFactory(
        email="shenbao@example.com", name="李申报", phone="13800001111", organisation=organisation
    )


def _shot(page, step):
    page.screenshot(path=SHOTS.format(step), full_page=True)


@pytest.mark.browser
def test_applicant_starts_fills_uploads_and_submits(applicant_live, page, live_server):
    page.set_default_timeout(15_000)
    # A careful user saves before leaving: no "unsaved changes" prompt or alert should appear.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # --- log in ---------------------------------------------------------------------------
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("电子邮箱").fill("shenbao@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("dashboard-title")).to_contain_text("杭州数智电商培训学院")
    _shot(page, "01-dashboard")

    # --- start: search the catalog, pick the unit, levels, intention ------------------------
    page.get_by_test_id("applications").get_by_role("link", name="新建申报书").click()
    expect(page.get_by_role("heading", name="新建申报书")).to_be_visible()
    # The search box needs htmx, which loads after the heading is already on screen.
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("deadline-banner")).to_contain_text("杭州市技能评价（鉴定）中心")
    page.get_by_label("在参考目录中查找").fill("平台管理员")
    result = page.locator("#unit-results").get_by_role("button", name=re.compile("平台管理员"))
    expect(result).to_have_count(1)
    _shot(page, "02-start-search")
    result.click()
    expect(page.get_by_test_id("levels-unit")).to_contain_text("互联网营销师（平台管理员）")
    levels = page.get_by_role("group", name="申报开发等级")
    # 平台管理员 offers 5-3 only: 五级 to 三级.
    expect(levels.get_by_role("checkbox")).to_have_count(3)
    levels.get_by_label("四级/中级工").check()
    levels.get_by_label("三级/高级工").check()
    page.get_by_label("意愿为牵头单位").check()
    _shot(page, "03-start-filled")
    page.get_by_role("button", name="创建申报书草稿").click()

    # --- the 申报表 ---------------------------------------------------------------------------
    expect(page.get_by_role("heading", name="浙江省技能人才评价题库开发项目申报表")).to_be_visible()
    # 添加专家 and the uploads are htmx: let the scripts load before using them.
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("project-title")).to_have_text("互联网营销师（平台管理员）")
    _shot(page, "04-edit-new")
    form = page.get_by_test_id("application-form")
    basic = form.locator("section", has=page.get_by_role("heading", name="一、基本信息"))
    project = form.locator("section", has=page.get_by_role("heading", name="二、项目信息"))

    # The levels and intention chosen on the start page are carried over.
    expect(page.get_by_test_id("levels").get_by_label("四级/中级工")).to_be_checked()
    expect(page.get_by_test_id("levels").get_by_label("三级/高级工")).to_be_checked()
    expect(page.get_by_test_id("levels").get_by_label("五级/初级工")).not_to_be_checked()
    expect(basic.get_by_label("意愿为牵头单位")).to_be_checked()

    basic.get_by_label("申报职业编码").fill("4-01-02-07")
    basic.get_by_label("项目联系人").fill("李申报")
    basic.get_by_label("手机号码").fill("13800001111")

    def experience(name, choice, detail=None):
        line = page.get_by_test_id(f"experience-{name}")
        line.get_by_role("group").get_by_label(choice, exact=True).check()
        if detail is not None:
            line.get_by_role("textbox").fill(detail)

    experience("exp_new_occupation", "参与单位", "互联网营销师，2020年")
    experience("exp_standard", "无")
    experience("exp_national_bank", "无")
    experience("exp_provincial_bank", "有", "电子商务师/三级/2019年")

    basic.get_by_label("组织机构情况").fill("学院设有题库开发中心，专职人员8名。")
    basic.get_by_label("拟建专家队伍").fill("拟组建由行业企业专家和院校教师组成的15人专家队伍。")
    basic.get_by_label("题库开发经验与未来开发方案").fill(
        "曾承担电子商务师省级题库开发，计划分两期完成。"
    )
    basic.get_by_label("项目保障与组织管理").fill("设立专项经费，实行项目负责人制，严格保密管理。")

    conditions = form.locator("section", has=page.get_by_role("heading", name="申报单位条件声明"))
    for text in (
        "1. 具有独立法人资格",
        "2. 具备与开发项目",
        "3. 具备组建合规专家团队",
        "4. 具有题库开发所需经费",
    ):
        conditions.get_by_label(re.compile("^" + re.escape(text))).check()

    project.get_by_label("项目负责人").fill("王负责")
    project.get_by_role("group", name="性别").get_by_label("女", exact=True).check()
    leader = project.locator("table.form-table")
    leader.get_by_label("出生年月").fill("1980-05")
    leader.get_by_label("职称或职业资格").fill("高级经济师")
    leader.get_by_label("职务").fill("副院长")
    leader.get_by_label("学历学位").fill("硕士研究生")
    leader.get_by_label("精通专业").fill("电子商务")
    leader.get_by_label("手机号码").fill("13912345678")
    leader.get_by_label("电子邮箱").fill("wang@example.com")
    leader.get_by_label("单位电话").fill("0571-88886666")
    leader.get_by_label("工作单位").fill("杭州数智电商培训学院")
    leader.get_by_label("所在部门").fill("题库开发中心")
    leader.get_by_label("通讯地址").fill("杭州市西湖区文三路100号")

    # Three experts, one row each from the 添加专家 button.
    add_expert = page.get_by_role("button", name="添加专家")
    rows = page.locator("#expert-rows tr[data-expert-row]")
    for number, expert in enumerate(EXPERTS, start=1):
        add_expert.click()
        expect(rows).to_have_count(number)
        row = rows.nth(number - 1)
        expect(row.get_by_role("rowheader")).to_have_text(str(number))
        row.get_by_label("姓名").fill(expert["name"])
        row.get_by_label("性别").select_option(expert["gender"])
        row.get_by_label("出生年月").fill(expert["birth"])
        row.get_by_label("职称、职业资格").fill(expert["title"])
        row.get_by_label("等级").fill(expert["level"])
        row.get_by_label("证书编码").fill(expert["cert"])
        row.get_by_label("工作单位").fill(expert["employer"])
    _shot(page, "05-experts-added")
    # Certificate numbers run to 18 characters and more: the input shows them whole.
    certificate = rows.nth(0).get_by_label("证书编码")
    assert certificate.evaluate("el => el.scrollWidth <= el.clientWidth")

    section_three = form.locator(
        "section", has=page.get_by_role("heading", name=re.compile("^三、"))
    )
    section_three.get_by_role("textbox").fill(
        "学院有专门场地和设备，年度预算列支题库开发经费50万元。"
    )

    declaration = form.locator("section", has=page.get_by_role("heading", name="四、申报意见"))
    declaration.get_by_label(re.compile("^我单位确认申报内容真实、完整")).check()
    declaration.get_by_label("签署人").fill("赵院长")
    declaration.get_by_label("日期").fill(timezone.localdate().isoformat())
    _shot(page, "06-form-filled")

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_role("alert").filter(has_text="草稿已保存")).to_be_visible()
    # The uploads below are htmx forms on this freshly loaded page.
    page.wait_for_load_state("load")
    expect(rows).to_have_count(3)
    _shot(page, "07-saved")

    # --- attachments: the licence, then each expert's certificate ---------------------------
    attachments = page.get_by_test_id("attachments")
    expect(attachments.get_by_test_id("attachments-missing")).to_contain_text("法人证书")

    def upload(kind, filename, expert=None):
        upload_form = attachments.get_by_test_id("attachment-upload-form")
        upload_form.get_by_label("材料类别").select_option(label=kind)
        if expert:
            upload_form.get_by_label("对应专家").select_option(label=expert)
        upload_form.get_by_label("文件", exact=True).set_input_files(
            {"name": filename, "mimeType": "application/pdf", "buffer": TINY_PDF}
        )
        upload_form.get_by_label("本单位确认：上传的复印件与原件一致").check()
        upload_form.get_by_role("button", name="上传").click()
        expect(attachments.get_by_test_id("attachments-notice")).to_have_text(
            f"已上传“{filename}”。"
        )

    upload("法人证书/营业执照复印件", "营业执照.pdf")
    for expert in EXPERTS:
        upload("专家证书复印件", f"{expert['name']}证书.pdf", expert=expert["name"])
    expect(attachments.get_by_test_id("attachment-row")).to_have_count(4)
    expect(attachments.get_by_test_id("attachments-complete")).to_be_visible()
    _shot(page, "08-uploaded")

    # --- reload: everything typed is still there ---------------------------------------------
    page.reload()
    expect(basic.get_by_label("申报职业编码")).to_have_value("4-01-02-07")
    expect(basic.get_by_label("项目联系人")).to_have_value("李申报")
    expect(basic.get_by_label("拟建专家队伍")).to_have_value(
        "拟组建由行业企业专家和院校教师组成的15人专家队伍。"
    )
    expect(
        page.get_by_test_id("experience-exp_provincial_bank").get_by_role("textbox")
    ).to_have_value("电子商务师/三级/2019年")
    expect(project.get_by_label("项目负责人")).to_have_value("王负责")
    expect(leader.get_by_label("电子邮箱")).to_have_value("wang@example.com")
    expect(declaration.get_by_label("签署人")).to_have_value("赵院长")
    expect(rows).to_have_count(3)
    for index, expert in enumerate(EXPERTS):
        expect(rows.nth(index).get_by_label("姓名")).to_have_value(expert["name"])
    expect(rows.nth(1).get_by_label("性别")).to_have_value("女")
    expect(rows.nth(2).get_by_label("证书编码")).to_have_value("S000000000103")
    expect(attachments.get_by_test_id("attachment-row")).to_have_count(4)

    # 保存并检查 says nothing is missing.
    page.get_by_test_id("check-link").click()
    expect(page.get_by_test_id("check-ok")).to_be_visible()
    _shot(page, "09-check-ok")

    # --- submit: straight from the check to the confirmation --------------------------------
    page.get_by_test_id("check-ok").get_by_role("link", name="提交申报书").click()
    expect(page.get_by_test_id("confirmation")).to_contain_text("杭州市技能评价（鉴定）中心")
    _shot(page, "11-submit")
    page.get_by_role("button", name="确认提交").click()

    expect(page.get_by_test_id("status")).to_have_text("已提交")
    expect(page.get_by_role("alert").filter(has_text="已提交")).to_contain_text(
        "已报送至杭州市技能评价（鉴定）中心"
    )
    expect(page.get_by_test_id("experts")).to_contain_text("西子湖")
    expect(page.get_by_test_id("actions").get_by_role("link", name="修改")).to_have_count(0)
    _shot(page, "12-submitted")
    assert dialogs == [], dialogs


@pytest.mark.browser
def test_unit_error_goes_once_a_unit_is_chosen(applicant_live, page, live_server):
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("电子邮箱").fill("shenbao@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    page.goto(f"{live_server.url}/applications/new/")

    page.get_by_role("button", name="创建申报书草稿").click()
    error = page.get_by_text("请在参考目录中选择职业（工种）。")
    expect(error).to_be_visible()
    # The error clears from a script at the end of the page: wait for it before choosing.
    page.wait_for_load_state("load")
    unit = page.get_by_label("或从参考目录列表中选择")
    expect(unit).to_have_attribute("aria-invalid", "true")

    unit.select_option(label="互联网营销师（平台管理员）（5-3级）")
    expect(error).to_be_hidden()
    expect(unit).not_to_have_attribute("aria-invalid", "true")
    # The other errors of the refused submit are still shown.
    expect(page.get_by_text("请选择意愿为牵头单位或参与单位。")).to_be_visible()


@pytest.mark.browser
def test_the_form_never_scrolls_sideways_on_a_phone(applicant_live, page, live_server):
    from .factories import ApplicationFactory, ExpertFactory

    call = Call.objects.get(slug="2023-2024")
    app = ApplicationFactory(
        complete=True,
        call=call,
        unit=call.entries.get(number=1).units.first(),
        organisation=applicant_live.organisation,
        created_by=applicant_live,
    )
    ExpertFactory.create_batch(2, application=app)
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("电子邮箱").fill(applicant_live.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_attached()

    page.goto(f"{live_server.url}/applications/{app.pk}/edit/")
    rows = page.locator("#expert-rows tr[data-expert-row]")
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="添加专家").click()
    expect(rows).to_have_count(4)
    # The expert table scrolls inside its box; the page itself stays phone-wide.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
