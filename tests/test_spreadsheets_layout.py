"""附件3 and the results sheet open cleanly in WPS/LibreOffice: row heights from content, Chinese fonts.

WPS and LibreOffice do not grow a wrapped row on opening, so the workbook must carry the
heights. The last test converts both sheets with LibreOffice itself and reads the PDF back.
"""

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from reviews import selection as sel
from reviews.models import Recommendation
from reviews.results import render_results
from reviews.summary import FIRST_ROW, render_summary
from tests.factories import (
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UnitFactory,
)
from tests.test_reviews_batch import BEFORE, decide, submitted
from tests.test_reviews_selection import sent
from tiku_portal.sheet_layout import line_count, text_width

pytestmark = pytest.mark.django_db

# A 推荐理由概要 as centres write them: far longer than its 50-character-wide column.
LONG_REASON = (
    "该单位长期承担本市职业技能等级认定工作，具备完善的题库开发组织体系；"
    "专家团队由行业企业技术骨干和院校骨干教师组成，结构合理；"
    "近三年参与省级题库开发两项，开发质量良好，经费保障有力，同意推荐为牵头单位。"
)
LONG_NAME = "杭州市西湖区数智电子商务职业技能培训学校有限责任公司"
PARTICIPANTS = ["宁波港城技师学院", "温州瓯江职业技能培训学校", "嘉兴南湖电商研究院"]


@pytest.fixture
def summary_bytes():
    call = CallFactory(slug="2023-sheet")
    centre = CentreFactory(code="hangzhou", region="杭州", name="杭州市技能评价（鉴定）中心")
    staff = CityStaffFactory(centre=centre)
    app = submitted(
        centre,
        call,
        organisation__name=LONG_NAME,
        unit__entry__occupation="互联网营销师",
        unit__name="直播销售员",
        levels=[5, 4, 3],
    )
    short = submitted(centre, call, organisation__name="杭州咖啡职业学院")
    decide(app, staff, Recommendation.LEAD, LONG_REASON)
    decide(short, staff, Recommendation.PARTICIPANT, "电商行业资源丰富。")
    return render_summary(centre, call, sent=False, on=BEFORE.date())


@pytest.fixture
def results_bytes():
    province = ProvinceStaffFactory()
    unit = UnitFactory(entry__occupation="互联网营销师", name="直播销售员")
    hangzhou = CentreFactory(code="hangzhou", region="杭州", name="杭州市技能评价（鉴定）中心")
    lead = sent(unit, centre=hangzhou, organisation__name=LONG_NAME)
    sel.decide(lead, province, "lead", "团队最强", "20")
    for name in PARTICIPANTS:
        sel.decide(sent(unit, organisation__name=name), province, "participant", "参与")
    sel.publish(unit.entry.call, province)
    return render_results(unit.entry.call)


def test_cjk_text_is_twice_as_wide_and_wraps_by_column_width():
    assert text_width("培训学校") == 8
    assert line_count("培训学校" * 10, 20) == 5
    assert line_count("一\n二\n三", 20) == 3


def test_summary_rows_are_as_tall_as_their_wrapped_reason(summary_bytes):
    ws = load_workbook(io.BytesIO(summary_bytes)).active
    reason_row = next(
        r for r in range(FIRST_ROW, ws.max_row + 1) if ws[f"H{r}"].value == LONG_REASON
    )
    short_row = next(
        r for r in range(FIRST_ROW, ws.max_row + 1) if r != reason_row and ws[f"H{r}"].value
    )
    # The long reason needs several lines of ~14 pt; a one-line row stays near the minimum.
    tall = ws.row_dimensions[reason_row].height
    assert tall is not None and tall >= 4 * 14
    assert ws.row_dimensions[short_row].height is not None
    assert ws.row_dimensions[short_row].height < tall
    # Every written cell names a Chinese font: never Calibri.
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts <= {"宋体", "黑体"}, fonts


def test_results_sheet_uses_chinese_fonts_and_sized_rows(results_bytes):
    ws = load_workbook(io.BytesIO(results_bytes)).active
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts <= {"宋体", "黑体"}, fonts
    # The header wraps (财政经费补助（万元）in 14 units) and the participants are one per line.
    assert ws.row_dimensions[3].height >= 2 * 14
    assert ws.row_dimensions[4].height >= len(PARTICIPANTS) * 14


def in_order(needle: str, text: str) -> bool:
    """Every character of needle appears in text, in order."""
    rest = iter(text)
    return all(ch in rest for ch in needle)


def _soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    not _soffice() or not shutil.which("pdftotext"),
    reason="LibreOffice (Debian libreoffice-calc-nogui) or pdftotext (poppler-utils) is not"
    " installed: scripts/sysdeps.sh test installs both",
)
def test_libreoffice_shows_every_line_of_both_sheets(summary_bytes, results_bytes, tmp_path):
    """LibreOffice clips a cell's text at its row's height: all of it must reach the PDF."""
    (tmp_path / "summary.xlsx").write_bytes(summary_bytes)
    (tmp_path / "results.xlsx").write_bytes(results_bytes)
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "summary.xlsx"),
            str(tmp_path / "results.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )

    def text_of(name):
        out = subprocess.run(
            ["pdftotext", str(tmp_path / f"{name}.pdf"), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return "".join(out.split())

    summary = text_of("summary")
    # The whole reason, last line included: a clipped row loses its last lines. A wrapped
    # cell's lines are interleaved with its neighbours' in the text, so read it as a sequence.
    assert in_order(LONG_REASON, summary)
    assert in_order(LONG_NAME, summary)
    assert "联系人" in summary and "填报日期" in summary
    results = text_of("results")
    for name in (LONG_NAME, *PARTICIPANTS):
        assert in_order(name, results)
    assert in_order("财政经费补助（万元）", results)
