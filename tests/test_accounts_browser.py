"""Registration to dashboard in a real browser."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.centres import load_centres


@pytest.fixture
def centres_live(transactional_db):
    load_centres()


@pytest.mark.browser
def test_register_logout_login_sees_applicant_dashboard(centres_live, page, live_server):
    page.goto(f"{live_server.url}/accounts/register/")
    page.get_by_label("单位全称").fill("丽水山耕职业技能评价中心")
    page.get_by_label("统一社会信用代码").fill("91330100716105852F")
    page.get_by_label("法定代表人").fill("叶丽")
    page.get_by_label("单位地址").fill("丽水市莲都区1号")
    page.get_by_label("隶属评价中心（按隶属关系）").select_option(
        label="丽水市技能评价（鉴定）中心"
    )
    page.get_by_label("姓名").fill("吴山")
    page.get_by_label("手机号码").fill("13700001234")
    page.get_by_label("电子邮箱（登录账号）").fill("wushan@example.com")
    page.locator("#id_password1").fill("Lishui-2023#")
    page.locator("#id_password2").fill("Lishui-2023#")
    page.get_by_role("button", name="注册").click()

    # The account works once the address is confirmed through the e-mailed link.
    expect(page.get_by_test_id("register-sent")).to_be_visible()
    link = re.search(r"https?://\S+/accounts/register/confirm/\S+", mail.outbox[-1].body)
    page.goto(link.group(0))
    expect(page.get_by_test_id("dashboard-title")).to_have_text(
        "我的单位：丽水山耕职业技能评价中心"
    )

    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("main").get_by_role("link", name="登录", exact=True).click()
    page.get_by_label("电子邮箱").fill("wushan@example.com")
    page.get_by_label("密码").fill("Lishui-2023#")
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_test_id("dashboard-title")).to_contain_text("丽水山耕职业技能评价中心")
    expect(page.get_by_test_id("whoami")).to_contain_text("申报单位用户")


@pytest.mark.browser
def test_wrong_credit_code_shows_chinese_error_and_keeps_input(centres_live, page, live_server):
    page.goto(f"{live_server.url}/accounts/register/")
    page.get_by_label("单位全称").fill("衢州测试单位")
    page.get_by_label("统一社会信用代码").fill("91330100716105852E")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_text("统一社会信用代码校验位不正确")).to_be_visible()
    expect(page.get_by_label("单位全称")).to_have_value("衢州测试单位")


@pytest.mark.browser
@pytest.mark.parametrize("role", ["province", "city", "admin"])
def test_staff_pages_fit_laptop_and_tablet_screens(centres_live, page, live_server, role):
    from accounts.models import Centre
    from tests.factories import AdminFactory, CityStaffFactory, ProvinceStaffFactory

    if role == "province":
        user = ProvinceStaffFactory(
            name="省中心工作人员", centre=Centre.objects.get(code="province")
        )
    elif role == "city":
        user = CityStaffFactory(name="杭州工作人员", centre=Centre.objects.get(code="hangzhou"))
    else:
        user = AdminFactory(name="系统管理员")
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("电子邮箱").fill(user.email)
    page.locator("#id_password").fill("portal-pass-123")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    for width in (1024, 1280, 1366, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 800})
        # The header never pushes the page sideways, and 退出登录 stays on screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        assert page.get_by_role("button", name="退出登录").is_visible()
