"""The public catalog in a real browser, on the real 附件1 catalog."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from catalog.models import Call

# 附件1 tags entries 1-6 as 数字职业 (entry 1 is also 绿色职业); nothing else.
DIGITAL = [
    "增材制造设备操作员",
    "密码技术应用员",
    "服务机器人应用技术员",
    "互联网营销师",
    "电子数据取证分析师",
    "电子竞技员",
]


@pytest.fixture
def catalog_live(transactional_db):
    """The real catalog, committed so that the live server's thread can read it."""
    call_command("load_catalog", verbosity=0)
    return Call.objects.get(slug="2023-2024")


@pytest.mark.browser
def test_digital_filter_shows_exactly_the_digital_occupations(catalog_live, page, live_server):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/catalog/")

    rows = page.get_by_test_id("entry-row")
    expect(rows).to_have_count(51)
    totals = page.get_by_test_id("catalog-totals")
    expect(totals).to_contain_text("51 个职业，120 个职业（工种）")
    # Marks this document: it survives an htmx swap but not a full page load.
    page.evaluate("window.__catalogPage = 'kept'")

    page.get_by_label("职业类型").select_option(label="数字职业")
    page.get_by_role("button", name="筛选").click()

    expect(rows).to_have_count(6)
    expect(page.get_by_test_id("entry-link")).to_have_text(DIGITAL)
    expect(totals).to_contain_text("6 个职业，7 个职业（工种）")
    expect(page.get_by_role("link", name="咖啡师")).to_have_count(0)
    expect(page.get_by_role("link", name="电子竞技运营师")).to_have_count(0)
    expect(page.locator("#catalog-results .badge-digital")).to_have_count(6)
    assert page.evaluate("window.__catalogPage") == "kept", "the table should swap, not reload"
    # The filtered view is a shareable link without the empty filters.
    expect(page).to_have_url(re.compile(r"/catalog/\?tag=digital$"))

    # Every file the page needed came from our own server: no CDN.
    assert requested and all(url.startswith(live_server.url) for url in requested), requested
    assert not re.search(r'(src|href)="(https?:)?//', page.content())
