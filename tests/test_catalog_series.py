import json
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Entry, Series
from catalog.series import link_series, load_series
from tests.factories import CallFactory, EntryFactory, UnitFactory

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "zhepai_series.json"

# Catalog entries (附件1) whose occupation no series' 职业 list names, read by hand from both seeds.
UNLINKED_CATALOG = [
    (28, "智能硬件装调员"),
    (29, "电气电子产品环保检测员"),
    (30, "广电和通信设备电子装接工"),
    (31, "半导体分立器件和集成电路装调工"),
    (34, "仪器仪表制造工"),
    (43, "印后制作员"),
    (44, "印刷操作员"),
]


def writes(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


@pytest.fixture
def series(db):
    load_series()
    return {s.number: s for s in Series.objects.all()}


class TestFixture:
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    by_number = {row["number"]: row for row in rows}

    def test_numbers_run_from_1_to_36(self):
        assert [row["number"] for row in self.rows] == list(range(1, 37))

    def test_parenthesised_work_types_stay_in_one_item(self):
        assert self.by_number[1]["occupations"] == ["种子繁育员", "园艺工(蔬菜栽培工、果树栽培工)"]

    def test_definition_keeps_its_full_stop(self):
        assert (
            self.by_number[3]["definition"] == "从事苗木和花卉的繁育、栽培、种植、养护管理的人员。"
        )

    def test_special_items_joined_by_enumeration_comma_are_split(self):
        assert self.by_number[27]["special_items"] == ["短视频制作", "电商数据分析"]

    def test_only_the_seeds_own_disagreements_differ_from_declared_counts(self):
        # The seed's summary lines disagree with its own lists for these three series.
        mismatches = {
            row["number"]: (
                len(row["occupations"]),
                row["declared_occupation_count"],
                len(row["special_items"]),
                row["declared_special_count"],
            )
            for row in self.rows
            if len(row["occupations"]) != row["declared_occupation_count"]
            or len(row["special_items"]) != row["declared_special_count"]
        }
        assert mismatches == {2: (3, 3, 3, 4), 12: (8, 8, 1, 0), 18: (37, 36, 1, 1)}


@pytest.mark.django_db
class TestLoadSeries:
    def test_loads_36_series_by_industry(self):
        assert load_series() == 36
        assert Series.objects.count() == 36
        per_industry = [Series.objects.filter(industry=i).count() for i in Series.Industry]
        assert per_industry == [6, 14, 16]

    @pytest.mark.parametrize(
        "occupation, number, name, industry",
        [
            ("增材制造设备操作员", 14, "设备制造", Series.Industry.SECONDARY),
            ("咖啡师", 26, "美食制作", Series.Industry.TERTIARY),
            ("插花花艺师", 3, "苗木花卉", Series.Industry.PRIMARY),
        ],
    )
    def test_occupation_sits_in_its_series(self, occupation, number, name, industry):
        load_series()
        series = Series.objects.get(number=number)
        assert (series.name, series.industry) == (name, industry)
        assert occupation in series.occupations
        assert series.full_name == f"浙派工匠（{name}）"

    def test_second_run_writes_nothing(self):
        load_series()
        with CaptureQueriesContext(connection) as ctx:
            assert load_series() == 0
        assert writes(ctx.captured_queries) == []

    def test_changed_series_is_restored(self):
        load_series()
        Series.objects.filter(number=26).update(definition="旧定义", special_items=[])
        assert load_series() == 1
        series = Series.objects.get(number=26)
        assert series.definition == "从事食品、饮品制作、烹饪和食品安全管理的人员。"
        assert len(series.special_items) == 20

    def test_reads_another_path(self, tmp_path):
        path = tmp_path / "series.json"
        row = {
            "number": 1,
            "industry": 1,
            "name": "果品蔬菜",
            "definition": "定义。",
            "occupations": ["种子繁育员"],
            "special_items": [],
        }
        path.write_text(json.dumps([row], ensure_ascii=False), encoding="utf-8")
        assert load_series(path) == 1
        assert list(Series.objects.values_list("name", "occupations")) == [
            ("果品蔬菜", ["种子繁育员"])
        ]


@pytest.mark.django_db
class TestLinkSeries:
    def test_links_by_exact_occupation(self, series):
        call = CallFactory()
        coffee = EntryFactory(call=call, occupation="咖啡师")
        UnitFactory(entry=coffee)
        unknown = EntryFactory(call=call, occupation="印刷操作员")

        assert link_series(call) == [unknown]
        coffee.refresh_from_db()
        unknown.refresh_from_db()
        assert coffee.series == series[26]
        assert unknown.series is None

    def test_partial_names_do_not_match(self, series):
        # 金属材热处理工 (材料加工) is a different occupation from 金属热处理工 (机电制造).
        call = CallFactory()
        EntryFactory(call=call, occupation="热处理工")
        entry = EntryFactory(call=call, occupation="金属热处理工")

        assert [e.occupation for e in link_series(call)] == ["热处理工"]
        entry.refresh_from_db()
        assert entry.series == series[16]

    def test_item_with_parenthetical_matches_bare_occupation(self, series):
        call = CallFactory()
        entry = EntryFactory(call=call, occupation="农业技术员")

        assert link_series(call) == []
        entry.refresh_from_db()
        assert entry.series == series[6]

    def test_ambiguous_occupation_takes_lowest_number_and_warns(self, series, caplog):
        # 园艺工 appears, with different work types, in series 1, 3 and 6.
        call = CallFactory()
        entry = EntryFactory(call=call, occupation="园艺工")

        with caplog.at_level(logging.WARNING, logger="catalog.series"):
            assert link_series(call) == []
        entry.refresh_from_db()
        assert entry.series == series[1]
        assert "园艺工" in caplog.text
        assert "浙派工匠（苗木花卉）" in caplog.text

    def test_series_set_by_hand_is_kept(self, series):
        call = CallFactory()
        entry = EntryFactory(call=call, occupation="咖啡师", series=series[25])

        assert link_series(call) == []
        entry.refresh_from_db()
        assert entry.series == series[25]

    def test_other_calls_are_left_alone(self, series):
        call, other = CallFactory(), CallFactory()
        elsewhere = EntryFactory(call=other, occupation="咖啡师")

        assert link_series(call) == []
        elsewhere.refresh_from_db()
        assert elsewhere.series is None

    def test_nothing_to_change_writes_nothing(self, series):
        call = CallFactory()
        EntryFactory(call=call, occupation="咖啡师")
        EntryFactory(call=call, occupation="印刷操作员")
        link_series(call)

        with CaptureQueriesContext(connection) as ctx:
            unlinked = link_series(call)
        assert [e.occupation for e in unlinked] == ["印刷操作员"]
        assert writes(ctx.captured_queries) == []


def test_catalog_entries_outside_every_series(catalog):
    load_series()
    unlinked = link_series(catalog)

    assert Entry.objects.filter(call=catalog).count() == 51
    assert [(e.number, e.occupation) for e in unlinked] == UNLINKED_CATALOG
    still_null = Entry.objects.filter(call=catalog, series__isnull=True).order_by("number")
    assert [(e.number, e.occupation) for e in still_null] == UNLINKED_CATALOG
    linked = Entry.objects.filter(call=catalog, series__isnull=False)
    assert linked.count() == 51 - len(UNLINKED_CATALOG)
    assert linked.get(occupation="增材制造设备操作员").series.number == 14
    assert linked.get(occupation="咖啡师").series.number == 26
