"""The province's board as an Excel workbook (题库开发进度表); every cell from user text is text."""

import hashlib
import io
import json

from django.utils import timezone

from documents.exporters import DocumentError, Exporter
from tiku_portal.spreadsheets import put

HEADERS = [
    "序号",
    "职业（工种）",
    "牵头单位",
    "所在中心",
    "当前里程碑",
    "完成期限",
    "逾期",
    "待审核报告",
    "财政经费补助（万元）",
    "应拨付（万元）",
    "已拨付（万元）",
]


def _rows(doc):
    from .models import PaymentStage
    from .views import board_projects, board_rows

    if doc.call is None:
        raise DocumentError("进度表缺少征集批次，无法生成。")
    stages = list(PaymentStage.objects.filter(call=doc.call))
    user = doc.requested_by
    if user is None:
        raise DocumentError("请求人已不存在，无法生成。")
    today = timezone.localdate(doc.created_at)
    out = []
    for r in board_rows(board_projects(user, doc.call, doc.params), stages):
        p, cur, money = r["project"], r["current"], r["money"]
        out.append(
            [
                p.lead.title,
                p.lead.organisation.name,
                p.lead.organisation.centre.name,
                cur.step.name if cur else "全部完成",
                cur.step.due_on.isoformat() if cur else "",
                "是" if cur and cur.is_overdue(today) else "",
                str(p.awaiting),
                str(money.subsidy),
                str(money.due),
                str(money.paid),
            ]
        )
    return out


class ProjectsXlsx(Exporter):
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def input_hash(self, doc):
        return hashlib.sha256(json.dumps(_rows(doc), ensure_ascii=False).encode()).hexdigest()

    def filename(self, doc):
        return f"{doc.call.name}-题库开发进度表.xlsx".replace("/", "-")

    def render(self, doc, progress):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        wb = Workbook()
        ws = wb.active
        ws.title = "题库开发进度"
        ws.append(HEADERS)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for number, row in enumerate(_rows(doc), start=1):
            ws.append([number])
            for column, value in enumerate(row, start=2):
                cell = ws.cell(ws.max_row, column)
                # Text cells: a unit name starting with "=" must never become a formula.
                put(cell, value if isinstance(value, str) else str(value))
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.row_dimensions[ws.max_row].height = 30
        for letter, width in zip(
            "ABCDEFGHIJK", [6, 24, 30, 24, 16, 12, 6, 10, 14, 14, 14], strict=True
        ):
            ws.column_dimensions[letter].width = width
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()
