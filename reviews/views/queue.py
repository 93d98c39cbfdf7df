"""A centre's queue of applications to review, and the zip of their PDFs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from applications.exporters import pdf_documents
from applications.models import SELECTION_STATES, Status, follows_selection
from applications.workflow import TransitionError
from catalog.models import Call
from documents.services import request_zip

from .. import services
from ..access import queue_for, require_centre_staff
from ..forms import QUEUE_STATUSES, QueueFilterForm
from ..services import centre_batch_sent

COUNTS_PARTIAL = "reviews/_queue_counts.html"
# Rows per page of the queue; the counts and the zip cover the whole filtered list.
PER_PAGE = 50


def _masked(user, call) -> bool:
    """Whether this centre still sees the province's decisions as 已报送省中心."""
    return call is not None and not follows_selection(user) and not call.results_published


def _filter_form(request, data, masked):
    return QueueFilterForm(data or None, masked=masked)


def _status_counts(queryset, masked) -> list[dict]:
    """Every queue status with its count, in workflow order, zeros included."""
    found = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    if masked:
        found[Status.SENT] = sum(found.pop(s, 0) for s in (Status.SENT, *SELECTION_STATES))
    return [
        {"status": value, "label": label, "count": found.get(value, 0)}
        for value, label in QUEUE_STATUSES
        if not (masked and value in SELECTION_STATES)
    ]


@login_required
def queue(request):
    require_centre_staff(request.user)
    call = Call.objects.select_related("publication").current(request.GET.get("call"))
    masked = _masked(request.user, call)
    form = _filter_form(request, request.GET, masked)
    form.is_valid()
    base = form.apply(queue_for(request.user, call), with_status=False)
    counts = _status_counts(base, masked)
    by_status = {row["status"]: row["count"] for row in counts}
    context = {
        "call": call,
        "form": form,
        "counts": counts,
        "total": sum(by_status.values()),
        # What waits for the centre: checking (submitted, in review), and a decision (verified).
        "to_check": by_status[Status.SUBMITTED] + by_status[Status.IN_REVIEW],
        "to_decide": by_status[Status.VERIFIED],
        "current_status": form.cleaned_data.get("status", "") if form.is_bound else "",
        "status_query": form.query(with_status=False),
    }
    # The dashboard loads the counts alone, with htmx.
    if request.htmx and request.GET.get("part") == "counts":
        return render(request, COUNTS_PARTIAL, {**context, "summary": True})
    applications = (
        form.apply(base)
        .with_latest_version()
        .select_related("call__publication", "organisation", "unit__entry", "review")
        .order_by("submitted_at", "pk")
    )
    # get_page turns a bad ?page= into page 1, and one past the end into the last page.
    page = Paginator(applications, PER_PAGE).get_page(request.GET.get("page"))
    context.update(
        page=page,
        applications=page.object_list,
        pagination=_pagination(page, form.query()),
        batch_sent=bool(call) and centre_batch_sent(call.pk, request.user.centre_id),
        filtered=form.is_bound and any(form.cleaned_data.get(k) for k in form.fields),
    )
    return render(request, "reviews/queue.html", context)


def _pagination(page, query: str) -> dict | None:
    """Previous, next and the numbered pages (with gaps); every link keeps the filters.

    Only the links carry ?page=; a filter submitted anew has none, so it starts at page 1.
    """
    if not page.has_other_pages():
        return None
    paginator = page.paginator
    base = reverse("reviews:queue")

    def href(number):
        params = "&".join(part for part in (query, f"page={number}" if number > 1 else "") if part)
        return f"{base}?{params}" if params else base

    numbers = paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return {
        "previous": href(page.previous_page_number()) if page.has_previous() else "",
        "next": href(page.next_page_number()) if page.has_next() else "",
        "pages": [
            {"gap": True}
            if number == paginator.ELLIPSIS
            else {"number": number, "url": href(number), "current": number == page.number}
            for number in numbers
        ],
    }


@login_required
@require_POST
def zip_pdfs(request):
    """Zip the PDFs of the queue as filtered (or of the ticked rows within it)."""
    user = request.user
    require_centre_staff(user)
    call = Call.objects.select_related("publication").current(request.POST.get("call"))
    form = _filter_form(request, request.POST, _masked(user, call))
    back = reverse("reviews:queue")
    if not form.is_valid():
        messages.error(request, "筛选条件有误，未生成打包文件。")
        return redirect(back)
    ids = list(
        form.apply(queue_for(user, call))
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
    )
    ticked = {int(value) for value in request.POST.getlist("ids") if value.isdigit()}
    # Ticked rows narrow the list; ids outside this centre's queue are ignored, never added.
    if ticked:
        ids = [pk for pk in ids if pk in ticked]
    if not ids:
        messages.warning(request, "当前筛选条件下没有可打包的申报书。")
        query = form.query()
        return redirect(f"{back}?{query}" if query else back)
    with transaction.atomic():
        pdfs = pdf_documents(ids)
        filename = _zip_filename(user, form.cleaned_data.get("status"))
        doc = request_zip(user, pdfs, filename, application_ids=ids)
    messages.info(
        request, f"已提交打包任务：共 {len(ids)} 份申报书的PDF。本页显示进度，完成后即可下载。"
    )
    return redirect("documents:detail", pk=doc.pk)


BULK_ACTIONS = {
    # action: (domain function, label, statuses it applies to)
    "start": (services.start_review, "开始审核", {Status.SUBMITTED}),
    "verify": (services.verify, "核实", {Status.SUBMITTED, Status.IN_REVIEW}),
}


@login_required
@require_POST
def bulk(request):
    """Start review or verify the ticked applications, one by one through the same functions.

    Each goes through services (hence set_state) in its own transaction, so each has its
    history row and notification; one refused does not undo the others. Returning and
    recommending need written reasons and stay on the review page, one by one.
    """
    user = request.user
    require_centre_staff(user)
    back = reverse("reviews:queue")
    action = BULK_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, "请选择要执行的批量操作。")
        return redirect(back)
    function, label, applies = action
    call = Call.objects.select_related("publication").current(request.POST.get("call"))
    ticked = {int(value) for value in request.POST.getlist("ids") if value.isdigit()}
    if not ticked:
        messages.warning(request, f"请先勾选要{label}的申报书。")
        return redirect(back)
    # Ids outside this centre's queue are ignored, never acted on.
    apps = list(
        queue_for(user, call)
        .filter(pk__in=ticked)
        .select_related("call", "organisation__centre", "unit__entry")
        .order_by("submitted_at", "pk")
    )
    done, refused = [], []
    for app in apps:
        if app.status not in applies:
            refused.append(f"{app.reference}（{app.status_label_for(user)}）")
            continue
        try:
            function(app, user)
        except TransitionError as exc:
            refused.append(f"{app.reference}（{exc}）")
        else:
            done.append(app.reference)
    if done:
        messages.success(request, f"已{label} {len(done)} 份申报书：{'、'.join(done)}。")
    if refused:
        messages.warning(request, f"以下 {len(refused)} 份未{label}：{'；'.join(refused)}。")
    if not done and not refused:
        messages.warning(request, "所勾选的申报书不在本中心的审核队列中。")
    return redirect(back)


def _zip_filename(user, status) -> str:
    parts = [user.centre.name, "申报表PDF"]
    if status:
        parts.append(Status(status).label)
    parts.append(timezone.localdate().isoformat())
    return "-".join(parts) + ".zip"
