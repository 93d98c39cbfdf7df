"""The centre's review of one application: read it all, then start, return, verify or decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from applications import versions
from applications.access import application_for
from applications.models import EDITABLE, Event, Status
from applications.sections import ATTACHMENTS
from applications.views.attachments import attachments_context
from applications.views.detail import sections
from applications.views.paper import paper_context
from applications.workflow import TransitionError

from .. import services
from ..forms import DecisionForm, ReturnForm
from ..models import Review

ATTACHMENTS_SECTION = (ATTACHMENTS.key, ATTACHMENTS.title)
# The 项目优势 lines of section 一, shown beside the recommendation form.
ADVANTAGES = {
    "国家新职业研发经验",
    "国家职业技能标准开发经验",
    "人社部门国家题库开发经验",
    "人社部门省级题库开发经验",
}


def _review_of(app) -> Review | None:
    # With who saved it, shown on the page, in the same query.
    return Review.objects.select_related("updated_by").filter(application=app).first()


def _previous_return(events):
    """The return the applicant answered with the latest submission, if any."""
    submissions = [i for i, e in enumerate(events) if _is_change_to(e, Status.SUBMITTED)]
    earlier = events[: submissions[-1]] if submissions else []
    return next((e for e in reversed(earlier) if _is_change_to(e, Status.RETURNED)), None)


def _is_change_to(event, status) -> bool:
    # Paper-copy rows repeat the status they happened in; only status rows changed it.
    return event.kind == Event.Kind.STATUS and event.to_status == status


def _section_choices(app_sections) -> list[tuple[str, str]]:
    return [(s.key, s.title) for s in app_sections] + [ATTACHMENTS_SECTION]


def _page(
    request, app, *, return_form=None, decision_form=None, conflict=None, status=200, seen=None
):
    # One query for the experts, shared by the sections and the attachments block.
    prefetch_related_objects([app], "experts")
    app_sections = sections(app)
    review = _review_of(app)
    sent = services.batch_sent(app)
    checking = not sent and app.status in services.CHECKING
    deciding = not sent and app.status in services.DECIDABLE
    if checking and return_form is None:
        return_form = ReturnForm(section_choices=_section_choices(app_sections))
    if deciding and decision_form is None:
        decision_form = DecisionForm(application=app, review=review)
    # A city centre sees no trace of the province's deliberation (follows_selection).
    events = list(app.events.visible_to(request.user).select_related("actor"))
    pdf_documents = list(
        app.documents.filter(kind="application_pdf")
        .select_related("snapshot")
        .order_by("-snapshot__number")
    )
    # One PDF per submitted version: more than one means the centre reads a resubmission.
    resubmitted = len(pdf_documents) > 1 and app.status not in EDITABLE
    context = {
        **attachments_context(request, app),
        **paper_context(request, app),
        "application": app,
        "sections": app_sections,
        "advantages": [
            row
            for s in app_sections
            if s.key == "basic"
            for row in s.rows
            if row.label in ADVANTAGES
        ],
        "experts": list(app.experts.all()),
        "events": events,
        # While the applicant revises, the page repeats what the centre asked for.
        "last_return": next(
            (e for e in reversed(events) if _is_change_to(e, Status.RETURNED)), None
        ),
        "pdf_documents": pdf_documents,
        "resubmission": len(pdf_documents) if resubmitted else None,
        "previous_return": _previous_return(events) if resubmitted else None,
        "review": review,
        "batch_sent": sent,
        "batch_sent_message": services.BATCH_SENT_MESSAGE,
        "can_start": not sent and app.status == Status.SUBMITTED,
        # A refused form is shown again whatever the status, so nothing typed is lost.
        "return_form": return_form if checking or _bound(return_form) else None,
        "can_verify": checking,
        "decision_form": decision_form if deciding or _bound(decision_form) else None,
        "conflict": conflict,
        # Since the version this reviewer last opened (or the previous one): 版本变化 link.
        "changes_since": versions.default_pair(
            [d.snapshot.number for d in pdf_documents if d.snapshot], seen
        )
        if resubmitted
        else None,
        "seen_before": seen,
    }
    return render(request, "reviews/review.html", context, status=status)


def _bound(form) -> bool:
    return form is not None and form.is_bound


@login_required
def review(request, pk):
    app = application_for(request.user, pk, action="review")
    seen = versions.last_seen(request.user, app)
    response = _page(request, app, seen=seen)
    # Opening the review page counts as having looked at the newest version.
    newest = app.snapshots.order_by("-number").values_list("number", flat=True).first()
    if newest:
        versions.mark_seen(request.user, app, newest)
    return response


def _act(request, app, action, success: str):
    try:
        action(app, request.user)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("reviews:review", pk=app.pk)


@login_required
@require_POST
def start(request, pk):
    app = application_for(request.user, pk, action="review")
    return _act(request, app, services.start_review, "已开始审核，申报单位不能再撤回这份申报书。")


@login_required
@require_POST
def verify(request, pk):
    app = application_for(request.user, pk, action="review")
    return _act(request, app, services.verify, "已核实。请填写推荐意见和评价中心意见。")


@login_required
@require_POST
def return_for_revision(request, pk):
    app = application_for(request.user, pk, action="review")
    form = ReturnForm(request.POST, section_choices=_section_choices(sections(app)))
    if not form.is_valid():
        return _page(request, app, return_form=form)
    try:
        services.return_for_revision(
            app, request.user, form.section_titles(), form.cleaned_data["text"]
        )
    except TransitionError as exc:
        messages.error(request, f"未退回：{exc}")
        # The transaction was rolled back; the status in memory may not have been.
        app.refresh_from_db(fields=["status"])
        return _page(request, app, return_form=form)
    messages.success(request, "已退回申报单位修改；退回意见已写入办理记录，申报单位可以看到。")
    return redirect("reviews:review", pk=app.pk)


@login_required
@require_POST
def recommend(request, pk):
    app = application_for(request.user, pk, action="review")
    form = DecisionForm(request.POST, application=app, review=_review_of(app))
    if not form.is_valid():
        return _page(request, app, decision_form=form)
    try:
        review = services.save_decision(
            app, request.user, version=form.expected_version, **form.decision()
        )
    except services.ReviewConflict as conflict:
        app.refresh_from_db(fields=["status"])
        return _page(request, app, decision_form=form, conflict=conflict, status=409)
    except TransitionError as exc:
        # Keep what was typed on the page; the message says why nothing was saved.
        messages.error(request, f"推荐意见未保存：{exc}")
        app.refresh_from_db(fields=["status"])
        return _page(request, app, decision_form=form)
    messages.success(
        request, f"已保存：{review.get_recommendation_display()}。申报表PDF第五部分将随之更新。"
    )
    return redirect("reviews:review", pk=app.pk)
