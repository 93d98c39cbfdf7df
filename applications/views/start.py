"""Starting an application for the open call: the basis, the levels, the intention."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from catalog.levels import Level
from catalog.models import Call, deadline_passed

from ..forms.start import StartForm, catalog_units, offered_range, search_units
from ..models import Basis, deadline_for
from ..services import DuplicateApplication, start_application

# More matches than this means the search words are too short to be useful.
SEARCH_LIMIT = 30


def _require_applicant(user):
    # Only an organisation applies; centre staff and administrators read, never start.
    if not user.is_applicant:
        raise PermissionDenied


@login_required
def start(request):
    _require_applicant(request.user)
    current = Call.objects.current()
    # A call closed by publishing its results takes no new applications.
    call = current if current and current.is_open else None
    context = {"call": call, "ended": current if call is None else None}
    if call is None:
        return render(request, "applications/start.html", context)

    organisation = request.user.organisation
    deadline = deadline_for(call, organisation.centre_id)
    context.update(
        organisation=organisation,
        deadline=deadline,
        deadline_passed=deadline_passed(deadline),
    )
    if context["deadline_passed"]:
        # The page itself says why; a POST sent anyway is refused the same way.
        status = 403 if request.method == "POST" else 200
        return render(request, "applications/start.html", context, status=status)

    # A search keeps the unit already picked, so its result stays marked.
    form = StartForm(request.POST or None, call=call, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        try:
            app = start_application(request.user, call, **form.application_fields())
        except DuplicateApplication as exc:
            context["duplicate"] = exc.existing
            if exc.existing is None:
                # A colleague's draft that vanished again between the insert and the look-up.
                form.add_error(None, "贵单位已有该职业（工种）的申报书，请在“我的单位”中查看。")
        else:
            messages.success(request, f"已创建申报书 {app.reference}，请继续填写申报表。")
            return redirect("applications:edit", pk=app.pk)

    query = (request.POST or request.GET).get("q", "").strip()
    context.update(
        form=form,
        q=query,
        results=_results(call, query),
        search_limit=SEARCH_LIMIT,
        levels=_levels_context(
            form.chosen_basis, form.chosen_unit, form.chosen_levels, form.errors.get("levels")
        ),
    )
    return render(request, "applications/start.html", context)


@login_required
def unit_levels(request):
    """The level checkboxes for the chosen unit (htmx): only the levels it offers."""
    _require_applicant(request.user)
    call = Call.objects.current()
    basis = request.GET.get("basis") or Basis.CATALOG
    pk = request.GET.get("unit", "")
    unit = None
    if call and pk.isdigit():
        unit = catalog_units(call).filter(pk=pk).first()
    checked = {int(v) for v in request.GET.getlist("levels") if v.isdigit()}
    context = _levels_context(basis, unit, checked)
    return render(request, "applications/_unit_levels.html", {"levels": context})


def _results(call, query):
    if not query:
        return None
    return [(unit, offered_range(unit)) for unit in search_units(call, query)[: SEARCH_LIMIT + 1]]


def _levels_context(basis, unit, checked, errors=None):
    if basis != Basis.CATALOG:
        unit = None
    # Out of the catalog any level may be chosen; in it, the server checks once a unit is chosen.
    offered = list(Level) if unit is None else unit.offered_levels()
    return {
        "basis": basis,
        "unit": unit,
        "range_label": f"{offered[0].label}至{offered[-1].label}",
        "choices": [(int(level), level.label, int(level) in checked) for level in offered],
        "needs_unit": basis == Basis.CATALOG and unit is None,
        "errors": errors or [],
    }
