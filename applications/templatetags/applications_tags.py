import datetime as dt

from django import template

from applications.models import Status

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
    return f"{deadline.year}年{deadline.month}月{deadline.day}日24时（北京时间）"


@register.simple_tag(takes_context=True)
def status_text(context, application):
    """The status label as the viewing user may know it (see Application.status_for)."""
    return application.status_for(context["user"]).label
