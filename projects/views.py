"""Pages after selection: the public notice and objections, projects, the province's board."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import get_for_user
from catalog.models import Call
from reviews import selection as sel
from reviews.views.board import province_only

from . import services
from .forms import (
    HandleForm,
    NoticeForm,
    ObjectionForm,
    PaymentForm,
    ReceiptForm,
    ReportForm,
    ReviewForm,
)
from .models import Evidence, Milestone, Notice, Objection, PaymentStage, Project

# Objections a client address may lodge per hour.
OBJECTION_LIMIT = 5
OBJECTION_WINDOW = 3600


def _notice_or_404(slug) -> Notice:
    return get_object_or_404(Notice.objects.select_related("call"), call__slug=slug)


# --- public ---------------------------------------------------------------------------------


def public_notice(request, slug):
    """The 公示 page: no login, lead and participant units per occupation, nothing more."""
    notice = _notice_or_404(slug)
    context = {
        "notice": notice,
        "rows": services.public_rows(notice.call),
        "open": notice.is_open(),
        "published": notice.call.results_published,
        "today": timezone.localdate(),
    }
    return render(request, "projects/public_notice.html", context)


def objection(request, slug):
    notice = _notice_or_404(slug)
    if not notice.is_open():
        return render(request, "projects/objection_closed.html", {"notice": notice}, status=403)
    choices = services.public_choices(notice.call)
    if request.method == "POST":
        form = ObjectionForm(request.POST, request.FILES, choices=choices)
        if services.rate_limited(request, "objection", OBJECTION_LIMIT, OBJECTION_WINDOW):
            form.add_error(None, "提交过于频繁，请一小时后再试。")
            return render(
                request,
                "projects/objection_form.html",
                {"notice": notice, "form": form},
                status=429,
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                lodged = services.lodge_objection(notice, data, data.get("evidence"))
            except (services.ProjectError, ValidationError) as exc:
                form.add_error(None, exc.messages[0] if hasattr(exc, "messages") else str(exc))
            else:
                return render(
                    request, "projects/objection_done.html", {"notice": notice, "objection": lodged}
                )
        return render(
            request, "projects/objection_form.html", {"notice": notice, "form": form}, status=400
        )
    form = ObjectionForm(choices=choices)
    return render(request, "projects/objection_form.html", {"notice": notice, "form": form})


def receipt(request):
    """Look up an objection by its receipt number and the phone given with it."""
    form = ReceiptForm(request.GET or None)
    found = None
    if form.is_valid():
        if services.rate_limited(request, "receipt", 30, OBJECTION_WINDOW):
            form.add_error(None, "查询过于频繁，请稍后再试。")
        else:
            found = Objection.objects.filter(
                receipt=form.cleaned_data["receipt"].strip().upper(),
                phone=form.cleaned_data["phone"].strip(),
            ).first()
            if found is None:
                form.add_error(None, "未找到该受理编号，或联系电话与提交时不一致。")
    return render(request, "projects/receipt.html", {"form": form, "found": found})


# --- the province's notice page -------------------------------------------------------------


@province_only
def notice(request):
    call = Call.objects.current(request.POST.get("call") or request.GET.get("call"))
    if call is None:
        return render(request, "projects/notice.html", {"call": None})
    existing = Notice.objects.filter(call=call).first()
    form = NoticeForm(initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and existing is None:
        form = NoticeForm(request.POST)
        if form.is_valid():
            try:
                services.start_notice(
                    call, request.user, form.cleaned_data["starts_on"], form.cleaned_data["ends_on"]
                )
            except services.ProjectError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "已启动评审结果公示。")
                return redirect(f"{reverse('projects:notice')}?call={call.slug}")
    elif request.method == "POST":
        try:
            services.confirm(existing, request.user)
        except services.ProjectError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "遴选结果已正式公布，已通知各申报单位；题库开发项目已建立。")
        return redirect(f"{reverse('projects:notice')}?call={call.slug}")
    objections = (
        Objection.objects.visible_to(request.user)
        .filter(notice=existing)
        .select_related("application__organisation")
        if existing
        else []
    )
    context = {
        "call": call,
        "notice": existing,
        "form": form,
        "objections": objections,
        "counts": sel.publish_summary(call),
        "undecided": [] if existing else list(sel.undecided(call)),
        "doc": sel.results_document(call),
        "publication": sel.publication_of(call),
    }
    return render(request, "projects/notice.html", context, status=400 if form.errors else 200)


@province_only
def objection_detail(request, pk):
    obj = get_for_user(
        Objection.objects.select_related("notice__call", "application__organisation", "handled_by"),
        request.user,
        pk=pk,
    )
    form = HandleForm(initial={"state": obj.state})
    if request.method == "POST":
        obj = get_for_user(Objection.objects.all(), request.user, action="handle", pk=pk)
        form = HandleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.handle_objection(
                    obj, request.user, d["state"], d["handling"], d["outcome"]
                )
            except services.ProjectError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "已记录异议处理情况。")
                return redirect("projects:objection", pk=pk)
    events = obj.events.select_related("actor")
    return render(
        request,
        "projects/objection_detail.html",
        {"objection": obj, "form": form, "events": events},
        status=400 if form.errors else 200,
    )


@province_only
def objection_evidence(request, pk):
    obj = get_for_user(Objection.objects.all(), request.user, pk=pk)
    if not obj.evidence:
        raise Http404
    ext = obj.evidence.name.rsplit(".", 1)[-1]
    response = FileResponse(
        obj.evidence.open("rb"), as_attachment=True, filename=f"异议{obj.receipt}证明材料.{ext}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- projects -------------------------------------------------------------------------------


def _projects(user):
    return Project.objects.visible_to(user).select_related(
        "call", "lead__organisation__centre", "lead__unit__entry"
    )


@login_required
def project_list(request):
    today = timezone.localdate()
    projects = list(
        _projects(request.user).prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.select_related("step"))
        )
    )
    for p in projects:
        milestones = list(p.milestones.all())
        p.accepted_count = sum(m.state == Milestone.State.ACCEPTED for m in milestones)
        p.overdue_count = sum(m.is_overdue(today) for m in milestones)
        p.current = next((m for m in milestones if m.state != Milestone.State.ACCEPTED), None)
        p.milestone_count = len(milestones)
    return render(request, "projects/list.html", {"projects": projects, "today": today})


@login_required
def project_detail(request, pk, bound=None, status=200):
    """The project page; `bound` holds a form that failed, shown again in its place."""
    project = get_for_user(_projects(request.user), request.user, pk=pk)
    bound = bound or {}
    milestones = list(
        project.milestones.select_related("step").prefetch_related("evidence", "events__actor")
    )
    for m in milestones:
        # Ids unique on the page: one form per milestone.
        auto_id = f"id_m{m.pk}_%s"
        m.report_form = bound.get(("report", m.pk)) or ReportForm(auto_id=auto_id)
        m.review_form = bound.get(("review", m.pk)) or ReviewForm(auto_id=auto_id)
    context = {
        "project": project,
        "participants": project.participants.select_related("organisation__centre"),
        "milestones": milestones,
        "money": services.money_for(project),
        "payments": project.payments.select_related("stage"),
        "may_report": project.allows(request.user, "report"),
        "may_review": project.allows(request.user, "review"),
        "payment_form": bound.get("pay") or PaymentForm(call=project.call),
        "today": timezone.localdate(),
    }
    return render(request, "projects/detail.html", context, status=status)


def _milestone(request, pk, action):
    milestone = get_object_or_404(Milestone.objects.select_related("project"), pk=pk)
    get_for_user(_projects(request.user), request.user, action=action, pk=milestone.project_id)
    return milestone


def _again(request, project_id, key, form):
    return project_detail(request, project_id, bound={key: form}, status=400)


@login_required
@require_POST
def report(request, pk):
    milestone = _milestone(request, pk, "report")
    form = ReportForm(request.POST, request.FILES, auto_id=f"id_m{pk}_%s")
    if form.is_valid():
        try:
            services.report_milestone(
                milestone, request.user, form.cleaned_data["note"], form.cleaned_data["files"]
            )
        except services.ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已报告完成，等待省中心审核。")
            return redirect("projects:detail", pk=milestone.project_id)
    return _again(request, milestone.project_id, ("report", milestone.pk), form)


@login_required
@require_POST
def review(request, pk):
    milestone = _milestone(request, pk, "review")
    form = ReviewForm(request.POST, auto_id=f"id_m{pk}_%s")
    if form.is_valid():
        to = (
            Milestone.State.ACCEPTED
            if form.cleaned_data["decision"] == "accept"
            else Milestone.State.RETURNED
        )
        try:
            services.set_milestone_state(milestone, to, request.user, form.cleaned_data["comment"])
        except services.ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已记录审核意见。")
            return redirect("projects:detail", pk=milestone.project_id)
    return _again(request, milestone.project_id, ("review", milestone.pk), form)


@login_required
@require_POST
def pay(request, pk):
    project = get_for_user(_projects(request.user), request.user, action="pay", pk=pk)
    form = PaymentForm(request.POST, call=project.call)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_payment(project, request.user, d["paid_on"], d["amount"], d["stage"])
        except services.ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已记录拨付。")
            return redirect("projects:detail", pk=pk)
    return _again(request, pk, "pay", form)


@login_required
def evidence(request, pk):
    item = get_object_or_404(Evidence.objects.select_related("milestone"), pk=pk)
    get_for_user(_projects(request.user), request.user, pk=item.milestone.project_id)
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the province's board -------------------------------------------------------------------


def board_projects(user, call, params):
    """Every project of the call with what the board shows, filtered; one query for the rows."""
    today = timezone.localdate()
    open_states = (Milestone.State.PENDING, Milestone.State.RETURNED, Milestone.State.REPORTED)
    projects = (
        _projects(user)
        .filter(call=call)
        .annotate(
            accepted=Count(
                "milestones", filter=Q(milestones__state=Milestone.State.ACCEPTED), distinct=True
            ),
            total=Count("milestones", distinct=True),
            awaiting=Count(
                "milestones", filter=Q(milestones__state=Milestone.State.REPORTED), distinct=True
            ),
            overdue=Count(
                "milestones",
                filter=Q(milestones__state__in=open_states, milestones__step__due_on__lt=today),
                distinct=True,
            ),
        )
        .select_related("lead__unit__entry__series")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.select_related("step")),
            "payments",
        )
        .order_by("lead__unit__entry__number", "lead__unit__position", "pk")
    )
    if params.get("city"):
        projects = projects.filter(lead__organisation__centre__code=params["city"])
    # Filters come from the address bar: anything but a number filters nothing, never a 500.
    if str(params.get("series", "")).isdigit():
        projects = projects.filter(lead__unit__entry__series__number=int(params["series"]))
    if str(params.get("industry", "")).isdigit():
        projects = projects.filter(lead__unit__entry__series__industry=int(params["industry"]))
    return projects


def board_rows(projects, stages):
    rows = []
    for p in projects:
        milestones = list(p.milestones.all())
        current = next((m for m in milestones if m.state != Milestone.State.ACCEPTED), None)
        accepted = {m.step_id for m in milestones if m.state == Milestone.State.ACCEPTED}
        paid = sum((pay.amount for pay in p.payments.all()), start=0)
        money = services.money_for(p, stages, accepted, paid)
        rows.append({"project": p, "current": current, "money": money})
    return rows


@province_only
def board(request):
    from accounts.models import Centre
    from catalog.models import Series

    call = Call.objects.current(request.GET.get("call"))
    if call is None:
        return render(request, "projects/board.html", {"call": None})
    stages = list(PaymentStage.objects.filter(call=call))
    rows = board_rows(board_projects(request.user, call, request.GET), stages)
    accepted = Counter(
        m.step_id for r in rows for m in r["project"].milestones.all() if m.state == "accepted"
    )
    steps = list(call.milestone_steps.all())
    chart = {"labels": [s.name for s in steps], "accepted": [accepted[s.pk] for s in steps]}
    totals = {
        "paid": sum((r["money"].paid for r in rows), start=0),
        "due": sum((r["money"].due for r in rows), start=0),
        "subsidy": sum((r["money"].subsidy for r in rows), start=0),
    }
    context = {
        "call": call,
        "rows": rows,
        "chart": chart,
        "totals": totals,
        "today": timezone.localdate(),
        "centres": Centre.objects.order_by("position", "code"),
        "series": Series.objects.order_by("number"),
        "industries": Series.Industry.choices,
        "params": request.GET,
    }
    return render(request, "projects/board.html", context)


@province_only
@require_POST
def board_export(request):
    from documents.models import Document
    from documents.services import request_document

    call = Call.objects.current(request.POST.get("call"))
    if call is None:
        raise Http404
    filters = {k: request.POST.get(k, "") for k in ("city", "series", "industry")}
    doc = request_document(Document.Kind.PROJECTS_XLSX, request.user, call=call, params=filters)
    return redirect("documents:detail", pk=doc.pk)
