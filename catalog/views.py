from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers

from .forms import CatalogFilterForm
from .models import Call, Entry


def _pick_call(calls, slug):
    """The call asked for, else the open one, else the newest; ``calls`` is open-first, newest-first."""
    for call in calls:
        if call.slug == slug:
            return call
    return calls[0] if calls else None


def _wants_partial(request) -> bool:
    # History restores and boosted links expect a whole page even though they come from htmx.
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def entry_list(request):
    calls = list(Call.objects.order_by("-is_open", "-notice_date", "-pk"))
    call = _pick_call(calls, request.GET.get("call"))
    form = CatalogFilterForm(request.GET, call=call)
    entries = list(form.entries())
    context = {
        "calls": calls,
        "call": call,
        "form": form,
        "entries": entries,
        "unit_total": sum(entry.unit_count for entry in entries),
    }
    template = "catalog/_results.html" if _wants_partial(request) else "catalog/entry_list.html"
    response = render(request, template, context)
    # The same URL answers with a fragment or a page depending on this header; caches must know.
    patch_vary_headers(response, ("HX-Request",))
    return response


def entry_detail(request, call, number):
    entry = get_object_or_404(Entry.objects.with_units(), call__slug=call, number=number)
    user = request.user
    # Visitors are offered the same link behind a login; centre staff never apply.
    offer_start = entry.call.accepting and (not user.is_authenticated or user.is_applicant)
    context = {"entry": entry, "call": entry.call, "offer_start": offer_start}
    return render(request, "catalog/entry_detail.html", context)
