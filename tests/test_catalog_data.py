"""The 2023-2024 catalog as load_catalog leaves it: the facts of 附件1, quirks included."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.levels import Level, LevelRange
from catalog.models import Entry, Unit

pytestmark = pytest.mark.django_db

# 序号 → 职业(工种)数量 for every entry that is subdivided; all others count 1.
SUBDIVIDED_COUNTS = {
    4: 2,
    10: 1,
    18: 3,
    19: 5,
    23: 5,
    27: 4,
    31: 6,
    32: 7,
    34: 2,
    35: 12,
    36: 10,
    38: 3,
    40: 3,
    41: 2,
    42: 6,
    43: 4,
    44: 6,
    47: 4,
    51: 3,
}


def entry(call, occupation) -> Entry:
    return Entry.objects.with_units().get(call=call, occupation=occupation)


def units(call, occupation) -> list[tuple[str, str, int | None]]:
    """(name, range, standard year) of each unit, in order."""
    return [
        (u.name, str(u.level_range), u.standard_year) for u in entry(call, occupation).units.all()
    ]


def test_entry_and_unit_totals(catalog):
    entries = list(Entry.objects.for_call(catalog).with_units())
    assert len(entries) == 51
    assert [e.number for e in entries] == list(range(1, 52))
    assert Unit.objects.filter(entry__call=catalog).count() == 120
    assert sum(e.unit_count for e in entries) == 120


def test_each_entry_counts_its_units(catalog):
    for e in Entry.objects.for_call(catalog).with_units():
        assert e.unit_count == SUBDIVIDED_COUNTS.get(e.number, 1), e.occupation
        if e.number not in SUBDIVIDED_COUNTS:
            assert e.subdivision == Entry.Subdivision.NONE
            assert [u.name for u in e.units.all()] == [""]


def test_call_metadata(catalog):
    assert catalog.name == "2023-2024年技能人才评价省级题库项目与开发单位征集"
    assert str(catalog.notice_date) == "2023-05-11"
    assert str(catalog.deadline) == "2023-06-23"
    assert catalog.is_open


def test_first_rows_and_tags(catalog):
    first = entry(catalog, "增材制造设备操作员")
    assert (first.number, first.is_green, first.is_digital) == (1, True, True)
    assert units(catalog, "增材制造设备操作员") == [("", "5-1", 2022)]
    assert units(catalog, "社群健康助理员") == [("", "4-2", 2021)]
    assert units(catalog, "印染前处理工") == [("", "5-2", 2019)]
    entries = Entry.objects.for_call(catalog)
    assert list(entries.tagged("digital").values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert list(entries.tagged("green").values_list("number", flat=True)) == [1]


def test_internet_marketer_has_ranges_per_work_type(catalog):
    marketer = entry(catalog, "互联网营销师")
    assert marketer.subdivision == Entry.Subdivision.WORK_TYPES
    assert marketer.level_range is None
    assert units(catalog, "互联网营销师") == [("选品员", "5-1", 2021), ("平台管理员", "5-3", 2021)]


@pytest.mark.parametrize(
    "occupation, expected",
    [
        ("铸造工", [("熔炼浇注工", "5-1"), ("铸造造型（芯）工", "5-1"), ("铸件清理工", "5-4")]),
        (
            "印后制作员",
            [("装订工", "5-1"), ("裁切工", "5-3"), ("印品装饰工", "5-1"), ("印后成型工", "5-1")],
        ),
        (
            "织布工",
            [
                ("穿经工", "5-2"),
                ("织布机操作工", "5-1"),
                ("织布上轴落布工", "5-1"),
                ("织物验修工", "5-2"),
            ],
        ),
        (
            "变配电运行值班员",
            [
                ("变电站运行值班员", "5-1"),
                ("配电房（所、室）运行值班员", "5-1"),
                ("换流站运行值班员", "4-1"),
            ],
        ),
    ],
)
def test_entries_with_ranges_per_work_type(catalog, occupation, expected):
    assert entry(catalog, occupation).level_range is None
    assert [(name, level) for name, level, _ in units(catalog, occupation)] == expected


def test_semiconductor_row(catalog):
    row = entry(catalog, "半导体分立器件和集成电路装调工")
    assert row.number == 31
    assert row.level_range is None
    assert units(catalog, row.occupation) == [
        ("芯片装架工", "5-1", 2019),
        ("半导体分立器件封装工", "5-1", 2019),
        ("混合集成电路装调工", "5-1", 2019),
        ("集成电路管壳制造工", "5-1", 2019),
        ("半导体分立器件和集成电路键合工", "5-1", 2019),
        ("半导体分立器件和集成电路微系统组装工", "4-1", 2019),
    ]


def test_switchgear_and_cable_rows(catalog):
    assert entry(catalog, "高低压电器及成套设备装配工").number == 32
    assert [name for name, _, _ in units(catalog, "高低压电器及成套设备装配工")] == [
        "低压电器及元件装配工",
        "高压电器及元件装配工",
        "低压成套设备装配工",
        "高压成套设备装配工",
        "防爆电气装配工",
        "高压熔断器装配工",
        "避雷器装配工",
    ]
    cable = units(catalog, "电线电缆制造工")
    assert len(cable) == 12
    assert cable[-1] == ("电线电缆检验工", "5-1", 2018)
    assert cable[10][0] == "电线电缆金属导体挤制工"
    assert units(catalog, "设备点检员")[-1] == ("过程控制系统点检员", "4-1", 2019)
    assert ("铂合金漏板（坩埚）制造工", "5-1", 2019) in units(catalog, "玻璃纤维及制品工")


def test_career_directions(catalog):
    drone = entry(catalog, "无人机驾驶员")
    assert drone.subdivision == Entry.Subdivision.DIRECTIONS
    assert [u.name for u in drone.units.all()] == ["植保", "安防", "航拍", "巡检", "物流"]
    assert str(drone.level_range) == "5-1"
    instruments = entry(catalog, "仪器仪表制造工")
    assert instruments.subdivision == Entry.Subdivision.DIRECTIONS
    assert [u.name for u in instruments.units.all()] == [
        "仪器仪表装调工",
        "测量与控制系统（单元）装调工",
    ]


def test_heat_treatment_split(catalog):
    heat = entry(catalog, "金属热处理工")
    assert heat.unit_count == 3
    assert str(heat.shared_range) == "5-4"
    assert str(heat.level_range) == "5-1"
    assert units(catalog, "金属热处理工") == [
        ("机械零部件热处理工", "3-1", 2019),
        ("表面（化学）热处理工", "3-1", 2019),
        ("工程热处理工", "3-1", 2019),
    ]
    # An applicant for one of the work types may still choose the shared lower levels.
    assert heat.units.all()[0].offered_levels() == sorted(Level, reverse=True)


def test_rolling_standards_per_work_type(catalog):
    rolling = entry(catalog, "金属轧制工")
    assert rolling.standard_years == [2019, 2022]
    assert rolling.level_range is None
    assert units(catalog, "金属轧制工") == [
        ("轧制备品工", "5-2", 2019),
        ("轧钢工", "5-1", 2019),
        ("热压延工", "5-1", 2022),
        ("冷压延工", "5-1", 2022),
        ("轧管工", "5-1", None),
        ("车轮轧制工", "5-1", 2019),
    ]
    assert rolling.remark == "轧管工不在2019版、2022版标准的适用工种之列。"


def test_single_work_type_and_cleaned_lists(catalog):
    clerk = entry(catalog, "行政办事员")
    assert clerk.subdivision == Entry.Subdivision.WORK_TYPES
    assert units(catalog, "行政办事员") == [("政务服务综合窗口办事员", "5-3", 2020)]
    assert units(catalog, "保健按摩师")[-1] == ("反射疗法师", "5-1", 2020)


def test_no_name_contains_whitespace_or_trailing_punctuation(catalog):
    names = list(Entry.objects.for_call(catalog).values_list("occupation", flat=True))
    names += list(Unit.objects.filter(entry__call=catalog).values_list("name", flat=True))
    for name in names:
        assert "".join(name.split()) == name
        assert not name.endswith(("。", "、", "，"))


def test_load_catalog_twice_writes_nothing(catalog, capsys):
    before = (Entry.objects.count(), Unit.objects.count())
    with CaptureQueriesContext(connection) as queries:
        call_command("load_catalog")
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert (Entry.objects.count(), Unit.objects.count()) == before == (51, 120)
    assert "51个条目，120个职业（工种）" in capsys.readouterr().out


def test_level_range_levels_and_label():
    assert LevelRange.parse("5-1").levels() == [5, 4, 3, 2, 1]
    assert LevelRange.parse("4-2").levels() == [Level.FOUR, Level.THREE, Level.TWO]
    assert LevelRange.parse("3-3").label == "三级/高级工"
    assert LevelRange.parse("5-3").label == "五级/初级工 … 三级/高级工"
    assert 4 in LevelRange.parse("5-3")
    assert 2 not in LevelRange.parse("5-3")
    assert str(LevelRange.parse(" 5 - 1 ")) == "5-1"


@pytest.mark.parametrize(
    "text, message",
    [("6-1", "超出范围"), ("1-5", "顺序颠倒"), ("abc", "格式不正确"), ("", "格式不正确")],
)
def test_level_range_parse_errors(text, message):
    with pytest.raises(ValueError, match=message):
        LevelRange.parse(text)
