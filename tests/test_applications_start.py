import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from applications.models import Application, Basis, Event, Status, SubmissionDeadline
from catalog.models import Unit
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
ON_TIME = dt.datetime(2023, 6, 1, 10, 0, tzinfo=BEIJING)
# The first instant after the call's deadline (23 June, 24:00 Beijing time).
AFTER_DEADLINE = dt.datetime(2023, 6, 24, 0, 0, tzinfo=BEIJING)

START = reverse("applications:start")
LEVELS = reverse("applications:unit_levels")


@pytest.fixture(autouse=True)
def on_time():
    with time_machine.travel(ON_TIME, tick=False):
        yield


@pytest.fixture
def call():
    return CallFactory()


@pytest.fixture
def applicant(client):
    user = UserFactory()
    client.force_login(user)
    return user


def catalog_post(unit, levels=(5, 4), intention="lead", **extra):
    return {
        "basis": Basis.CATALOG,
        "unit": unit.pk,
        "levels": list(levels),
        "intention": intention,
        **extra,
    }


def custom_post(basis, occupation, levels=(5, 4, 3), **extra):
    return {
        "basis": basis,
        "custom_occupation": occupation,
        "levels": list(levels),
        "intention": "participant",
        **extra,
    }


def page(response) -> str:
    return response.content.decode()


# --- condition 1: a catalog unit ---------------------------------------------------------------


def test_start_with_catalog_unit_creates_draft_with_history(client, call, applicant):
    unit = UnitFactory(entry__call=call, name="选品员", level_start=5, level_end=3)

    response = client.post(START, catalog_post(unit, levels=(5, 3), intention="participant"))

    app = Application.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("applications:edit", args=[app.pk])
    assert (app.call, app.organisation, app.unit, app.basis) == (
        call,
        applicant.organisation,
        unit,
        Basis.CATALOG,
    )
    assert (app.levels, app.intention, app.status) == ([5, 3], "participant", Status.DRAFT)
    assert app.created_by == applicant
    event = Event.objects.get(application=app)
    assert (event.actor, event.from_status, event.to_status, event.comment) == (
        applicant,
        "",
        Status.DRAFT,
        "创建草稿",
    )


def test_new_draft_names_the_organisation_as_the_leaders_employer(client, call, applicant):
    unit = UnitFactory(entry__call=call)
    client.post(START, catalog_post(unit))
    app = Application.objects.get()
    assert app.leader_employer == applicant.organisation.name
    # What the user told us at registration is prefilled too, as before.
    assert (app.contact_name, app.contact_mobile) == (applicant.name, applicant.phone)


def test_unit_list_names_occupation_work_type_and_levels(client, catalog, applicant):
    platform = Unit.objects.get(entry__occupation="互联网营销师", name="平台管理员")
    body = page(client.get(START, {"unit": platform.pk}))
    # Once chosen, the closed list shows only the option: it must say which occupation.
    assert (
        f'<option value="{platform.pk}" selected>互联网营销师（平台管理员）（5-3级）</option>'
        in body
    )


def test_level_outside_the_units_range_is_refused_naming_the_range(client, call, applicant):
    unit = UnitFactory(entry__call=call, level_start=5, level_end=3)

    response = client.post(START, catalog_post(unit, levels=(4, 2)))

    assert response.status_code == 200
    assert not Application.objects.exists()
    assert "开发等级范围为五级/初级工至三级/高级工" in page(response)
    assert "不能申报二级/技师" in page(response)


def test_unit_must_be_chosen_and_levels_given(client, call, applicant):
    response = client.post(START, {"basis": Basis.CATALOG, "intention": "lead"})

    assert response.status_code == 200 and not Application.objects.exists()
    assert "请在参考目录中选择职业（工种）" in page(response)
    assert "请至少选择一个申报开发等级" in page(response)


def test_unit_of_another_call_is_not_accepted(client, call, applicant):
    other = UnitFactory(entry__call=CallFactory(is_open=False))

    response = client.post(START, catalog_post(other))

    assert response.status_code == 200 and not Application.objects.exists()


def test_real_catalog_offers_each_units_own_levels(client, catalog, applicant):
    heat = Unit.objects.filter(entry__call=catalog, entry__occupation="金属热处理工")
    assert heat.count() == 3
    for unit in heat:
        # The shared 5-4 levels plus the work type's own 3-1: all five.
        body = page(client.get(LEVELS, {"unit": unit.pk}))
        assert all(f'name="levels" value="{n}"' in body for n in (5, 4, 3, 2, 1)), unit
    platform = Unit.objects.get(entry__occupation="互联网营销师", name="平台管理员")
    body = page(client.get(LEVELS, {"unit": platform.pk}))
    assert all(f'name="levels" value="{n}"' in body for n in (5, 4, 3))
    assert 'name="levels" value="2"' not in body and 'name="levels" value="1"' not in body

    response = client.post(START, catalog_post(platform, levels=(3, 2)))
    assert response.status_code == 200 and "不能申报二级/技师" in page(response)
    response = client.post(START, catalog_post(heat.get(name="工程热处理工"), levels=(5, 4, 1)))
    assert response.status_code == 302
    assert Application.objects.get().levels == [5, 4, 1]


