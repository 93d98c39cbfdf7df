"""Excel exports of the review screens: the queue and the board as filtered, every score with
its notes, and the province's combined 附件3 for a call.

Each is rendered in the background as a documents exporter (documents/exporters.py) from the
parameters the page sent; the filters are applied again here, for the requester, so an
export shows exactly what that person may see (a city never sees unpublished decisions).
"""

from django.utils import timezone

from applications.models import follows_selection
from catalog.levels import Level
from documents.sheets import save, sheet_title, table_workbook, write_table

from .access import queue_for
from .models import Batch, Score
from .scoring import weighted_total
from .summary import COLUMNS as SUMMARY_COLUMNS
from .summary import TITLE as SUMMARY_TITLE
from .summary import summary_input, write_summary_sheet

QUEUE_HEADERS = [
    "序号",
    "申报书编号",
    "职业",
    "工种",
    "申报等级",
    "申报单位",
    "开发意向",
    "状态",
    "推荐意见",
    "提交时间",
]
QUEUE_WIDTHS = [6, 14, 18, 18, 16, 30, 14, 14, 16, 17]

BOARD_HEADERS = [
    "序号",
    "职业",
    "工种",
    "浙派工匠系列",
    "产业",
    "申报数",
    "已报送",
    "推荐牵头",
    "推荐参与",
    "状态",
    "已定牵头单位",
]
BOARD_WIDTHS = [6, 18, 18, 14, 10, 8, 8, 9, 9, 10, 30]

SCORE_HEADERS = [
    "序号",
    "申报书编号",
    "职业",
    "工种",
    "申报单位",
    "评价中心",
    "中心推荐意见",
    "专业团队力量",
    "资金保障能力",
    "题库开发经验",
    "综合得分",
    "评分说明",
    "评分人",
    "评分时间",
]
SCORE_WIDTHS = [6, 14, 16, 16, 28, 20, 14, 10, 10, 10, 10, 40, 12, 17]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _levels(app) -> str:
    return "、".join(Level(n).label for n in sorted(app.levels, reverse=True))


def queue_rows(user, call, params: dict) -> list[list]:
    """The centre's queue as its filter form narrows it, statuses as this user may know them."""
    from .forms import QueueFilterForm

    masked = not follows_selection(user) and not call.results_published
    form = QueueFilterForm(params or None, masked=masked)
    form.is_valid()
    apps = (
        form.apply(queue_for(user, call))
        .select_related("call__publication", "organisation", "unit__entry", "review")
        .order_by("submitted_at", "pk")
    )
    rows = []
    for number, app in enumerate(apps, start=1):
        review = getattr(app, "review", None)
        rows.append(
            [
                number,
                app.reference,
                app.occupation_name,
                app.work_type_name,
                _levels(app),
                app.organisation.name,
                app.get_intention_display(),
                # The one visibility rule: a city sees 已报送省中心 until publication.
                app.status_for(user).label,
                review.get_recommendation_display() if review else "",
                _when(app.submitted_at),
            ]
        )
    return rows


def render_queue(user, call, params: dict) -> bytes:
    wb = table_workbook()
    ws = wb.active
    ws.title = "审核队列"
    centre = user.centre.name if user.centre_id else ""
    subtitle = f"{centre} · {call.name} · 导出时间 {_when(timezone.now())}"
    rows = queue_rows(user, call, params)
    write_table(ws, "申报书审核队列", subtitle, QUEUE_HEADERS, QUEUE_WIDTHS, rows, numeric={0})
    return save(wb)


def board_table(call, params: dict) -> list[list]:
    from . import board as queries
    from .forms_board import BoardFilterForm

    form = BoardFilterForm(params or None, call=call)
    rows = queries.board_rows(call, **form.filters())
    if form.chosen_flag:
        rows = [row for row in rows if row.flag == form.chosen_flag]
    return [
        [
            row.number if row.number is not None else "目录外",
            row.occupation,
            row.work_type,
            row.series,
            row.industry,
            row.applied,
            row.sent,
            row.leads,
            row.participants,
            row.flag.label,
            row.lead_organisation,
        ]
        for row in rows
    ]


def render_board(call, params: dict) -> bytes:
    wb = table_workbook()
    ws = wb.active
    ws.title = "遴选总表"
    subtitle = f"{call.name} · 导出时间 {_when(timezone.now())}"
    write_table(
        ws,
        "省级题库开发申报遴选总表",
        subtitle,
        BOARD_HEADERS,
        BOARD_WIDTHS,
        board_table(call, params),
        numeric={0, 5, 6, 7, 8},
    )
    return save(wb)


