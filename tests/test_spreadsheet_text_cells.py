"""Typed text never becomes a formula in any workbook the portal writes (附件3, results, catalog).

Every workbook is read back with openpyxl: each cell written from user or admin text must be a
text cell (data_type "s") showing exactly what was typed, and no cell may be a formula.
"""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from catalog.exporter import export_catalog
from reviews import selection as sel
from reviews.batch import batch_for, send_batch
from reviews.models import Recommendation, Selection
from reviews.results import render_results
from reviews.summary import render_summary
from tests.factories import (
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    EntryFactory,
    ProvinceStaffFactory,
    UnitFactory,
)
from tests.test_reviews_batch import BEFORE, decide, submitted
from tests.test_reviews_selection import sent
from tiku_portal.spreadsheets import append, put

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://x","点此")',
    "+1",
    "-1+1",
    "@SUM(1,1)",
    "#N/A",
]


def workbook_cells(content):
    workbook = openpyxl.load_workbook(
        content if not isinstance(content, bytes) else io.BytesIO(content)
    )
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def assert_typed_text_kept(cells, expected):
    """Every payload shows as typed, in text cells; nothing in the workbook is a formula."""
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    found = set()
    for cell in cells:
        if isinstance(cell.value, str) and any(p in cell.value for p in expected):
            assert cell.data_type == "s", (cell.coordinate, cell.value)
            found.update(line for line in cell.value.split("\n") if line in expected)
    assert found == set(expected)


def test_summary_sheet_draft_and_sent_keep_typed_text():
    call = CallFactory()
    centre = CentreFactory(region="杭州")
    staff = CityStaffFactory(centre=centre)
    for n, payload in enumerate(PAYLOADS):
        app = submitted(
            centre,
            call,
            organisation__name=payload,
            unit__entry__occupation=payload,
            unit__entry__number=n + 1,
            unit__name=payload,
        )
        lead = Recommendation.LEAD if n % 2 else Recommendation.PARTICIPANT
        decide(app, staff, lead, reason=payload)
    # An out-of-catalog occupation typed by the unit itself.
    custom = submitted(
        centre,
        call,
        unit=None,
        basis="standard",
        standard_year=2020,
        custom_occupation="=2+2",
        custom_work_type="-3",
    )
    decide(custom, staff, Recommendation.LEAD, reason="@A1")
    batch = batch_for(centre, call)
    batch.contact_person, batch.contact_phone = "=CMD()", "+86 571"
    batch.save()
    expected = [*PAYLOADS, "=2+2", "-3", "@A1"]

    draft = workbook_cells(render_summary(centre, call, False, dt.date(2023, 6, 20)))
    assert_typed_text_kept(draft, expected)

    send_batch(centre, call, staff, now=BEFORE)
    sent_cells = workbook_cells(render_summary(centre, call, True, dt.date(2023, 6, 20)))
    assert_typed_text_kept(sent_cells, expected)
    footer = {c.value for c in sent_cells if isinstance(c.value, str)}
    assert "联系人：=CMD()" in footer and "联系电话：+86 571" in footer


def test_results_sheet_keeps_typed_text():
    call = CallFactory(name="=批次")
    province = ProvinceStaffFactory()
    for payload in PAYLOADS:
        unit = UnitFactory(entry__call=call, entry__occupation=payload, name=payload)
        lead = sent(unit, organisation__name=payload)
        sel.decide(lead, province, Selection.Outcome.LEAD, "理由", Decimal("1.5"))
        other = sent(unit, organisation__name=f"{payload}\n-参与", recommendation="participant")
        sel.decide(other, province, Selection.Outcome.PARTICIPANT, "理由")
    cells = workbook_cells(render_results(call))
    assert_typed_text_kept(cells, [*PAYLOADS, "-参与"])
    assert any(c.value == "=批次" and c.data_type == "s" for c in cells)
    subsidies = [c for c in cells if c.value == 1.5]
    assert subsidies and all(c.data_type == "n" for c in subsidies)


def test_catalog_export_keeps_typed_text(tmp_path):
    call = CallFactory()
    for n, payload in enumerate(PAYLOADS):
        entry = EntryFactory(call=call, number=n + 1, occupation=payload, remark=payload)
        UnitFactory(entry=entry, name=payload)
    path = tmp_path / "catalog.xlsx"
    export_catalog(call, path)
    assert_typed_text_kept(workbook_cells(path), PAYLOADS)


def test_helper_keeps_text_numbers_and_drops_characters_excel_cannot_hold():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    row = append(sheet, ["=1+1", 3, Decimal("2.50"), None, "a\x01b", "x" * 40000])
    assert row == 1
    put(sheet["A2"], "@SUM(1,1)")
    buffer = io.BytesIO()
    workbook.save(buffer)
    back = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert (back["A1"].value, back["A1"].data_type) == ("=1+1", "s")
    assert back["A1"].quotePrefix and back["A2"].quotePrefix
    assert (back["B1"].value, back["B1"].data_type) == (3, "n")
    assert back["E1"].value == "ab"
    assert len(back["F1"].value) == 32767
