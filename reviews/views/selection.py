"""The province's decisions on applicants, the publication of the results, and the charts."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from applications.access import application_for
from catalog.models import Call

from .. import selection
from ..board import parse_key
from ..forms_selection import DecisionForm
from ..models import unit_key_for
from .board import compare_page, compare_url, province_only

# Undecided applications listed on the publish page.
UNDECIDED_SHOWN = 50


def _back(request, app) -> str:
    """Where the decide form came from, else the applicant's column on the compare page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return f"{compare_url(unit_key_for(app), app.call)}#applicant-{app.pk}"


def _publish_url(call) -> str:
    return f"{reverse('reviews:publish')}?{urlencode({'call': call.slug})}"


@province_only
@require_POST
def decide(request, pk):
    app = application_for(request.user, pk, action="select")
    org = app.organisation.name
    if request.POST.get("action") == "revoke":
        try:
            selection.revoke(app, request.user, request.POST.get("reason", ""))
        except selection.SelectionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已撤销对“{org}”的遴选结果。")
        return redirect(_back(request, app))
    form = DecisionForm(request.POST, application=app)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decided = selection.decide(
                app, request.user, data["outcome"], data["reason"], data["subsidy"]
            )
        except selection.SelectionError as exc:
            form.add_error(None, str(exc))
        else:
            outcome = decided.get_outcome_display()
            if decided.outcome == decided.Outcome.NOT_SELECTED:
                outcome = f"确定为{outcome}"
            messages.success(request, f"已将“{org}”{outcome}。")
            return redirect(_back(request, app))
    # Shown again in place on the comparison, with its errors and what was typed.
    key = parse_key(unit_key_for(app))
    return compare_page(request, key, app.call, decisions={app.pk: form}, status=400)


@province_only
def publish(request):
    call = Call.objects.current(request.POST.get("call") or request.GET.get("call"))
    if call is None:
        return render(request, "reviews/publish.html", {"call": None})
    if request.method == "POST":
        try:
            selection.publish(call, request.user)
        except selection.SelectionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "遴选结果已发布，已通知各申报单位；遴选结果表正在生成。")
        return redirect(_publish_url(call))
    publication = selection.publication_of(call)
    pending = selection.undecided(call)
    # The first rows only: the rest are found on the board; the count says how many wait.
    waiting = [] if publication else selection.first_undecided(call, UNDECIDED_SHOWN)
    unsent = [] if publication else selection.unsent_centres(call)
    deadline_passed = call.deadline_passed()
    for app in waiting:
        app.compare_url = f"{compare_url(unit_key_for(app), call)}#applicant-{app.pk}"
    context = {
        "call": call,
        "publication": publication,
        "counts": selection.publish_summary(call),
        "undecided": waiting,
        "undecided_count": 0 if publication or not waiting else pending.count(),
        "unsent": unsent,
        # Before the deadline, centres with nothing sent yet may still receive applications.
        "quiet": [] if publication or deadline_passed else selection.quiet_centres(call, unsent),
        "deadline_passed": deadline_passed,
        "doc": selection.results_document(call),
    }
    return render(request, "reviews/publish.html", context)


@province_only
def charts(request):
    call = Call.objects.current(request.GET.get("call"))
    data = selection.chart_data(call) if call else None
    return render(request, "reviews/charts.html", {"call": call, "data": data})