def test_levels_out_of_catalog_are_all_five(client, call, applicant):
    body = page(client.get(LEVELS, {"basis": Basis.STANDARD}))
    assert all(f'name="levels" value="{n}"' in body for n in (5, 4, 3, 2, 1))


def test_search_finds_units_ignoring_spaces(client, catalog, applicant):
    body = page(client.get(START, {"q": "金属 热处 理"}))
    assert "金属热处理工（工程热处理工）" in body
    assert "金属热处理工（机械零部件热处理工）" in body
    # The results, not the page: the catalog's <select> names every unit in full.
    response = client.get(START, {"q": "互联网营销师 平台管理员"})
    assert [unit.display_name for unit, _range in response.context["results"]] == [
        "互联网营销师（平台管理员）"
    ]
    body = page(client.get(START, {"q": "不存在的职业"}))
    assert "没有名称包含“不存在的职业”" in body


def test_duplicate_is_refused_naming_the_existing_one_and_keeps_input(client, call, applicant):
    unit = UnitFactory(entry__call=call)
    existing = ApplicationFactory(call=call, organisation=applicant.organisation, unit=unit)

    response = client.post(START, catalog_post(unit, levels=(5, 2), intention="participant"))

    body = page(response)
    assert response.status_code == 200
    assert Application.objects.count() == 1
    assert existing.reference in body and "（状态：草稿）" in body
    assert reverse("applications:detail", args=[existing.pk]) in body
    created = existing.created_at.astimezone(BEIJING)
    assert f"贵单位已于{created.year}年{created.month}月{created.day}日创建了" in body
    # What was typed is still there.
    assert 'value="participant" id="id_intention_1" checked' in body
    assert 'value="2" id="level-2" checked' in body
    assert f'<option value="{unit.pk}" selected>' in body


def test_another_organisation_may_start_the_same_unit(client, call, applicant):
    unit = UnitFactory(entry__call=call)
    ApplicationFactory(call=call, unit=unit)

    assert client.post(START, catalog_post(unit)).status_code == 302
    assert Application.objects.count() == 2


# --- conditions 2 and 3: outside the catalog ---------------------------------------------------


def test_condition_2_needs_a_standard_from_2018(client, call, applicant):
    data = custom_post(Basis.STANDARD, "碳排放管理员", occupation_code="4-09-07-04")

    response = client.post(START, {**data, "standard_year": 2017})
    assert response.status_code == 200 and not Application.objects.exists()
    assert "条件2要求国家职业技能标准于2018年及以后发布" in page(response)
    # Nothing typed is lost.
    assert 'value="碳排放管理员"' in page(response)

    response = client.post(START, {**data, "standard_year": 2019})
    assert response.status_code == 302
    app = Application.objects.get()
    assert (app.basis, app.unit, app.custom_occupation, app.standard_year) == (
        Basis.STANDARD,
        None,
        "碳排放管理员",
        2019,
    )
    assert app.occupation_code == "4-09-07-04" and app.levels == [5, 4, 3]


def test_condition_2_needs_the_occupation_code(client, call, applicant):
    response = client.post(START, custom_post(Basis.STANDARD, "碳排放管理员", standard_year=2020))
    assert response.status_code == 200 and "此项为必填项" in page(response)
    response = client.post(
        START,
        custom_post(Basis.STANDARD, "碳排放管理员", standard_year=2020, occupation_code="4-09-7-4"),
    )
    assert "职业编码格式应如" in page(response)
    assert not Application.objects.exists()


def test_condition_3_bank_younger_than_five_years_needs_the_reason(client, call, applicant):
    response = client.post(START, custom_post(Basis.OUTDATED, "茶艺师", bank_year=2021))
    assert response.status_code == 200 and not Application.objects.exists()
    assert "使用不满5年" in page(response)

    reason = "原题库未涵盖新茶饮制作工艺。"
    response = client.post(
        START, custom_post(Basis.OUTDATED, "茶艺师", bank_year=2021, bank_reason=reason)
    )
    assert response.status_code == 302
    assert Application.objects.get().bank_reason == reason

    response = client.post(START, custom_post(Basis.OUTDATED, "评茶员", bank_year=2015))
    assert response.status_code == 302
    app = Application.objects.get(custom_occupation="评茶员")
    assert (app.basis, app.bank_year, app.bank_reason) == (Basis.OUTDATED, 2015, "")


