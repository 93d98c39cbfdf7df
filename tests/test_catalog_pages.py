"""The public catalog pages and the catalog admin, on a small catalog built with factories."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from catalog.models import Entry, Series
from tests.factories import (
    CallFactory,
    CityStaffFactory,
    EntryFactory,
    SeriesFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/catalog/"

ROW_RE = re.compile(r'data-testid="entry-row" data-number="(\d+)"')


def numbers(response) -> list[int]:
    """The 序号 of the rows the catalog table shows, in order."""
    return [int(n) for n in ROW_RE.findall(response.content.decode())]


def entry(call, number, occupation, units, **fields):
    """An entry with its units; each unit is (name, start, end, year)."""
    obj = EntryFactory(call=call, number=number, occupation=occupation, **fields)
    for position, (name, start, end, year) in enumerate(units, start=1):
        UnitFactory(
            entry=obj,
            position=position,
            name=name,
            level_start=start,
            level_end=end,
            standard_year=year,
        )
    return obj


@pytest.fixture
def small_catalog():
    """Seven entries modelled on 附件1, with known tags, levels, years and series."""
    # Still taking applications: the pages offer to apply only before the deadline.
    call = CallFactory(
        slug="2023-2024",
        name="2023-2024年省级题库开发",
        is_open=True,
        deadline=dt.date.today() + dt.timedelta(days=30),
    )
    equip = SeriesFactory(
        number=9,
        name="设备制造",
        industry=Series.Industry.SECONDARY,
        definition="从事设备制造的技能人员。",
    )
    food = SeriesFactory(number=30, name="美食制作", industry=Series.Industry.TERTIARY)
    trade = SeriesFactory(number=31, name="电子商务", industry=Series.Industry.TERTIARY)
    farm = SeriesFactory(number=1, name="果品蔬菜", industry=Series.Industry.PRIMARY)
    entry(
        call,
        1,
        "增材制造设备操作员",
        [("", 5, 1, 2022)],
        is_green=True,
        is_digital=True,
        series=equip,
    )
    entry(call, 2, "密码技术应用员", [("", 4, 1, 2022)], is_digital=True, series=equip)
    entry(
        call,
        3,
        "互联网营销师",
        [("选品员", 5, 1, 2021), ("平台管理员", 5, 3, 2021)],
        is_digital=True,
        subdivision=Entry.Subdivision.WORK_TYPES,
        series=trade,
    )
    entry(call, 4, "咖啡师", [("", 5, 1, 2022)], series=food)
    entry(
        call,
        5,
        "金属热处理工",
        [
            ("机械零部件热处理工", 3, 1, 2019),
            ("表面（化学）热处理工", 3, 1, 2019),
            ("工程热处理工", 3, 1, 2019),
        ],
        subdivision=Entry.Subdivision.WORK_TYPES,
        shared_level_start=5,
        shared_level_end=4,
        series=equip,
    )
    entry(
        call,
        6,
        "金属轧制工",
        [
            ("轧制备品工", 5, 2, 2019),
            ("轧钢工", 5, 1, 2019),
            ("热压延工", 5, 1, 2022),
            ("轧管工", 5, 1, None),
        ],
        subdivision=Entry.Subdivision.WORK_TYPES,
        remark="2019 版标准仅适用于轧制备品工、轧钢工；2022 版标准仅适用于热压延工。",
        series=equip,
    )
    entry(call, 7, "社群健康助理员", [("", 4, 2, 2021)])
    old = CallFactory(
        slug="2021-2022",
        name="2021-2022年省级题库开发",
        is_open=False,
        notice_date=dt.date(2021, 4, 1),
    )
    entry(old, 1, "往年职业", [("", 5, 1, 2018)])
    return {"call": call, "equip": equip, "food": food, "trade": trade, "farm": farm}


# --- the list page ---------------------------------------------------------------------------


def test_list_renders_in_chinese_for_anonymous_users(client, small_catalog):
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    for text in [
        "省级题库开发参考目录",
        "序号",
        "职业",
        "工种（职业方向）",
        "国标版本",
        "浙派工匠系列",
    ]:
        assert text in html
    assert numbers(response) == [1, 2, 3, 4, 5, 6, 7]
    assert "本目录共" in html


def test_list_shows_levels_years_tags_series_and_units(client, small_catalog):
    html = client.get(LIST_URL).content.decode()
    assert "五级/初级工 … 一级/高级技师" in html
    assert "四级/中级工 … 二级/技师" in html
    # Ranges that vary per work type are shown on each unit, as in 附件1.
    assert "选品员" in html and "（5-1）" in html and "（5-3）" in html
    # 金属热处理工: the undivided 5-4 levels make the whole entry 5-1.
    assert "5-4 级不细分工种" in html
    assert "2019 2022" in html
    assert 'class="badge badge-green">绿色职业' in html
    assert 'class="badge badge-digital">数字职业' in html
    assert "设备制造" in html and "第二产业" in html
    assert "仅适用于轧制备品工" in html
    detail = reverse("catalog:entry_detail", kwargs={"call": "2023-2024", "number": 4})
    assert f'href="{detail}"' in html


def test_list_totals_count_entries_and_units(client, small_catalog):
    html = client.get(LIST_URL).content.decode()
    # 1 + 1 + 2 + 1 + 3 + 4 + 1 units.
    assert "<strong>7</strong> 个职业，<strong>13</strong> 个职业（工种）" in html
    html = client.get(LIST_URL, {"tag": "digital"}).content.decode()
    assert "符合筛选条件的" in html
    assert "<strong>3</strong> 个职业，<strong>4</strong> 个职业（工种）" in html


def test_list_defaults_to_open_call_and_can_switch(client, small_catalog):
    assert numbers(client.get(LIST_URL)) == [1, 2, 3, 4, 5, 6, 7]
    response = client.get(LIST_URL, {"call": "2021-2022"})
    assert numbers(response) == [1]
    assert "往年职业" in response.content.decode()


def test_list_without_open_call_shows_newest(client, small_catalog):
    small_catalog["call"].is_open = False
    small_catalog["call"].save()
    assert "增材制造设备操作员" in client.get(LIST_URL).content.decode()


def test_list_without_any_call(client):
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert "暂无参考目录" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tag": "digital"}, [1, 2, 3]),
        ({"tag": "green"}, [1]),
        ({"level": "5"}, [1, 3, 4, 5, 6]),
        ({"level": "1"}, [1, 2, 3, 4, 5, 6]),
        ({"level": "4"}, [1, 2, 3, 4, 5, 6, 7]),
        ({"year": "2019"}, [5, 6]),
        ({"year": "2021"}, [3, 7]),
        ({"year": "2022"}, [1, 2, 4, 6]),
        ({"industry": "2"}, [1, 2, 5, 6]),
        ({"industry": "3"}, [3, 4]),
        ({"industry": "1"}, []),
        ({"q": "咖啡"}, [4]),
        ({"q": "热处理"}, [5]),
        # Work-type names match too, and spaces typed by the user are ignored.
        ({"q": "选 品"}, [3]),
        ({"q": " 轧　钢工 "}, [6]),
        ({"q": "不存在的职业"}, []),
    ],
)
def test_each_filter_alone(client, small_catalog, params, expected):
    assert numbers(client.get(LIST_URL, params)) == expected


def test_series_filter(client, small_catalog):
    equip, food = small_catalog["equip"], small_catalog["food"]
    assert numbers(client.get(LIST_URL, {"series": equip.pk})) == [1, 2, 5, 6]
    assert numbers(client.get(LIST_URL, {"series": food.pk})) == [4]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tag": "digital", "level": "5"}, [1, 3]),
        ({"year": "2022", "industry": "2"}, [1, 2, 6]),
        ({"tag": "digital", "year": "2022", "q": "密码"}, [2]),
        ({"level": "5", "industry": "3"}, [3, 4]),
        ({"level": "2", "year": "2019", "q": "工"}, [5, 6]),
        ({"tag": "green", "industry": "3"}, []),
    ],
)
def test_filters_combine(client, small_catalog, params, expected):
    assert numbers(client.get(LIST_URL, params)) == expected


def test_series_and_industry_combine(client, small_catalog):
    params = {"series": small_catalog["equip"].pk, "level": "5", "year": "2019"}
    assert numbers(client.get(LIST_URL, params)) == [5, 6]


def test_empty_result_says_so(client, small_catalog):
    response = client.get(LIST_URL, {"tag": "green", "industry": "3"})
    html = response.content.decode()
    assert "没有符合筛选条件的职业（工种）" in html
    assert "<strong>0</strong> 个职业" in html


def test_filter_choices_come_from_the_call(client, small_catalog):
    html = client.get(LIST_URL).content.decode()
    for year in ["2019", "2021", "2022"]:
        assert f'<option value="{year}">{year}年版</option>' in html
    assert "2018年版" not in html  # only in the other call
    assert '<optgroup label="第二产业">' in html
    assert f'<option value="{small_catalog["equip"].pk}">设备制造</option>' in html
    # A series no entry of this call belongs to is not offered.
    assert "果品蔬菜" not in html
    assert '<option value="5">五级/初级工</option>' in html


@pytest.mark.parametrize(
    "params",
    [
        {"level": "9"},
        {"level": "abc"},
        {"series": "abc"},
        {"series": "999999"},
        {"year": "1999"},
        {"year": "二〇一九"},
        {"tag": "nope"},
        {"industry": "7"},
        {"call": "no-such-call"},
        {"q": "长" * 500},
    ],
)
def test_bad_filter_values_are_ignored(client, small_catalog, params):
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    expected = [] if "q" in params else [1, 2, 3, 4, 5, 6, 7]
    assert numbers(response) == expected


def test_bad_value_does_not_drop_good_ones(client, small_catalog):
    response = client.get(LIST_URL, {"level": "9", "tag": "digital", "series": "x"})
    assert response.status_code == 200
    assert numbers(response) == [1, 2, 3]


def test_series_of_another_call_is_ignored(client, small_catalog):
    # 果品蔬菜 has no entry in this call: not offered, so the filter falls back to 全部.
    response = client.get(LIST_URL, {"series": small_catalog["farm"].pk})
    assert numbers(response) == [1, 2, 3, 4, 5, 6, 7]


def test_selected_filters_stay_selected(client, small_catalog):
    html = client.get(LIST_URL, {"tag": "digital", "level": "3", "q": "营销"}).content.decode()
    assert '<option value="digital" selected>数字职业</option>' in html
    assert '<option value="3" selected>三级/高级工</option>' in html
    assert 'value="营销"' in html


def test_filter_form_works_without_javascript(client, small_catalog):
    html = client.get(LIST_URL).content.decode()
    form = re.search(r'<form id="catalog-filter"[^>]*>', html).group(0)
    assert 'method="get"' in form
    assert f'action="{LIST_URL}"' in form
    assert 'hx-get="/catalog/"' in form
    assert 'hx-target="#catalog-results"' in form
    assert '<button type="submit"' in html


def test_htmx_request_returns_only_the_table(client, small_catalog):
    response = client.get(LIST_URL, {"tag": "digital"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="catalog-results"')
    assert "<html" not in html
    assert 'id="catalog-filter"' not in html
    assert numbers(response) == [1, 2, 3]
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, small_catalog):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    html = client.get(LIST_URL, headers=headers).content.decode()
    assert "<html" in html and 'id="catalog-filter"' in html


def test_pages_use_no_cdn(client, small_catalog):
    for url in [LIST_URL, "/catalog/2023-2024/1/"]:
        html = client.get(url).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', html), url
        assert "/static/vendor/bootstrap/" in html
        assert "/static/vendor/htmx/" in html


# --- query counts ------------------------------------------------------------------------------


def three_entry_call():
    call = CallFactory(slug="qc", is_open=True)
    series = SeriesFactory()
    for n in range(1, 4):
        entry(
            call,
            n,
            f"职业{n}",
            [("甲", 5, 1, 2019), ("乙", 5, 3, 2022)],
            series=series,
            subdivision=Entry.Subdivision.WORK_TYPES,
        )
    return call


# List page: calls, year choices, series choices, entries (call and series joined), units.
def test_list_query_count_with_one_entry(client, django_assert_num_queries):
    call = CallFactory(slug="qc", is_open=True)
    entry(call, 1, "职业1", [("甲", 5, 1, 2019), ("乙", 5, 3, 2022)], series=SeriesFactory())
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)
    assert numbers(response) == [1]


def test_list_query_count_with_three_entries(client, django_assert_num_queries):
    three_entry_call()
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)
    assert numbers(response) == [1, 2, 3]


def test_filtered_htmx_query_count_with_three_entries(client, django_assert_num_queries):
    three_entry_call()
    params = {"level": "4", "year": "2019", "tag": "", "q": "职业"}
    with django_assert_num_queries(5):
        response = client.get(LIST_URL, params, headers={"HX-Request": "true"})
    assert numbers(response) == [1, 2, 3]


# Detail page: the entry (call and series joined), its units.
def test_detail_query_count(client, django_assert_num_queries):
    call = three_entry_call()
    with django_assert_num_queries(2):
        response = client.get(f"/catalog/{call.slug}/2/")
    assert response.status_code == 200


# An applicant's session, user and organisation (navbar) come on top: none per unit's button.
@pytest.mark.parametrize(("number", "units"), [(1, 1), (6, 4)])
def test_detail_query_count_for_an_applicant(
    client, small_catalog, number, units, django_assert_num_queries
):
    client.force_login(UserFactory())
    with django_assert_num_queries(5):
        response = client.get(f"/catalog/2023-2024/{number}/")
    assert response.content.decode().count('data-testid="start-unit"') == units


# --- the detail page ---------------------------------------------------------------------------


def test_detail_page(client, small_catalog):
    response = client.get(reverse("catalog:entry_detail", args=["2023-2024", 5]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "金属热处理工" in html
    for name in ["机械零部件热处理工", "表面（化学）热处理工", "工程热处理工"]:
        assert name in html
    # Each work type covers 3-1 but offers the undivided 5-4 levels as well.
    rows = html.split('data-testid="unit-row"')[1:]
    assert len(rows) == 3
    for row in rows:
        assert "3-1" in row and "三级/高级工 … 一级/高级技师" in row
        for label in ["五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师"]:
            assert label in row
    assert "5-4 级（五级/初级工 … 四级/中级工）不细分工种" in html
    assert "浙派工匠（设备制造）" in html and "第二产业" in html
    assert "从事设备制造的技能人员。" in html


def test_detail_page_standard_year_per_unit(client, small_catalog):
    html = client.get("/catalog/2023-2024/6/").content.decode()
    rows = [r.split("</tr>")[0] for r in html.split('data-testid="unit-row"')[1:]]
    assert ["2019 年版" in r for r in rows] == [True, True, False, False]
    assert "2022 年版" in rows[2]
    assert "不在任何一版标准适用范围内" in rows[3]
    assert "轧管工" in rows[3]
    assert "仅适用于轧制备品工" in html
    # 轧制备品工 offers 五级 to 二级 only.
    assert "二级/技师" in rows[0] and "一级/高级技师" not in rows[0]


def test_detail_page_tags_and_undivided_unit(client, small_catalog):
    html = client.get("/catalog/2023-2024/1/").content.decode()
    assert "绿色职业" in html and "数字职业" in html
    assert "本职业不细分工种" in html
    assert "2022 年版" in html


def test_detail_page_without_series(client, small_catalog):
    html = client.get("/catalog/2023-2024/7/").content.decode()
    assert "本职业未列入浙派工匠系列" in html


def start_links(response) -> list[tuple[str, str]]:
    return re.findall(
        r'href="([^"]+)" data-testid="start-unit">([^<]+)<', response.content.decode()
    )


def test_detail_offers_an_applicant_to_apply_for_each_unit(client, small_catalog):
    client.force_login(UserFactory())
    units = small_catalog["call"].entries.get(number=3).units.order_by("position")
    start = reverse("applications:start")
    assert start_links(client.get("/catalog/2023-2024/3/")) == [
        (f"{start}?unit={unit.pk}", "申报此职业（工种）") for unit in units
    ]


def test_detail_asks_visitors_to_log_in_first_and_returns_them_to_start(client, small_catalog):
    unit = small_catalog["call"].entries.get(number=4).units.get()
    [(href, text)] = start_links(client.get("/catalog/2023-2024/4/"))
    assert text == "登录后申报"
    start = f"{reverse('applications:start')}?unit={unit.pk}"
    assert href == f"{reverse('accounts:login')}?next={quote(start, safe='')}"
    # After logging in the visitor lands on the start page with the unit chosen.
    user = UserFactory()
    response = client.post(href, {"username": user.email, "password": "portal-pass-123"})
    assert response.status_code == 302 and response.url == start


def test_detail_offers_no_start_to_staff_or_for_a_closed_call(client, small_catalog):
    client.force_login(CityStaffFactory())
    assert start_links(client.get("/catalog/2023-2024/4/")) == []
    client.force_login(UserFactory())
    assert start_links(client.get("/catalog/2021-2022/1/")) == []
    client.logout()
    assert start_links(client.get("/catalog/2021-2022/1/")) == []


def test_an_open_call_past_its_deadline_offers_no_start_and_says_so(client, small_catalog):
    small_catalog["call"].deadline = dt.date.today() - dt.timedelta(days=2)
    small_catalog["call"].save()
    client.force_login(UserFactory())
    assert start_links(client.get("/catalog/2023-2024/4/")) == []
    page = client.get(LIST_URL).content.decode()
    assert re.search(r'data-testid="call-stage">申报已截止<', page)


def test_an_open_call_before_its_deadline_is_labelled_open(client, small_catalog):
    page = client.get(LIST_URL).content.decode()
    assert re.search(r'data-testid="call-stage">正在征集<', page)


@pytest.mark.parametrize("url", ["/catalog/2023-2024/99/", "/catalog/nope/1/"])
def test_detail_404(client, small_catalog, url):
    assert client.get(url).status_code == 404


def test_detail_of_older_call(client, small_catalog):
    response = client.get("/catalog/2021-2022/1/")
    assert response.status_code == 200
    assert "往年职业" in response.content.decode()


# --- admin -------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_(client):
    user = User.objects.create_superuser("admin@example.com", "admin-pass-123")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["call", "series", "entry", "unit"])
def test_admin_changelists(admin_client_, small_catalog, model):
    response = admin_client_.get(f"/admin/catalog/{model}/")
    assert response.status_code == 200
    assert "增加" in response.content.decode() or "添加" in response.content.decode()


@pytest.mark.parametrize("model", ["call", "series", "entry", "unit"])
def test_admin_add_pages(admin_client_, small_catalog, model):
    assert admin_client_.get(f"/admin/catalog/{model}/add/").status_code == 200


def test_admin_entry_change_page_has_unit_inline(admin_client_, small_catalog):
    entry_obj = Entry.objects.get(call=small_catalog["call"], number=6)
    html = admin_client_.get(f"/admin/catalog/entry/{entry_obj.pk}/change/").content.decode()
    assert "轧制备品工" in html and "职业（工种）单元" in html


def test_admin_entry_list_shows_counts_and_levels(admin_client_, small_catalog):
    html = admin_client_.get("/admin/catalog/entry/", {"call__id__exact": small_catalog["call"].pk})
    html = html.content.decode()
    assert "选品员（5-1）、平台管理员（5-3）" in html
    assert "目录条目" in html


def test_admin_search(admin_client_, small_catalog):
    response = admin_client_.get("/admin/catalog/entry/", {"q": "平台管理员"})
    assert "互联网营销师" in response.content.decode()
    assert "咖啡师" not in response.content.decode()


def admin_entry_list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/admin/catalog/entry/").status_code == 200
    return len(ctx.captured_queries)


def test_admin_entry_list_has_no_n_plus_one(admin_client_):
    call = CallFactory(slug="qc", is_open=True)
    entry(call, 1, "职业1", [("甲", 5, 1, 2019), ("乙", 5, 3, 2022)], series=SeriesFactory())
    one = admin_entry_list_queries(admin_client_)
    for n in (2, 3):
        entry(call, n, f"职业{n}", [("甲", 5, 1, 2019)], series=SeriesFactory())
    assert admin_entry_list_queries(admin_client_) == one


def test_admin_unit_list_has_no_n_plus_one(admin_client_):
    call = CallFactory(slug="qc", is_open=True)
    entry(call, 1, "职业1", [("甲", 5, 1, 2019)])
    with CaptureQueriesContext(connection) as ctx:
        admin_client_.get("/admin/catalog/unit/")
    one = len(ctx.captured_queries)
    entry(call, 2, "职业2", [("甲", 5, 1, 2019), ("乙", 4, 1, 2022)])
    with CaptureQueriesContext(connection) as ctx:
        admin_client_.get("/admin/catalog/unit/")
    assert len(ctx.captured_queries) == one


# --- the real 附件1 catalog -----------------------------------------------------------------------


def test_real_catalog_totals_and_query_count(client, catalog, django_assert_num_queries):
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)
    assert numbers(response) == list(range(1, 52))
    assert (
        "<strong>51</strong> 个职业，<strong>120</strong> 个职业（工种）"
        in response.content.decode()
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tag": "digital"}, [1, 2, 3, 4, 5, 6]),
        ({"tag": "green"}, [1]),
        ({"q": "半导体分立器件封装工"}, [31]),
        ({"q": "航拍"}, [19]),
        ({"tag": "digital", "level": "5"}, [1, 3, 4, 6]),
    ],
)
def test_real_catalog_filters(client, catalog, params, expected):
    assert numbers(client.get(LIST_URL, params)) == expected


def test_real_catalog_quirks_on_the_list(client, catalog):
    html = client.get(LIST_URL, {"q": "金属"}).content.decode()
    assert "2019 2022" in html  # 金属轧制工
    assert "5-4 级不细分工种" in html  # 金属热处理工


def test_real_catalog_detail_pages(client, catalog, django_assert_num_queries):
    with django_assert_num_queries(2):
        html = client.get("/catalog/2023-2024/40/").content.decode()
    rows = [r.split("</tr>")[0] for r in html.split('data-testid="unit-row"')[1:]]
    assert len(rows) == 3
    assert all("五级/初级工" in r and "一级/高级技师" in r for r in rows)
    html = client.get("/catalog/2023-2024/42/").content.decode()
    rows = [r.split("</tr>")[0] for r in html.split('data-testid="unit-row"')[1:]]
    missing = [r for r in rows if "不在任何一版标准适用范围内" in r]
    assert len(missing) == 1 and "轧管工" in missing[0]
