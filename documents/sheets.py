"""Workbook conventions shared by every table export, the same as 附件3's.

Text cells for anything a user typed (never a formula or a number guess), Chinese fonts
(黑体 title, 宋体 body), thin borders, a frozen and repeated header row, A4 landscape fitted to
the page width. openpyxl is imported inside the functions, as everywhere.
"""

import io

from tiku_portal.sheet_layout import BODY_FONT, TITLE_FONT, fit_row_heights
from tiku_portal.spreadsheets import put


def put_text(cell, value) -> None:
    """Write a value as a text cell through the portal's one text-cell rule, formatted as text."""
    put(cell, "" if value is None else str(value))
    cell.number_format = "@"


def table_workbook():
    from openpyxl import Workbook

    return Workbook()


def write_table(ws, title: str, subtitle: str, headers, widths, rows, numeric=()) -> None:
    """A titled table on `ws`: merged title and subtitle, bordered header and rows.

    `rows` are sequences of values; columns whose index is in `numeric` keep numbers (scores,
    counts), every other value is written as text through put_text.
    """
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    last = get_column_letter(len(headers))
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centred = Alignment(wrap_text=True, vertical="center", horizontal="center")
    body = Font(name=BODY_FONT, size=11)

    put_text(ws["A1"], title)
    ws["A1"].font = Font(name=TITLE_FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 32
    put_text(ws["A2"], subtitle)
    ws["A2"].font = body
    ws["A2"].alignment = Alignment(horizontal="left", vertical="center")
    ws.merge_cells(f"A2:{last}2")

    for column, header in enumerate(headers, start=1):
        cell = ws.cell(3, column)
        put_text(cell, header)
        cell.font = Font(name=BODY_FONT, size=11, bold=True)
        cell.alignment, cell.border = centred, border
    ws.row_dimensions[3].height = 24

    r = 4
    for row in rows:
        for column, value in enumerate(row, start=1):
            cell = ws.cell(r, column)
            if column - 1 in numeric and value is not None and value != "":
                cell.value = value
                cell.alignment = centred
            else:
                put_text(cell, value)
                cell.alignment = wrap
            cell.font, cell.border = body, border
        r += 1

    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    # WPS and LibreOffice do not grow wrapped rows themselves.
    fit_row_heights(ws, 3, r - 1)
    print_setup(ws, header_rows="3:3", first_body_row=4)


def print_setup(ws, *, header_rows: str, first_body_row: int) -> None:
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.freeze_panes = f"A{first_body_row}"
    ws.print_title_rows = header_rows
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5


def save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def sheet_title(name: str, taken: set) -> str:
    """A worksheet title Excel accepts (≤31 chars, none of []:*?/\\), unique in the workbook."""
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet"
    title, n = cleaned[:31], 2
    while title in taken:
        suffix = f"({n})"
        title, n = cleaned[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title
