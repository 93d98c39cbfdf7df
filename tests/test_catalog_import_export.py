"""Export and import of the 附件1 layout: round trips, diffs, dry runs and rejected files."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.exporter import catalog_entries
from catalog.importer import read_rows
from catalog.models import Entry, Unit
from catalog.tabular import CatalogFileError, cell_text, parse_rows, read_tsv, to_rows, to_tsv
from tests.factories import CallFactory, EntryFactory, SeriesFactory, UnitFactory

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "catalog" / "2023-2024.tsv"
WRITES = ("INSERT", "UPDATE", "DELETE")


def fixture_rows() -> list[list[str]]:
    return read_tsv(FIXTURE.read_text(encoding="utf-8"))


def snapshot(call):
    """Everything the importer may touch, primary keys and series links included."""
    rows = [
        (e.pk, e.series_id, [(u.pk, u.position, u.name) for u in e.units.all()])
        for e in Entry.objects.for_call(call).with_units()
    ]
    return to_tsv(catalog_entries(call)), rows


def export(tmp_path, name="catalog.xlsx", call="2023-2024") -> Path:
    path = tmp_path / name
    call_command("export_catalog", str(path), "--call", call, stdout=io.StringIO())
    return path


def run_import(path, *args, call="2023-2024") -> str:
    stdout = io.StringIO()
    call_command("import_catalog", str(path), "--call", call, *args, stdout=stdout)
    return stdout.getvalue()


def edit_xlsx(source: Path, target: Path, edit) -> Path:
    workbook = openpyxl.load_workbook(source)
    edit(workbook.active)
    workbook.save(target)
    return target


# --- the row model, without the database -------------------------------------------------------


def test_fixture_is_in_canonical_form():
    rows = fixture_rows()
    assert rows[0] == ["序号", "职业", "工种", "职业(工种)数量", "等级", "国标版本", "备注"]
    assert len(rows) == 52
    entries = parse_rows(rows)
    assert to_rows(entries) == rows
    assert sum(len(e.units) for e in entries) == 120


def test_grammar_of_the_work_type_cell():
    header = ["序号", "职业", "工种", "职业（工种）数量", "等级", "国标版本", "备注"]
    rows = [
        header,
        ["1", "甲 职业", "A(5-1)、 B（所、室）工(4-2)。", "2", "", "2019", "数字职业"],
        ["2", "乙职业", "分为东、西、南、北、中五个职业方向。", "5", "5-1", "2020", ""],
        ["3", "丙职业", "本职业 5-4 级不细分工种，3-1 级细分为X、Y两个工种。", "2", "5-1", "", ""],
        [4.0, "丁职业", "", 1, "4-1", 2022, "绿色职业 数字职业；新职业"],
        ["5", "戊职业", "A、B、C。2019版标准仅适用于A、C两个工种。", "3", "5-3", "2019", "；B待定"],
    ]
    first, second, third, fourth, fifth = parse_rows(rows)
    assert first.occupation == "甲职业"
    assert [(u.name, str(u.level_range)) for u in first.units] == [
        ("A", "5-1"),
        ("B（所、室）工", "4-2"),
    ]
    assert (second.subdivision, len(second.units)) == ("directions", 5)
    assert str(third.shared_range) == "5-4"
    assert [str(u.level_range) for u in third.units] == ["3-1", "3-1"]
    assert third.units[0].standard_year is None
    assert (fourth.number, fourth.is_green, fourth.is_digital, fourth.remark) == (
        4,
        True,
        True,
        "新职业",
    )
    assert [u.standard_year for u in fifth.units] == [2019, None, 2019]
    assert fifth.remark == "B待定"
    # Writing and reading again gives the same data.
    assert parse_rows(to_rows([first, second, third, fourth, fifth])) == [
        first,
        second,
        third,
        fourth,
        fifth,
    ]


def test_dict_rows_are_accepted():
    header, *rows = fixture_rows()
    entries = parse_rows([dict(zip(header, row, strict=True)) for row in rows])
    assert len(entries) == 51


def error_messages(rows) -> list[str]:
    with pytest.raises(CatalogFileError) as excinfo:
        parse_rows(rows)
    return excinfo.value.messages


def changed_fixture(*edits) -> list[list[str]]:
    """The fixture rows with cells replaced: (Excel row, column name, value)."""
    rows = fixture_rows()
    for row, column, value in edits:
        rows[row - 1][rows[0].index(column)] = value
    return rows


@pytest.mark.parametrize(
    "edits, expected",
    [
        ([(3, "序号", "二")], "第3行“序号”列：“二”不是正整数"),
        ([(3, "职业(工种)数量", "1.5")], "第3行“职业(工种)数量”列：“1.5”不是正整数"),
        ([(3, "职业", " ")], "第3行“职业”列：职业名称不能为空"),
        ([(4, "职业", "密码技术应用员")], "第4行“职业”列：职业“密码技术应用员”与第3行重复"),
        ([(3, "国标版本", "22")], "第3行“国标版本”列：“22”不是有效的标准年份"),
        ([(3, "备注", "数字")], "第3行“备注”列：未知标签“数字”"),
        ([(3, "等级", "")], "第3行“等级”列：等级不能为空"),
        ([(5, "工种", "选品员（5-1）、平台管理员")], "第5行“工种”列：“等级”列为空时须注明"),
        ([(20, "工种", "分为植保、安防四个职业方向。")], "第20行“工种”列：写明“四个职业方向”"),
        ([(3, "国标版本", "2019 2022")], "第3行“国标版本”列：有多个标准版本时"),
        ([(43, "国标版本", "2019")], "第43行“工种”列：2022版标准不在“国标版本”列中"),
        ([(43, "国标版本", "2019 2022 2023")], "第43行“国标版本”列：2023版标准没有"),
    ],
)
def test_row_errors_name_row_and_column(edits, expected):
    messages = error_messages(changed_fixture(*edits))
    assert len(messages) == 1
    assert messages[0].startswith(expected)


def test_every_error_is_collected():
    messages = error_messages(
        changed_fixture(
            (3, "等级", "6-1"), (5, "工种", "选品员（1-5）、平台管理员（5-3）"), (7, "序号", "x")
        )
    )
    assert messages == [
        "第3行“等级”列：等级“6-1”超出范围：国家职业技能等级只有五级（5）到一级（1）",
        "第5行“工种”列：等级“1-5”顺序颠倒：应从较低等级写到较高等级，如“5-1”",
        "第7行“序号”列：“x”不是正整数",
    ]


# --- export and import through the commands ----------------------------------------------------


@pytest.mark.django_db
def test_exported_xlsx_has_the_fixture_rows_with_header_first(catalog, tmp_path):
    path = export(tmp_path)
    rows = [[cell_text(v) for v in row] for row in read_rows(path)]
    assert rows == fixture_rows()
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].value == 1
    assert sheet["C2"].alignment.wrap_text
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["A"].width


@pytest.mark.django_db
def test_export_defaults_to_the_open_call(catalog, tmp_path):
    CallFactory(slug="2021", is_open=False)
    path = tmp_path / "default.tsv"
    call_command("export_catalog", str(path), stdout=io.StringIO())
    assert path.read_text(encoding="utf-8") == FIXTURE.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_unchanged_catalog_imports_as_a_no_op(catalog, tmp_path):
    Entry.objects.filter(call=catalog, number=26).update(series=SeriesFactory())
    path = export(tmp_path)
    before = snapshot(catalog)
    with CaptureQueriesContext(connection) as queries:
        output = run_import(path)
    assert output.strip() == "没有变化。"
    assert [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)] == []
    assert snapshot(catalog) == before


def change_catalog(sheet):
    # 2 密码技术应用员: a new range; 4 互联网营销师: one work type renamed, one re-ranged;
    # 6 and 7 swap numbers; 51 removed; a new 52; 18 保健按摩师: work types reordered.
    sheet["E3"] = "3-1"
    sheet["C5"] = "选品员（5-2）、直播销售员（5-1）"
    sheet["A7"], sheet["A8"] = 7, 6
    sheet["C19"] = "足部按摩师、脊柱按摩师、反射疗法师"
    sheet.delete_rows(52)
    sheet.append([52, "测试职业", "甲工、乙工", 2, "5-3", "2023", "绿色职业；试点"])


@pytest.mark.django_db
def test_changed_file_reports_and_applies(catalog, tmp_path):
    series = SeriesFactory()
    Entry.objects.filter(call=catalog, occupation="互联网营销师").update(series=series)
    marketer_units = dict(
        Unit.objects.filter(entry__occupation="互联网营销师").values_list("name", "pk")
    )
    massage_pks = list(
        Unit.objects.filter(entry__occupation="保健按摩师").values_list("pk", flat=True)
    )
    path = edit_xlsx(export(tmp_path), tmp_path / "changed.xlsx", change_catalog)

    before = snapshot(catalog)
    dry = run_import(path, "--dry-run")
    assert snapshot(catalog) == before
    lines = dry.splitlines()
    assert "新增：52. 测试职业（2个职业（工种））" in lines
    assert "删除：51. 变配电运行值班员" in lines
    assert "修改：2. 密码技术应用员：本职业（不细分）等级 4-1 → 3-1" in lines
    assert (
        "修改：4. 互联网营销师：工种“选品员”等级 5-1 → 5-2；新增工种“直播销售员”（5-1）；"
        "删除工种“平台管理员”" in lines
    )
    assert "修改：6. 电子竞技运营师：序号 7 → 6" in lines
    assert "修改：7. 电子竞技员：序号 6 → 7" in lines
    assert "修改：18. 保健按摩师：工种顺序调整" in lines
    assert "试运行（--dry-run），未写入数据库。" in lines

    applied = run_import(path)
    assert applied.splitlines()[:-1] == lines[:-1]
    assert Entry.objects.filter(call=catalog).count() == 51
    assert Unit.objects.filter(entry__call=catalog).count() == 120 - 3 + 2
    marketer = Entry.objects.get(call=catalog, occupation="互联网营销师")
    assert marketer.series == series
    assert [(u.name, str(u.level_range)) for u in marketer.units.all()] == [
        ("选品员", "5-2"),
        ("直播销售员", "5-1"),
    ]
    # The kept work type is the same row, so whatever points at it still does.
    assert marketer.units.get(name="选品员").pk == marketer_units["选品员"]
    massage = Entry.objects.get(call=catalog, occupation="保健按摩师")
    assert [u.name for u in massage.units.all()] == ["足部按摩师", "脊柱按摩师", "反射疗法师"]
    assert sorted(u.pk for u in massage.units.all()) == sorted(massage_pks)
    new = Entry.objects.get(call=catalog, number=52)
    assert (new.occupation, new.is_green, new.remark, new.standard_years) == (
        "测试职业",
        True,
        "试点",
        [2023],
    )
    assert Entry.objects.get(call=catalog, number=6).occupation == "电子竞技运营师"
    # Importing the same file again finds nothing left to do.
    assert run_import(path).strip() == "没有变化。"


@pytest.mark.django_db
def test_import_into_an_empty_call_and_from_tsv(catalog, tmp_path):
    other = CallFactory(slug="2025-2026")
    UnitFactory(entry=EntryFactory(call=other, number=1, occupation="旧职业"), position=1)
    output = run_import(FIXTURE, call="2025-2026")
    assert output.count("新增：") == 51
    assert "删除：1. 旧职业" in output
    assert to_tsv(catalog_entries(other)) == FIXTURE.read_text(encoding="utf-8")


def drop_level_column(sheet):
    sheet.delete_cols(5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "edit, expected",
    [
        (drop_level_column, "第1行：缺少“等级”列"),
        (lambda s: s.__setitem__("E3", "6-1"), "第3行“等级”列：等级“6-1”超出范围"),
        (lambda s: s.__setitem__("E3", "1-5"), "第3行“等级”列：等级“1-5”顺序颠倒"),
        (
            lambda s: s.__setitem__("C5", "选品员（1-5）、平台管理员（5-3）"),
            "第5行“工种”列：等级“1-5”顺序颠倒",
        ),
        (
            lambda s: s.__setitem__("D20", 4),
            "第20行“职业(工种)数量”列：数量为4，但“工种”列列出了5个职业（工种）",
        ),
        (lambda s: s.__setitem__("A4", 2), "第4行“序号”列：序号“2”与第3行重复"),
    ],
    ids=["missing-column", "6-1", "1-5", "unit-1-5", "count", "duplicate-number"],
)
def test_bad_files_are_rejected_and_change_nothing(catalog, tmp_path, edit, expected):
    path = edit_xlsx(export(tmp_path), tmp_path / "bad.xlsx", edit)
    before = snapshot(catalog)
    with pytest.raises(CommandError) as excinfo:
        run_import(path)
    assert expected in str(excinfo.value)
    assert "未做任何修改" in str(excinfo.value)
    assert snapshot(catalog) == before


@pytest.mark.django_db
def test_unsupported_file_and_unknown_call(catalog, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text("序号,职业\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不支持的文件类型"):
        run_import(path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="无法读取 Excel 文件"):
        run_import(broken)
    with pytest.raises(CommandError, match="没有标识为“nope”的征集批次"):
        run_import(FIXTURE, call="nope")
