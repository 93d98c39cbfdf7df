"""The published results sheet (遴选结果表): one row per unit with a lead or participants."""

import hashlib
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from catalog.models import Call
from tiku_portal.sheet_layout import BODY_FONT, TITLE_FONT, fit_row_heights
from tiku_portal.spreadsheets import append

from .models import Publication, Selection

TITLE = "浙江省技能人才评价省级题库开发单位遴选结果"
HEADERS = ["序号", "职业", "工种", "牵头单位", "参与单位", "所在市", "财政经费补助（万元）"]
WIDTHS = [7, 22, 22, 32, 40, 12, 14]
PROVINCE_CITY = "省属单位"


@dataclass
class ResultRow:
    occupation: str
    work_type: str
    lead: str = ""
    lead_city: str = ""
    subsidy: Decimal | None = None
    participants: list[str] = field(default_factory=list)
    participant_cities: list[str] = field(default_factory=list)

    @property
    def city(self) -> str:
        # The lead unit's city; a row without a lead names its participants' cities.
        if self.lead:
            return self.lead_city
        return "、".join(dict.fromkeys(self.participant_cities))


def _city(centre) -> str:
    if centre.is_province:
        return PROVINCE_CITY
    return centre.region if centre.region.endswith("市") else f"{centre.region}市"


def result_rows(call) -> list[ResultRow]:
    """The sheet's rows, in catalog order, then out-of-catalog occupations by name."""
    selections = (
        Selection.objects.filter(
            call=call,
            outcome__in=(Selection.Outcome.LEAD, Selection.Outcome.PARTICIPANT),
        )
        .select_related("application__organisation__centre", "unit__entry")
        .order_by("application__organisation__name", "pk")
    )
    rows: dict[str, ResultRow] = {}
    order: dict[str, tuple] = {}
    for sel in selections:
        app = sel.application
        if sel.unit_key not in rows:
            rows[sel.unit_key] = ResultRow(app.occupation_name, app.work_type_name)
            if sel.unit_id:
                order[sel.unit_key] = (0, sel.unit.entry.number, sel.unit.position, "")
            else:
                order[sel.unit_key] = (1, 0, 0, sel.unit_key)
        row = rows[sel.unit_key]
        org = app.organisation
        if sel.outcome == Selection.Outcome.LEAD:
            row.lead, row.lead_city, row.subsidy = org.name, _city(org.centre), sel.subsidy
        else:
            row.participants.append(org.name)
            row.participant_cities.append(_city(org.centre))
    return [rows[key] for key in sorted(rows, key=order.__getitem__)]


def stage_label(call) -> str:
    """公示稿 while the results are on public notice, 正式公布 once published, else blank."""
    publication = Publication.objects.filter(call=call).first()
    if publication is not None:
        day = timezone.localtime(publication.published_at)
        return f"正式公布　发布日期：{day.year}年{day.month}月{day.day}日"
    notice = Call.objects.filter(pk=call.pk).values_list("notice__starts_on", "notice__ends_on")
    starts, ends = notice.first() or (None, None)
    if starts is not None:
        return f"公示稿　公示期：{starts.year}年{starts.month}月{starts.day}日至{ends.year}年{ends.month}月{ends.day}日"
    return ""


def results_input_hash(call) -> str:
    """Everything the sheet shows; equal hash means the file is current."""
    data = {
        "call": call.name,
        "stage": stage_label(call),
        "rows": [
            [r.occupation, r.work_type, r.lead, r.participants, r.city, str(r.subsidy)]
            for r in result_rows(call)
        ],
    }
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def render_results(call, progress=None) -> bytes:
    """The workbook: merged title, header, bordered rows, A4 landscape."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    rows = result_rows(call)
    wb = Workbook()
    ws = wb.active
    ws.title = "遴选结果"
    last = get_column_letter(len(HEADERS))

    ws.append([TITLE])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name=TITLE_FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32

    subtitle = call.name
    if stage_label(call):
        subtitle += f"　{stage_label(call)}"
    append(ws, [subtitle])
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].alignment = Alignment(horizontal="right", vertical="center")
    ws["A2"].font = Font(name=BODY_FONT, size=11)

    ws.append(HEADERS)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centred = Alignment(wrap_text=True, vertical="center", horizontal="center")
    # Chinese fonts in every cell: the default (Calibri) has no CJK glyphs in WPS/LibreOffice.
    body_font = Font(name=BODY_FONT, size=11)
    for cell in ws[3]:
        cell.font = Font(name=BODY_FONT, size=11, bold=True)
        cell.alignment = centred
        cell.border = border

    for number, row in enumerate(rows, start=1):
        append(
            ws,
            [
                number,
                row.occupation,
                row.work_type,
                row.lead,
                "\n".join(row.participants),
                row.city,
                row.subsidy,
            ],
        )
        for column, cell in enumerate(ws[ws.max_row], start=1):
            cell.border = border
            cell.font = body_font
            cell.alignment = centred if column in (1, 6, 7) else wrap
        ws.cell(ws.max_row, 7).number_format = "0.00"
        if progress and number % 50 == 0:
            progress(round(100 * number / len(rows)))

    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    # Header and data rows tall enough for their wrapped text (WPS/LibreOffice keep 15 pt).
    fit_row_heights(ws, 3, ws.max_row)
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
