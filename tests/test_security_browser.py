"""Two-factor enrolment and login in a real browser, with the CSP enforced."""

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.factories import CityStaffFactory

PASSWORD = "portal-pass-123"


def current_code(secret_b32, offset=0):
    from base64 import b32decode

    return f"{TOTP(b32decode(secret_b32), drift=offset).token():06d}"


@pytest.mark.browser
def test_staff_enrols_at_first_login_then_logs_in_with_a_code(
    transactional_db, page, live_server, settings
):
    settings.STAFF_2FA_REQUIRED = True
    staff = CityStaffFactory()

    def login():
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("电子邮箱").fill(staff.email)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()

    login()
    expect(page.get_by_role("heading", name="绑定身份验证器（双重验证）")).to_be_visible()
    expect(page.get_by_role("img", name="身份验证器二维码")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("6 位验证码").fill(current_code(secret))
    page.get_by_role("button", name="完成绑定").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page.get_by_test_id("whoami")).to_contain_text("市级中心工作人员")

    page.get_by_role("button", name="退出登录").click()
    login()
    expect(page.get_by_role("heading", name="双重验证")).to_be_visible()
    # The code of the next 30-second step: the enrolment code cannot be used twice.
    page.get_by_label("验证码或恢复码").fill(current_code(secret, offset=1))
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_test_id("whoami")).to_contain_text("市级中心工作人员")
