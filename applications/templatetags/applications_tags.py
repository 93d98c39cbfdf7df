import datetime as dt
import re

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from applications.models import Status
from tiku_portal import dates

register = template.Library()

# One colour per state, used wherever a status badge is shown.
BADGE = {
    Status.DRAFT: "text-bg-secondary",
    Status.SUBMITTED: "text-bg-primary",
    Status.IN_REVIEW: "text-bg-info",
    Status.RETURNED: "text-bg-warning",
    Status.NOT_RECOMMENDED: "text-bg-danger",
    Status.NOT_SELECTED: "text-bg-danger",
    Status.SENT: "text-bg-dark",
}


@register.inclusion_tag("applications/_status_badge.html", takes_context=True)
def status_badge(context, application, extra=""):
    status = application.status_for(context["user"])
    return {"css": BADGE.get(status, "text-bg-success"), "label": status.label, "extra": extra}


@register.filter
def deadline_text(deadline: dt.date | None) -> str:
    """A deadline as every page words it: "2023年6月23日24时（北京时间）"."""
    if not deadline:
        return ""
    return dates.deadline(deadline)


def days_left(deadline: dt.date, today: dt.date | None = None) -> int:
    """Whole days until the deadline day ends (0 on the day itself, negative once passed)."""
    return (deadline - (today or timezone.localdate())).days


@register.filter
def countdown(deadline: dt.date | None) -> str:
    """“还剩 N 天” beside a deadline; the deadline day itself and a passed one say so."""
    if not deadline:
        return ""
    left = days_left(deadline)
    if left < 0:
        text, tone = "已截止", "text-body-secondary"
    elif left == 0:
        text, tone = "今天24时截止", "text-danger fw-semibold"
    else:
        text, tone = f"还剩 {left} 天", "text-danger fw-semibold" if left <= 7 else ""
    return format_html(
        '<span class="countdown badge-countdown {}" data-testid="countdown">（{}）</span>',
        tone,
        text,
    )


# Where a long Chinese organisation or project name may break: after a place name and before
# the words that end such names. Anywhere else a break splits a word (“…培训学/校”).
_BREAK_AFTER = re.compile(r"(省|市|县|区|）|\))")
_BREAK_BEFORE = re.compile(
    r"(?=(?:有限责任公司|股份有限公司|有限公司|职业技能|技能|培训|技师学院|职业技术学院|学院|学校|研究院|协会|中心))"
)


@register.filter
def cover_fit(text: str) -> str:
    """A cover line set in the largest size (PDF cover) at which it fits, broken only between words.

    Up to 15 characters fit the line at 15pt, 19 at 12pt, 25 at 9pt; longer names wrap at
    10.5pt. Each word is kept whole (`white-space: nowrap` in application.css; WeasyPrint has
    no `word-break: keep-all`) and the line may break only at the zero-width spaces between.
    """
    text = str(text or "")
    length = len(text)
    size = (
        "fit-15"
        if length <= 15
        else "fit-12"
        if length <= 19
        else "fit-9"
        if length <= 25
        else "fit-wrap"
    )
    pieces = _BREAK_BEFORE.split(_BREAK_AFTER.sub(lambda m: m.group(0) + "\0", text))
    words = [w for p in pieces for w in p.split("\0") if w]
    inner = mark_safe("\u200b".join(format_html('<span class="w">{}</span>', w) for w in words))
    return format_html('<span class="cover-value {}">{}</span>', size, inner)


@register.simple_tag(takes_context=True)
def status_text(context, application):
    """The status label as the viewing user may know it (see Application.status_for)."""
    return application.status_for(context["user"]).label
