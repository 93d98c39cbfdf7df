"""The provincial centre's selection board, the comparison of one unit's applicants, and scoring."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from applications.access import application_for
from catalog.models import Call

from .. import board as queries
from ..forms_board import BoardFilterForm, ScoreForm, WeightsForm
from ..forms_selection import DecisionForm
from ..models import unit_key_for
from ..scoring import CRITERIA, save_score, set_weights


def province_only(view):
    """Provincial staff only: anonymous users log in, every other role gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_province_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# Applicants side by side per page of the comparison, and rows of those still at a centre.
PER_PAGE = 10
ELSEWHERE_SHOWN = 50


def compare_url(key: str, call=None, page=1) -> str:
    params = {"key": key}
    if call is not None:
        params["call"] = call.slug
    if page > 1:
        params["page"] = page
    return f"{reverse('reviews:compare')}?{urlencode(params)}"


@province_only
def board(request):
    call = Call.objects.current(request.GET.get("call"))
    # The dashboard loads the board's numbers into itself: a fragment, never a whole page.
    if request.GET.get("part") == "summary":
        summary = queries.summary(call) if call else None
        context = {"call": call, "summary": summary}
        return render(request, "reviews/_board_summary.html", context)
    if call is None:
        return render(request, "reviews/board.html", {"call": None})
    form = BoardFilterForm(request.GET or None, call=call)
    rows = queries.board_rows(call, **form.filters())
    counts = queries.flag_counts(rows)
    chosen = form.chosen_flag
    if chosen:
        rows = [row for row in rows if row.flag == chosen]
    context = {
        "call": call,
        "form": form,
        "rows": rows,
        "flags": [(flag, counts[flag.value], queries.FLAG_CSS[flag]) for flag in queries.Flag],
        "total": sum(counts.values()),
        "chosen_flag": chosen,
    }
    return render(request, "reviews/board.html", context)


def compare_page(request, key, call, bound=None, decisions=None, status=200):
    """The comparison of one unit's applicants.

    ``bound`` and ``decisions`` hold a score or decision form that failed, by application:
    shown in place with their errors and what was typed.
    """
    title = queries.key_title(call, key)
    if title is None:
        raise Http404("该职业（工种）不在本批次中")
    # A catalog unit belongs to exactly one call, whatever the link said.
    if title["unit"] is not None:
        call = title["unit"].entry.call
    weights = queries.weights_for(call)
    ranked, elsewhere = queries.applicants(call, key, weights)
    bound, decisions = bound or {}, decisions or {}
    # Ranked over every applicant; a page shows some of them, with forms for those only.
    number = request.GET.get("page")
    failed = [i for i, a in enumerate(ranked) if a.pk in {*bound, *decisions}]
    if failed:
        number = failed[0] // PER_PAGE + 1
    page = Paginator(ranked, PER_PAGE).get_page(number)
    compared = list(page.object_list)
    shown_elsewhere = elsewhere[:ELSEWHERE_SHOWN]
    queries.with_details([*compared, *shown_elsewhere])
    for applicant in compared:
        app = applicant.application
        applicant.score_form = bound.get(app.pk) or ScoreForm(
            application=app, score=applicant.score
        )
        applicant.decision_form = decisions.get(app.pk) or DecisionForm(application=app)
        applicant.back_url = f"{compare_url(key.raw, call, page.number)}#applicant-{app.pk}"
    context = {
        "call": call,
        "key": key,
        "title": title,
        "weights": weights,
        "compared": compared,
        "compared_count": len(ranked),
        "page": page,
        "page_urls": {
            "previous": compare_url(key.raw, call, page.number - 1) if page.has_previous() else "",
            "next": compare_url(key.raw, call, page.number + 1) if page.has_next() else "",
        },
        "elsewhere": shown_elsewhere,
        "elsewhere_count": len(elsewhere),
        "board_url": f"{reverse('reviews:board')}?{urlencode({'call': call.slug})}",
        # The applicant whose score was not saved, named at the top of the page.
        "unsaved": [a for a in compared if a.application.pk in bound],
        # Named at the top of the page, with a refusal that is not about one field.
        "unsaved_decisions": [
            (a.application, decisions[a.application.pk])
            for a in [*compared, *shown_elsewhere]
            if a.application.pk in decisions
        ],
    }
    return render(request, "reviews/compare.html", context, status=status)


@province_only
def compare(request):
    key = queries.parse_key(request.GET.get("key", ""))
    call = Call.objects.current(request.GET.get("call"))
    if key is None or call is None:
        raise Http404("未指定职业（工种）")
    return compare_page(request, key, call)


@province_only
@require_POST
def score(request, pk):
    app = application_for(request.user, pk, action="select")
    key = unit_key_for(app)
    target = f"{compare_url(key, app.call)}#applicant-{app.pk}"
    form = ScoreForm(request.POST, application=app)
    if form.is_valid():
        try:
            save_score(app, request.user, form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # Not about a field: the application cannot be scored at all.
                messages.error(request, "；".join(exc.messages))
                return redirect(target)
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存对“{app.organisation.name}”的评分。")
            return redirect(target)
    # Shown again in place with its errors, keeping what was typed.
    return compare_page(request, queries.parse_key(key), app.call, bound={app.pk: form})


@province_only
def weights(request):
    """The call's scoring weights: shown to the province, changed until results are published."""
    call = Call.objects.current(request.POST.get("call") or request.GET.get("call"))
    if call is None:
        raise Http404("暂无征集批次")
    current = queries.weights_for(call)
    published = call.results_published
    initial = {name: getattr(current, name) for name in CRITERIA}
    form = WeightsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            set_weights(call, request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "评分权重已保存，各申报单位的综合得分已按新权重计算。")
            return redirect(f"{reverse('reviews:weights')}?{urlencode({'call': call.slug})}")
    context = {"call": call, "weights": current, "form": form, "published": published}
    return render(request, "reviews/weights.html", context)
