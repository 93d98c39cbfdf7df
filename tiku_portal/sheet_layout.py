"""Workbook layout that WPS and LibreOffice show as Excel does.

Neither auto-sizes a row on opening: a wrapped cell without an explicit row height keeps the
default 15 pt and its text is clipped or drawn over the next row. So every row gets a height
from its content, estimated from the column widths and the width of each character (a CJK
character is two of Excel's width units), and every cell names a Chinese font.
"""

import math
import unicodedata

# The fonts of the official forms: 宋体 for text, 黑体 for titles. WPS and Excel have both;
# LibreOffice substitutes a CJK serif/sans (Noto CJK on our servers), never Calibri.
BODY_FONT = "宋体"
TITLE_FONT = "黑体"
# Points of row height per line of 11 pt text, and the cell's top+bottom padding.
LINE_HEIGHT = {11: 14.4, 10: 13.2, 12: 15.6}
PADDING = 4.0
MIN_HEIGHT = 20.0


def text_width(text: str) -> float:
    """Width of one line in Excel's column units (a CJK character is two)."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def line_count(text, width: float) -> int:
    """Lines a wrapped cell of `width` column units needs for `text`."""
    if text is None or text == "":
        return 1
    usable = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(text_width(line) / usable)) for line in str(text).split("\n"))


def fit_row_heights(ws, first_row: int, last_row: int, font_size: int = 11) -> None:
    """Set each row's height to hold its tallest wrapped cell (merged cells use their span)."""
    from openpyxl.utils import get_column_letter

    widths = {}
    for col in range(1, ws.max_column + 1):
        letter = get_column_letter(col)
        widths[col] = ws.column_dimensions[letter].width or 8.43
    spans = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_row == merged.max_row:
            spans[(merged.min_row, merged.min_col)] = sum(
                widths[c] for c in range(merged.min_col, merged.max_col + 1)
            )
    per_line = LINE_HEIGHT.get(font_size, font_size * 1.31)
    for row in range(first_row, last_row + 1):
        lines = 1
        for cell in ws[row]:
            if (
                cell.value is None
                or cell.coordinate in ws.merged_cells
                and (row, cell.column) not in spans
            ):
                continue
            width = spans.get((row, cell.column), widths.get(cell.column, 8.43))
            lines = max(lines, line_count(cell.value, width))
        ws.row_dimensions[row].height = max(MIN_HEIGHT, round(lines * per_line + PADDING, 1))
