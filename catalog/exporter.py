"""Write a call's catalog in the 附件1 layout (.xlsx for people, .tsv for the fixtures)."""

from pathlib import Path

from tiku_portal.spreadsheets import append

from .models import Entry
from .tabular import COLUMNS, INTEGER_COLUMNS, EntryData, to_rows, to_tsv

# Characters per column; the 工种 column holds long lists and wraps.
COLUMN_WIDTHS = {"序号": 6, "职业": 24, "工种": 60, "职业(工种)数量": 10, "等级": 8, "国标版本": 12}
DEFAULT_WIDTH = 30


def catalog_entries(call) -> list[EntryData]:
    return [EntryData.from_entry(e) for e in Entry.objects.filter(call=call).with_units()]


def write_xlsx(entries: list[EntryData], out):
    """Header in row 1 and one row per entry, so importer errors point at the same rows."""
    # openpyxl is heavy and only needed here, so it loads on first use.
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "参考目录"
    wrap = Alignment(wrap_text=True, vertical="top")
    integer_indexes = {COLUMNS.index(c) for c in INTEGER_COLUMNS}
    for row_index, row in enumerate(to_rows(entries)):
        is_header = row_index == 0
        cells = [
            int(value) if not is_header and i in integer_indexes else value
            for i, value in enumerate(row)
        ]
        append(sheet, cells)
        for cell in sheet[row_index + 1]:
            cell.alignment = wrap
            if is_header:
                cell.font = Font(bold=True)
            elif cell.data_type == "s":
                # Text format keeps Excel from reading a typed "5-1" as the date 5 May.
                cell.number_format = "@"
    for i, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = COLUMN_WIDTHS.get(
            column, DEFAULT_WIDTH
        )
    sheet.freeze_panes = "A2"
    workbook.save(out)


def export_catalog(call, path) -> int:
    """Write the call's catalog to ``path`` (.xlsx or .tsv); return the number of entries."""
    path = Path(path)
    entries = catalog_entries(call)
    if path.suffix.lower() == ".tsv":
        path.write_text(to_tsv(entries), encoding="utf-8")
    else:
        write_xlsx(entries, path)
    return len(entries)
