"""The one way text goes into a workbook cell: as text, exactly as typed, never a formula.

openpyxl turns any str that starts with "=" into a formula and "#N/A"-like strings into error
values. Every workbook the portal writes (附件3, the results sheet, the catalog export, any
later export) writes user- and admin-supplied strings through `put`, `write` or `append`.
"""

import re

# openpyxl refuses these control characters; they cannot be shown in a cell anyway.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The most characters Excel keeps in one cell.
MAX_CELL_CHARS = 32767
# A cell typed with these in Excel or WPS would be read as a formula: the quote prefix keeps
# it text when someone edits the cell later.
FORMULA_STARTS = ("=", "+", "-", "@")


def put(cell, value):
    """Write ``value`` into ``cell``; a str is always a text cell showing exactly that str."""
    if isinstance(value, str):
        text = _ILLEGAL.sub("", value)[:MAX_CELL_CHARS]
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def write(sheet, row: int, column: int, value):
    """``put`` into the cell at ``row``, ``column`` (1-based)."""
    return put(sheet.cell(row=row, column=column), value)


def append(sheet, values) -> int:
    """Like ``Worksheet.append`` with every str written as text; returns the row number."""
    # openpyxl's own next-row counter, the one Worksheet.append uses.
    row = sheet._current_row + 1
    for column, value in enumerate(values, start=1):
        write(sheet, row, column, value)
    sheet._current_row = row
    return row
