"""The trail as a workbook, with the same filters as the trail page."""

from django.utils import timezone

from documents.sheets import save, table_workbook, write_table

HEADERS = ["序号", "时间", "操作人", "对象类型", "对象", "字段", "原值", "新值"]
WIDTHS = [7, 17, 18, 14, 34, 18, 36, 36]


def render_trail(call, params: dict, progress=None) -> bytes:
    from .forms import TrailFilterForm

    form = TrailFilterForm(params or None)
    changes = form.apply(call)
    rows = []
    for number, change in enumerate(changes.iterator(chunk_size=500), start=1):
        rows.append(
            [
                number,
                timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M:%S"),
                str(change.actor) if change.actor else "（已删除的用户）",
                change.get_subject_display(),
                change.object_label,
                change.field_label,
                change.old,
                change.new,
            ]
        )
    wb = table_workbook()
    ws = wb.active
    ws.title = "修改记录"
    subtitle = f"{call.name} · 导出时间 {timezone.localtime():%Y-%m-%d %H:%M}"
    write_table(ws, "修改留痕记录", subtitle, HEADERS, WIDTHS, rows, numeric={0})
    return save(wb)
