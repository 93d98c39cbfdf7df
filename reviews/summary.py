"""The 附件3 summary sheet (浙江省技能人才评价省级题库开发申报情况汇总表) as an Excel workbook."""

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass

from accounts.models import Centre
from applications.models import Status
from catalog.models import Call
from documents.sheets import print_setup, put_text, save
from tiku_portal.sheet_layout import BODY_FONT, TITLE_FONT, fit_row_heights

from .batch import RECOMMENDING, SENT_OR_LATER, applications_of, contact_of
from .models import Recommendation

TITLE = "浙江省技能人才评价省级题库开发申报情况汇总表"
CENTRE_LABEL = "市评价（鉴定）中心（盖章）："
RECOMMEND_HEADER = "推荐意见（请打“√”）"
DRAFT_NOTE = "草稿（尚未报送，仅供核对）"
TICK = "√"
HEADER_ROWS = (3, 4)
FIRST_ROW = 5
# Column letter, header, width in characters.
COLUMNS = [
    ("A", "序号", 6),
    ("B", "职业", 18),
    ("C", "工种", 20),
    ("D", "等级", 16),
    ("E", "申报单位", 30),
    ("F", "牵头单位", 10),
    ("G", "参与单位", 10),
    ("H", "推荐理由概要", 50),
]
LAST = COLUMNS[-1][0]


@dataclass(frozen=True)
class Row:
    occupation: str
    work_type: str
    levels: str
    organisation: str
    lead: bool
    reason: str


def level_text(levels) -> str:
    """Levels in the catalog's digits, one notation for every row: "5-3", "3", "4、2"."""
    numbers = sorted({int(n) for n in levels}, reverse=True)
    if len(numbers) > 1 and numbers[0] - numbers[-1] == len(numbers) - 1:
        return f"{numbers[0]}-{numbers[-1]}"
    return "、".join(str(n) for n in numbers)


# Only what a row shows and sorts by: the sheet of a city with hundreds of recommendations
# reads a few columns per application, not every application with its relations.
ROW_FIELDS = (
    "pk",
    "unit_id",
    "unit__entry__number",
    "unit__entry__occupation",
    "unit__position",
    "unit__name",
    "custom_occupation",
    "custom_work_type",
    "levels",
    "organisation__name",
    "review__recommendation",
    "review__reason",
)


def _order(app: dict):
    # Catalog order first (序号, then the unit's place), then out-of-catalog occupations.
    if app["unit_id"]:
        place = (0, app["unit__entry__number"], app["unit__position"], "")
    else:
        place = (1, 0, 0, f"{app['custom_occupation']}|{app['custom_work_type']}")
    lead_first = 0 if app["review__recommendation"] == Recommendation.LEAD else 1
    return (*place, lead_first, app["organisation__name"], app["pk"])


def summary_rows(centre: Centre, call: Call, *, sent: bool) -> list[Row]:
    """One row per application recommended as lead or participant; the sent ones when sent."""
    statuses = SENT_OR_LATER if sent else (Status.RECOMMENDED, *SENT_OR_LATER)
    apps = (
        applications_of(centre, call)
        .filter(status__in=statuses, review__recommendation__in=RECOMMENDING)
        .values(*ROW_FIELDS)
    )
    return [
        Row(
            occupation=app["unit__entry__occupation"]
            if app["unit_id"]
            else app["custom_occupation"],
            work_type=app["unit__name"] if app["unit_id"] else app["custom_work_type"],
            levels=level_text(app["levels"]),
            organisation=app["organisation__name"],
            lead=app["review__recommendation"] == Recommendation.LEAD,
            reason=app["review__reason"].strip(),
        )
        for app in sorted(apps, key=_order)
    ]


def summary_input(centre: Centre, call: Call, *, sent: bool, on: dt.date) -> dict:
    """Everything the workbook shows; its hash tells whether a rendered file is current."""
    person, phone = contact_of(centre, call)
    return {
        "centre": centre.name,
        "sent": sent,
        "on": on.isoformat(),
        "contact_person": person,
        "contact_phone": phone,
        "rows": [asdict(r) for r in summary_rows(centre, call, sent=sent)],
    }


def summary_hash(centre: Centre, call: Call, *, sent: bool, on: dt.date) -> str:
    data = summary_input(centre, call, sent=sent, on=on)
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def filename(centre: Centre, *, sent: bool, on: dt.date) -> str:
    draft = "" if sent else "-草稿"
    return f"附件3汇总表-{centre.name}{draft}-{on:%Y%m%d}.xlsx"


# Empty ruled rows on the blank form the public call page offers.
BLANK_ROWS = 10


def render_summary(centre: Centre, call: Call, sent: bool, on: dt.date) -> bytes:
    """The 附件3 workbook: merged title and two-row header, one row per recommendation."""
    data = summary_input(centre, call, sent=sent, on=on)
    return _workbook(data, sent=sent, on=on, creator=centre.name)


