"""The public page of a call: notice, steps, deadlines, contacts, references, blank forms."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from catalog.call_views import countdown
from catalog.models import Call, Reference
from catalog.tabular import COLUMNS
from tests.factories import AdminFactory, CallFactory, UserFactory

pytestmark = pytest.mark.django_db


def page(client, call):
    return client.get(reverse("calls:detail", args=[call.slug]))


def test_anonymous_reads_the_real_call_with_its_contacts_as_data(client, catalog):
    response = page(client, catalog)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "省技能人才评价管理服务中心",
        "孔海敏、黄燕桦",
        "0571-88394295、88381123",
        "184023117@qq.com",
        "杭州市西湖区古翠路50号浙江人力社保大楼6楼",
        # The notice's own text, stored per call.
        "各市、县（市、区）人力资源和社会保障局",
        "《浙江省技能人才评价题库资源管理办法》",
        "《国家职业技能标准》",
    ):
        assert text in html, text
    call = Call.objects.get(slug="2023-2024")
    assert call.contact_people == "孔海敏、黄燕桦"
    assert call.postal_address == "杭州市西湖区古翠路50号浙江人力社保大楼6楼"


def test_page_shows_both_deadlines_and_the_steps(client):
    call = CallFactory(applicant_deadline=dt.date(2023, 6, 16), deadline=dt.date(2023, 6, 23))
    html = page(client, call).content.decode()
    assert "2023年6月16日24时（北京时间）" in html
    assert "2023年6月23日24时（北京时间）" in html
    assert html.count('data-countdown="') == 2
    assert "市技能评价（鉴定）中心" in html and "申报单位" in html


def test_home_page_links_to_the_call_page(client):
    call = CallFactory(is_open=True)
    html = client.get(reverse("home")).content.decode()
    assert reverse("calls:detail", args=[call.slug]) in html
    assert client.get(reverse("calls:current")).url == reverse("calls:detail", args=[call.slug])


def test_logged_in_users_read_the_same_page(client):
    call = CallFactory()
    client.force_login(UserFactory())
    assert page(client, call).status_code == 200


def test_unknown_call_is_404(client):
    assert client.get(reverse("calls:detail", args=["no-such-call"])).status_code == 404


def test_reference_links_are_set_by_admin_and_shown(client):
    call = CallFactory()
    Reference.objects.create(call=call, name="《国家职业技能标准》", url="https://example.org/std")
    Reference.objects.create(call=call, name="《管理办法》", url="")
    html = page(client, call).content.decode()
    assert 'href="https://example.org/std"' in html
    assert "《管理办法》" in html


def test_admin_edits_notice_contacts_and_references(client):
    call = CallFactory()
    client.force_login(AdminFactory())
    url = reverse("admin:catalog_call_change", args=[call.pk])
    assert client.get(url).status_code == 200
    data = {
        "name": call.name,
        "slug": call.slug,
        "notice_date": "2023-05-11",
        "is_open": "on",
        "applicant_deadline": "2023-06-16",
        "deadline": "2023-06-23",
        "notice_text": "第一段。\n\n第二段。",
        "contact_unit": "省中心",
        "contact_people": "某某",
        "contact_phones": "0571-1",
        "contact_email": "a@example.org",
        "postal_address": "某地址",
        "section_three_title": "开发基础与保障条件",
        "section_three_help": "",
        "references-TOTAL_FORMS": "1",
        "references-INITIAL_FORMS": "0",
        "references-0-position": "0",
        "references-0-name": "《管理办法》",
        "references-0-url": "https://example.org/rules",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    call.refresh_from_db()
    assert call.notice_text.startswith("第一段") and call.applicant_deadline == dt.date(2023, 6, 16)
    assert call.references.get().url == "https://example.org/rules"


def test_admin_cannot_set_applicant_deadline_after_the_call_deadline(client):
    call = CallFactory()
    call.applicant_deadline = dt.date(2023, 6, 30)
    with pytest.raises(Exception, match="不能晚于"):
        call.full_clean()


def test_catalog_download_is_the_annex_1_layout(client, catalog):
    import openpyxl

    response = client.get(reverse("calls:catalog_xlsx", args=[catalog.slug]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 1 + 51
    assert rows[1][1] == "增材制造设备操作员"


def test_blank_summary_is_annex_3_without_any_centre(client):
    import openpyxl

    call = CallFactory()
    response = client.get(reverse("calls:blank_summary", args=[call.slug]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A1"].value == "浙江省技能人才评价省级题库开发申报情况汇总表"
    assert sheet["A2"].value == "市评价（鉴定）中心（盖章）："
    values = [c for row in sheet.iter_rows(min_row=5, values_only=True) for c in row if c]
    assert "联系人：" in values and not any("测试单位" in str(v) for v in values)


def test_blank_form_is_a_pdf_rendered_once(client, private_media):
    call = CallFactory()
    url = reverse("calls:blank_form", args=[call.slug])
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    body = b"".join(first.streaming_content)
    assert body.startswith(b"%PDF-")
    stored = list((private_media / "public").iterdir())
    assert len(stored) == 1
    # The second request is served from storage: the file is not written again.
    mtime = stored[0].stat().st_mtime_ns
    client.get(url)
    assert stored[0].stat().st_mtime_ns == mtime


@time_machine.travel(dt.datetime(2023, 6, 14, 16, 0, tzinfo=dt.UTC))
def test_countdown_counts_to_midnight_beijing_time():
    # 00:00 on 15 June in Beijing; the deadline 16 June ends at 00:00 on 17 June: 2 days left.
    left = countdown(dt.date(2023, 6, 16))
    assert left["text"] == "剩余 2 天 0 小时" and not left["passed"]
    assert left["end_iso"] == "2023-06-17T00:00:00+08:00"
    assert countdown(dt.date(2023, 6, 14))["text"] == "已截止"


def test_load_catalog_keeps_admin_set_links(catalog):
    ref = catalog.references.get(name="《国家职业技能标准》")
    ref.url = "https://example.org/standards"
    ref.save()
    call_command("load_catalog", verbosity=0)
    assert catalog.references.count() == 3
    assert (
        catalog.references.get(name="《国家职业技能标准》").url == "https://example.org/standards"
    )