def score_rows(call) -> list[list]:
    from .board import weights_for

    weights = weights_for(call)
    scores = (
        Score.objects.filter(application__call=call)
        .select_related(
            "application__call",
            "application__organisation__centre",
            "application__unit__entry",
            "application__review",
            "scored_by",
        )
        .order_by(
            "application__unit__entry__number",
            "application__unit__position",
            "application__custom_occupation",
            "application__organisation__name",
        )
    )
    rows = []
    for number, score in enumerate(scores, start=1):
        app = score.application
        review = getattr(app, "review", None)
        total = weighted_total(score, weights)
        rows.append(
            [
                number,
                app.reference,
                app.occupation_name,
                app.work_type_name,
                app.organisation.name,
                app.organisation.centre.name,
                review.get_recommendation_display() if review else "",
                score.team,
                score.funding,
                score.experience,
                float(total) if total is not None else None,
                score.notes,
                str(score.scored_by) if score.scored_by else "",
                _when(score.scored_at),
            ]
        )
    return rows


def render_scores(call) -> bytes:
    from .board import weights_for

    weights = weights_for(call)
    wb = table_workbook()
    ws = wb.active
    ws.title = "遴选评分"
    subtitle = (
        f"{call.name} · 权重：专业团队力量{weights.team}%、资金保障能力{weights.funding}%、"
        f"题库开发经验{weights.experience}% · 导出时间 {_when(timezone.now())}"
    )
    write_table(
        ws,
        "省级题库开发单位遴选评分",
        subtitle,
        SCORE_HEADERS,
        SCORE_WIDTHS,
        score_rows(call),
        numeric={0, 7, 8, 9, 10},
    )
    return save(wb)


def sent_batches(call):
    """The call's batches as sent to the province, in the centres' order."""
    return list(
        Batch.objects.filter(call=call, state=Batch.State.SENT)
        .select_related("centre")
        .order_by("centre__position", "centre__code")
    )


def combined_input(call) -> list[tuple]:
    """(centre, sent date, 附件3 data) for every centre that has sent, as sent."""
    result = []
    for batch in sent_batches(call):
        on = timezone.localdate(batch.sent_at)
        result.append((batch.centre, on, summary_input(batch.centre, call, sent=True, on=on)))
    return result


ALL_ROWS_HEADERS = ["序号", "评价中心", *(h for _, h, _ in SUMMARY_COLUMNS[1:5]), "推荐意见"]
ALL_ROWS_HEADERS += ["推荐理由概要", "报送日期"]
ALL_ROWS_WIDTHS = [6, 22, 18, 20, 10, 30, 14, 50, 12]


def render_combined(call, progress=None) -> bytes:
    """One 附件3 sheet per centre as it was sent, then one sheet of every row."""
    wb = table_workbook()
    everything = wb.active
    everything.title = "全部汇总"
    wb.properties.title = SUMMARY_TITLE
    taken = {everything.title}
    inputs = combined_input(call)
    all_rows = []
    for done, (centre, on, data) in enumerate(inputs, start=1):
        ws = wb.create_sheet(sheet_title(centre.name, taken))
        write_summary_sheet(ws, data, sent=True, on=on)
        for row in data["rows"]:
            all_rows.append(
                [
                    len(all_rows) + 1,
                    centre.name,
                    row["occupation"],
                    row["work_type"],
                    row["levels"],
                    row["organisation"],
                    "牵头单位" if row["lead"] else "参与单位",
                    row["reason"],
                    on.isoformat(),
                ]
            )
        if progress:
            progress(round(90 * done / max(len(inputs), 1)))
    names = "、".join(centre.name for centre, _, _ in inputs) or "暂无中心报送"
    write_table(
        everything,
        SUMMARY_TITLE,
        f"{call.name} · 已报送：{names}",
        ALL_ROWS_HEADERS,
        ALL_ROWS_WIDTHS,
        all_rows,
        numeric={0},
    )
    return save(wb)


def combined_hash_data(call) -> list:
    return [
        [centre.name, on.isoformat(), data["rows"], data["contact_person"], data["contact_phone"]]
        for centre, on, data in combined_input(call)
    ]