def render_blank_summary() -> bytes:
    """The 附件3 as the call prints it: headers, empty ruled rows, footer to fill in by hand."""
    data = {"centre": "", "contact_person": "", "contact_phone": "", "rows": []}
    return _workbook(data, sent=True, on=None, creator=TITLE, blank_rows=BLANK_ROWS)


def _workbook(data: dict, *, sent: bool, on: dt.date | None, creator: str, blank_rows=0) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "附件3汇总表"
    wb.properties.title = TITLE
    wb.properties.creator = creator
    write_summary_sheet(ws, data, sent=sent, on=on, blank_rows=blank_rows)
    return save(wb)


def write_summary_sheet(ws, data: dict, *, sent: bool, on: dt.date | None, blank_rows=0) -> None:
    """One centre's 附件3 table on `ws`, from summary_input's data (or blank ruled rows)."""
    from openpyxl.styles import Alignment, Border, Font, Side

    rows = data["rows"]

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    body_font = Font(name=BODY_FONT, size=11)
    bold = Font(name=BODY_FONT, size=11, bold=True)

    for letter, _, width in COLUMNS:
        ws.column_dimensions[letter].width = width

    put_text(ws["A1"], TITLE)
    ws["A1"].font = Font(name=TITLE_FONT, size=18, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{LAST}1")
    ws.row_dimensions[1].height = 36

    put_text(ws["A2"], f"{CENTRE_LABEL}{data['centre']}")
    ws["A2"].font = body_font
    ws["A2"].alignment = Alignment(horizontal="left", vertical="center")
    ws.merge_cells("A2:E2")
    if not sent:
        ws["F2"] = DRAFT_NOTE
        ws["F2"].font = Font(name=BODY_FONT, size=11, bold=True, color="C00000")
        ws["F2"].alignment = Alignment(horizontal="right", vertical="center")
        ws.merge_cells(f"F2:{LAST}2")
    ws.row_dimensions[2].height = 24

    top, bottom = HEADER_ROWS
    for letter, header, _ in COLUMNS:
        if letter in ("F", "G"):
            ws[f"{letter}{bottom}"] = header
        else:
            ws[f"{letter}{top}"] = header
            ws.merge_cells(f"{letter}{top}:{letter}{bottom}")
    ws[f"F{top}"] = RECOMMEND_HEADER
    ws.merge_cells(f"F{top}:G{top}")
    for row in (top, bottom):
        ws.row_dimensions[row].height = 24
        for letter, _, _ in COLUMNS:
            cell = ws[f"{letter}{row}"]
            cell.font, cell.alignment, cell.border = bold, centred, border

    r = FIRST_ROW
    for number, row in enumerate(rows, start=1):
        values = [
            number,
            row["occupation"],
            row["work_type"],
            row["levels"],
            row["organisation"],
            TICK if row["lead"] else "",
            "" if row["lead"] else TICK,
            row["reason"],
        ]
        for (letter, _, _), value in zip(COLUMNS, values, strict=True):
            cell = ws[f"{letter}{r}"]
            # 序号 stays a number; everything else may be user text.
            if letter == "A":
                cell.value = value
            else:
                put_text(cell, value)
            cell.font, cell.border = body_font, border
            cell.alignment = left if letter in ("E", "H") else centred
        r += 1
    for _ in range(blank_rows):
        for letter, _, _ in COLUMNS:
            cell = ws[f"{letter}{r}"]
            cell.font, cell.alignment, cell.border = body_font, centred, border
        ws.row_dimensions[r].height = 24
        r += 1
    if not rows and not blank_rows:
        ws[f"A{r}"] = "（暂无推荐的申报单位）"
        ws.merge_cells(f"A{r}:{LAST}{r}")
        for letter, _, _ in COLUMNS:
            cell = ws[f"{letter}{r}"]
            cell.font, cell.alignment, cell.border = body_font, centred, border
        r += 1

    # One empty line between the table and the footer, as on the paper form.
    r += 1
    footer = [
        f"联系人：{data['contact_person']}",
        f"联系电话：{data['contact_phone']}",
        f"填报日期：{on.year}年{on.month}月{on.day}日"
        if on
        else "填报日期：　　　　年　　月　　日",
    ]
    for line in footer:
        put_text(ws[f"A{r}"], line)
        ws[f"A{r}"].font = body_font
        ws[f"A{r}"].alignment = Alignment(horizontal="left", vertical="center")
        ws.merge_cells(f"A{r}:E{r}")
        r += 1

    # Heights from the content: WPS/LibreOffice do not grow wrapped rows themselves.
    fit_row_heights(ws, FIRST_ROW, r - 1)
    print_setup(ws, header_rows=f"{top}:{bottom}", first_body_row=FIRST_ROW)
