"""With DEBUG off every error Django answers on its own is a Chinese page in the portal's layout
that says what to do next; a body over the limits gets the 413 page, not a dropped connection."""

import http.client
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.test_applications_browser import applicant_live  # noqa: F401
from tiku_portal.middleware import InputGuardMiddleware

pytestmark = pytest.mark.django_db

LAYOUT = django_settings.PORTAL_NAME


def page(response) -> str:
    body = response.content.decode()
    # The portal's layout: its header, its footer, in Chinese.
    assert LAYOUT in body and 'lang="zh-Hans"' in body and "浙江省技能人才评价管理服务中心" in body
    return body


def test_400_page_keeps_the_user_in_the_layout(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("accounts:dashboard") + "?page=%00")
    assert response.status_code == 400
    body = page(response)
    assert "无法处理该请求" in body and "返回上一页" in body and str(user) in body


def test_404_and_403_pages(client):
    assert "页面不存在" in page(client.get("/no-such-page/"))
    client.force_login(UserFactory())
    response = client.get(reverse("reviews:queue"))
    assert response.status_code == 403 and "无权操作" in page(response)


def test_405_page_for_a_form_address_and_for_another_method(client):
    client.force_login(UserFactory())
    response = client.get(reverse("reviews:batch_send"))
    assert response.status_code == 405 and "不能直接打开" in page(response)
    response = client.put(reverse("reviews:batch_send"))
    assert response.status_code == 405 and "不接受这种提交方式" in page(response)


def test_500_page_in_the_layout_without_the_database(client, settings):
    settings.ROOT_URLCONF = "tests.urls_errors"
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "系统暂时出错" in page(response) and "稍后刷新页面再试" in response.content.decode()


def test_csrf_failure_says_reload_and_submit_again():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a@b.cn", "password": "x"})
    assert response.status_code == 403
    body = page(response)
    assert "页面已过期，请刷新后重新提交" in body and "刷新该页面" in body


def test_body_over_the_upload_limit_gets_the_413_page(client, settings):
    settings.REQUEST_MAX_BYTES = 10_000
    response = client.post(
        reverse("accounts:login"), b"x" * 20_000, content_type="application/octet-stream"
    )
    assert response.status_code == 413
    body = page(response)
    assert "提交的内容过大" in body and f"不超过 {settings.ATTACHMENT_MAX_MB} MB" in body


def test_more_fields_than_allowed_gets_the_413_page(client, settings):
    fields = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("accounts:login"), fields)
    assert response.status_code == 413 and "提交的内容过大" in page(response)


def test_form_body_over_the_memory_limit_gets_the_413_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = client.post(reverse("accounts:login"), {"username": "x" * 5_000})
    assert response.status_code == 413 and "提交的内容过大" in page(response)


def test_a_refused_body_is_read_to_its_end(rf, settings):
    settings.REQUEST_MAX_BYTES = 1_000
    request = rf.post("/", b"x" * 50_000, content_type="application/octet-stream")
    response = InputGuardMiddleware(lambda r: pytest.fail("the view must not run"))(request)
    assert response.status_code == 413
    # Nothing left unread: the server can answer before it closes the connection.
    assert request._stream.read() == b""


def test_over_real_http_the_client_reads_the_413_page(live_server, settings):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    body = b"x" * (3 * 1024 * 1024)
    connection.request(
        "POST",
        reverse("accounts:login"),
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    assert response.status == 413
    assert "提交的内容过大" in response.read().decode()
    connection.close()


@pytest.mark.browser
def test_an_upload_over_the_limit_explains_itself_in_the_browser(
    applicant_live,  # noqa: F811
    page,
    live_server,
    settings,
):
    from catalog.models import Call
    from tests.factories import TINY_PDF, ApplicationFactory

    settings.REQUEST_MAX_BYTES = 200_000
    call = Call.objects.get(slug="2023-2024")
    app = ApplicationFactory(
        call=call,
        unit=call.entries.get(number=1).units.first(),
        organisation=applicant_live.organisation,
        created_by=applicant_live,
    )
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("电子邮箱").fill(applicant_live.email)
    page.locator("#id_password").fill("portal-pass-123")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_attached()

    page.goto(f"{live_server.url}/applications/{app.pk}/edit/")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    form = page.get_by_test_id("attachment-upload-form")
    form.get_by_label("材料类别").select_option(label="法人证书/营业执照复印件")
    big = TINY_PDF + b"0" * 300_000
    form.get_by_label("文件", exact=True).set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": big}
    )
    form.get_by_label("本单位确认：上传的复印件与原件一致").check()
    form.get_by_role("button", name="上传").click()
    for _ in range(100):
        if dialogs:
            break
        page.wait_for_timeout(100)
    # The form stays as it was, and the alert says why and what to do.
    expect(form).to_be_visible()
    assert dialogs and "提交的内容过大" in dialogs[0]
    assert "不超过" in dialogs[0]
