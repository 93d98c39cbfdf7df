import pytest
from django.conf import settings


def test_defaults_need_no_environment():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "eager"}


@pytest.mark.django_db
def test_home_page_for_anonymous_visitor(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "参考目录" in body and "申报单位注册" in body


@pytest.mark.django_db
def test_pages_stay_chinese_for_an_english_browser(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "密码" in response.content.decode()
    assert "Password" not in response.content.decode()


@pytest.mark.django_db
def test_error_pages_are_chinese(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_pages_for_a_logged_in_user_are_never_stored(client, db):
    from tests.factories import UserFactory

    assert "no-store" not in client.get("/catalog/").get("Cache-Control", "")
    client.force_login(UserFactory())
    for url in ("/accounts/dashboard/", "/catalog/"):
        response = client.get(url, follow=True)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_opening_a_form_address_directly_explains_in_chinese(client, db):
    from django.urls import reverse

    from tests.factories import ProvinceStaffFactory

    client.force_login(ProvinceStaffFactory())
    response = client.get(reverse("reviews:decide", args=[1]))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "请从页面上的按钮操作" in response.content.decode()
