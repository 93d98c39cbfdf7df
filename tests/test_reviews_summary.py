"""The 附件3 summary sheet, read back with openpyxl."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from reviews.batch import batch_for, send_batch
from reviews.models import Recommendation
from reviews.summary import level_text, render_summary
from tests.factories import CallFactory, CentreFactory, CityStaffFactory
from tests.test_reviews_batch import BEFORE, decide, submitted

pytestmark = pytest.mark.django_db

TITLE = "浙江省技能人才评价省级题库开发申报情况汇总表"


@pytest.fixture
def sent_centre():
    """杭州 sent one lead, one participant and one not-recommended application."""
    call = CallFactory(slug="2023-test")
    centre = CentreFactory(code="hangzhou", region="杭州", name="杭州市技能评价（鉴定）中心")
    staff = CityStaffFactory(centre=centre)
    lead = submitted(
        centre,
        call,
        organisation__name="杭州咖啡职业学院",
        unit__entry__occupation="咖啡师",
        unit__entry__number=26,
        levels=[5, 4, 3],
    )
    participant = submitted(
        centre,
        call,
        organisation__name="杭州电商研究院",
        unit__entry__occupation="互联网营销师",
        unit__entry__number=4,
        unit__name="选品员",
        levels=[4, 2],
    )
    refused = submitted(centre, call, organisation__name="不予推荐的单位")
    decide(lead, staff, Recommendation.LEAD, "承担过省级题库开发，专家团队完整。")
    decide(participant, staff, Recommendation.PARTICIPANT, "电商行业资源丰富。")
    decide(refused, staff, Recommendation.NONE, "经验不足。")
    batch = batch_for(centre, call)
    batch.contact_person, batch.contact_phone = "李老师", "0571-12345678"
    batch.save()
    send_batch(centre, call, staff, now=BEFORE)
    return centre, call


def read(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def cells(ws) -> list:
    return [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]


@pytest.fixture
def sheet(sent_centre):
    centre, call = sent_centre
    return read(render_summary(centre, call, True, dt.date(2023, 6, 20)))


def test_title_is_merged_across_every_column_bold_and_large(sheet):
    assert sheet["A1"].value == TITLE
    assert "A1:H1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A1"].font.b and sheet["A1"].font.sz >= 16
    assert sheet["A1"].alignment.horizontal == "center"


def test_centre_line(sheet):
    assert sheet["A2"].value == "市评价（鉴定）中心（盖章）：杭州市技能评价（鉴定）中心"
    assert "草稿" not in " ".join(str(c) for c in cells(sheet))


def test_two_row_header_with_merges(sheet):
    merged = {str(r) for r in sheet.merged_cells.ranges}
    for column, header in zip("ABCDE", ["序号", "职业", "工种", "等级", "申报单位"], strict=True):
        assert sheet[f"{column}3"].value == header
        assert f"{column}3:{column}4" in merged
    assert sheet["F3"].value == "推荐意见（请打“√”）"
    assert "F3:G3" in merged
    assert (sheet["F4"].value, sheet["G4"].value) == ("牵头单位", "参与单位")
    assert sheet["H3"].value == "推荐理由概要" and "H3:H4" in merged
    assert sheet["H3"].font.b and sheet["F4"].font.b
    # Merged cells keep their borders, so the printed header is fully ruled.
    assert {sheet[f"{c}4"].border.bottom.style for c in "ABCDEFGH"} == {"thin"}


def test_one_row_per_recommendation_with_the_tick_in_its_column(sheet):
    # Catalog order: 互联网营销师 (序号 4) before 咖啡师 (序号 26).
    participant = [c.value for c in sheet[5]]
    lead = [c.value for c in sheet[6]]
    assert participant == [
        1,
        "互联网营销师",
        "选品员",
        "4、2",
        "杭州电商研究院",
        None,
        "√",
        "电商行业资源丰富。",
    ]
    assert lead == [
        2,
        "咖啡师",
        None,
        "5-3",
        "杭州咖啡职业学院",
        "√",
        None,
        "承担过省级题库开发，专家团队完整。",
    ]
    assert sheet["H6"].alignment.wrap_text and sheet["E6"].border.bottom.style == "thin"


def test_not_recommended_applications_are_not_listed(sheet):
    text = " ".join(str(c) for c in cells(sheet))
    assert "不予推荐的单位" not in text and "经验不足" not in text
    assert sheet["A7"].value is None


def test_footer_has_contact_phone_and_date(sheet):
    values = cells(sheet)
    assert "联系人：李老师" in values
    assert "联系电话：0571-12345678" in values
    assert "填报日期：2023年6月20日" in values


def test_printed_on_a4_landscape_fitted_to_width_with_the_header_repeated(sheet):
    setup = sheet.page_setup
    assert setup.orientation == "landscape"
    assert str(setup.paperSize) == sheet.PAPERSIZE_A4
    assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$4"
    assert sheet.column_dimensions["H"].width >= 40 and sheet.column_dimensions["E"].width >= 25


def test_draft_says_so_and_lists_the_recommended_before_sending():
    call = CallFactory()
    centre = CentreFactory(contact_person="赵老师", contact_phone="0574-1")
    staff = CityStaffFactory(centre=centre)
    app = decide(submitted(centre, call, organisation__name="宁波单位"), staff, "lead")
    ws = read(render_summary(centre, call, False, dt.date(2023, 6, 2)))
    values = cells(ws)
    assert ws["A1"].value == TITLE
    assert any("草稿" in str(v) for v in values)
    assert app.organisation.name in values
    # No batch yet: the centre's own contact is used.
    assert "联系人：赵老师" in values and "填报日期：2023年6月2日" in values


def test_an_empty_sheet_keeps_its_layout():
    ws = read(render_summary(CentreFactory(), CallFactory(), False, dt.date(2023, 6, 2)))
    assert ws["A5"].value == "（暂无推荐的申报单位）"
    assert ws["F3"].value == "推荐意见（请打“√”）"


@pytest.mark.parametrize(
    ("levels", "text"),
    [
        ([5, 4, 3], "5-3"),
        ([3, 5, 4], "5-3"),
        ([5, 4, 3, 2, 1], "5-1"),
        ([3], "3"),
        ([5, 3], "5、3"),
        ([], ""),
    ],
)
def test_level_text(levels, text):
    assert level_text(levels) == text


def test_command_writes_the_sent_sheet(sent_centre, tmp_path, capsys):
    out = tmp_path / "hangzhou.xlsx"
    call_command("render_summary", str(out), centre="hangzhou", call="2023-test")
    ws = read(out.read_bytes())
    assert ws["A1"].value == TITLE
    assert "杭州咖啡职业学院" in cells(ws)
    assert "填报日期：2023年6月20日" in cells(ws)
    assert "报送版" in capsys.readouterr().out


def test_command_for_the_province_renders_a_draft(sent_centre, tmp_path):
    CentreFactory(
        code="province", kind="province", region="省级", name="浙江省技能人才评价管理服务中心"
    )
    out = tmp_path / "province.xlsx"
    call_command("render_summary", str(out), centre="province", call="2023-test")
    ws = read(out.read_bytes())
    assert ws["A2"].value.endswith("浙江省技能人才评价管理服务中心")
    assert any("草稿" in str(v) for v in cells(ws))


def test_command_rejects_an_unknown_centre(sent_centre, tmp_path):
    out = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match="未找到评价中心“shanghai”.*hangzhou"):
        call_command("render_summary", str(out), centre="shanghai")
    assert not out.exists()