def test_condition_2_or_3_for_a_catalog_occupation_points_to_condition_1(client, call, applicant):
    UnitFactory(entry__call=call, entry__occupation="咖啡师")

    response = client.post(START, custom_post(Basis.OUTDATED, "咖 啡师", bank_year=2010))

    assert response.status_code == 200 and not Application.objects.exists()
    assert "在本批次参考目录内，请选择“条件1”" in page(response)


def test_custom_duplicate_is_refused(client, call, applicant):
    data = custom_post(Basis.OUTDATED, "茶艺师", bank_year=2015, custom_work_type="")
    assert client.post(START, data).status_code == 302
    response = client.post(START, data)
    assert response.status_code == 200 and Application.objects.count() == 1
    assert Application.objects.get().reference in page(response)


# --- who may start, and when -------------------------------------------------------------------


@pytest.mark.parametrize("factory", [CityStaffFactory, ProvinceStaffFactory])
def test_centre_staff_may_not_start(client, call, factory):
    client.force_login(factory())
    assert client.get(START).status_code == 403
    assert client.post(START, {}).status_code == 403
    assert client.get(LEVELS).status_code == 403


def test_anonymous_is_sent_to_login(client, call):
    for url in (START, LEVELS):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_no_open_call_says_so(client, applicant):
    CallFactory(is_open=False)

    response = client.get(START)

    assert response.status_code == 200
    assert "目前没有正在征集的批次" in page(response)
    assert 'name="basis"' not in page(response)


def test_a_call_closed_by_publishing_takes_no_new_applications(client, applicant):
    from reviews.models import Publication

    published = CallFactory(name="演示批次", notice_date=dt.date(2026, 11, 1), is_open=False)
    Publication.objects.create(call=published)
    # An older call still flagged open does not take its place.
    CallFactory(notice_date=dt.date(2023, 5, 11), is_open=True)

    body = page(client.get(START))

    assert "“演示批次”已结束，遴选结果已发布。目前没有正在征集的批次" in body
    assert 'name="basis"' not in body


def test_page_shows_the_deadline(client, call, applicant):
    body = page(client.get(START))
    assert "2023年6月23日24时（北京时间）" in body
    assert 'name="basis"' in body


def test_last_minute_of_deadline_day_may_still_start(client, call, applicant):
    unit = UnitFactory(entry__call=call)
    with time_machine.travel(dt.datetime(2023, 6, 23, 23, 59, tzinfo=BEIJING)):
        assert client.post(START, catalog_post(unit)).status_code == 302


def test_after_deadline_starting_is_refused(client, call, applicant):
    unit = UnitFactory(entry__call=call)
    with time_machine.travel(AFTER_DEADLINE):
        client.force_login(applicant)
        body = page(client.get(START))
        assert "本批次申报已于2023年6月23日24时（北京时间）截止" in body
        assert 'name="basis"' not in body
        response = client.post(START, catalog_post(unit))
    assert response.status_code == 403
    assert "不能再新建申报书" in page(response)
    assert not Application.objects.exists()


def test_centre_deadline_overrides_the_calls(client, call, applicant):
    unit = UnitFactory(entry__call=call)
    centre = applicant.organisation.centre
    later = SubmissionDeadline.objects.create(
        call=call, centre=centre, deadline=dt.date(2023, 6, 30)
    )
    with time_machine.travel(AFTER_DEADLINE):
        client.force_login(applicant)
        assert "2023年6月30日24时" in page(client.get(START))
        assert client.post(START, catalog_post(unit)).status_code == 302

    # An earlier date of the centre's own closes its applicants sooner than the call.
    later.deadline = dt.date(2023, 6, 10)
    later.save()
    other = UnitFactory(entry__call=call)
    with time_machine.travel(dt.datetime(2023, 6, 15, 10, 0, tzinfo=BEIJING)):
        client.force_login(applicant)
        response = client.post(START, catalog_post(other))
    assert response.status_code == 403
    assert "本批次申报已于2023年6月10日24时（北京时间）截止" in page(response)
    assert Application.objects.count() == 1


def test_other_centres_deadline_does_not_apply(client, call, applicant):
    unit = UnitFactory(entry__call=call)
    SubmissionDeadline.objects.create(
        call=call, centre=CityStaffFactory().centre, deadline=dt.date(2023, 6, 30)
    )
    with time_machine.travel(AFTER_DEADLINE):
        client.force_login(applicant)
        assert client.post(START, catalog_post(unit)).status_code == 403
