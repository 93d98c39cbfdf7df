"""A centre's batch page (send to the province), its 附件3 sheet, and the province's list."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from accounts.validators import validate_phones
from catalog.models import Call

from ..batch import (
    DECIDED,
    BatchError,
    applications_of,
    batch_for,
    closed_message,
    counts_of,
    latest_summary,
    province_batches,
    record_package,
    reopen_batch,
    request_summary,
    review_of,
    save_batch_form,
    send_batch,
    sending_closed,
    undecided_of,
    upload_summary_scan,
)
from ..models import Batch
from ..summary import summary_rows

REASON_REQUIRED = "请填写不纳入本次报送的理由。"
NOT_SAVED = "未保存：请按下方提示修改后重新保存。"
NOT_SENT = "未报送：请按下方提示修改后再报送。"
# Rows of the 附件3 preview on the page; a city can recommend hundreds.
SUMMARY_SHOWN = 50
# Decided applications lacking paper listed on the page; the count tells how many more.
PAPER_GAPS_SHOWN = 20
# Undecided applications per page of the form: two fields each, so the page stays small.
PER_PAGE = 50


def _undecided_page(request, centre, call):
    """The page of undecided applications the form shows (and, on POST, saves)."""
    number = request.POST.get("page") or request.GET.get("page")
    return Paginator(undecided_of(centre, call), PER_PAGE).get_page(number)


class BatchForm(forms.Form):
    """The centre's contact for the sheet, and a leave-out choice per undecided application."""

    contact_person = forms.CharField(
        label="联系人", max_length=50, error_messages={"required": "请填写联系人。"}
    )
    contact_phone = forms.CharField(
        label="联系电话",
        max_length=50,
        validators=[validate_phones],
        error_messages={"required": "请填写联系电话。"},
    )

    def __init__(self, undecided, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.undecided = list(undecided)
        for app in self.undecided:
            review = review_of(app)
            self.fields[f"leave_out_{app.pk}"] = forms.BooleanField(
                label="不纳入本次报送",
                required=False,
                initial=bool(review and review.left_out),
            )
            self.fields[f"reason_{app.pk}"] = forms.CharField(
                label="不纳入理由",
                max_length=300,
                required=False,
                initial=review.left_out_reason if review else "",
            )

    def clean(self):
        data = super().clean()
        for app in self.undecided:
            if data.get(f"leave_out_{app.pk}") and not data.get(f"reason_{app.pk}", "").strip():
                self.add_error(f"reason_{app.pk}", REASON_REQUIRED)
        return data

    def left_out(self) -> dict[int, str | None]:
        data = self.cleaned_data
        return {
            app.pk: data[f"reason_{app.pk}"] if data[f"leave_out_{app.pk}"] else None
            for app in self.undecided
        }

    def contact_fields(self):
        return [self["contact_person"], self["contact_phone"]]

    def rows(self):
        """Each undecided application with its two bound fields, for the table."""
        return [
            {
                "app": app,
                "leave_out": self[f"leave_out_{app.pk}"],
                "reason": self[f"reason_{app.pk}"],
            }
            for app in self.undecided
        ]


def _centre_of(user):
    # City staff act for their city; provincial staff for the province-affiliated units.
    if not user.is_centre_staff:
        raise PermissionDenied
    return user.centre


def _call_of(request) -> Call:
    slug = request.POST.get("call") or request.GET.get("call")
    if slug:
        return get_object_or_404(Call, slug=slug)
    call = Call.objects.current()
    if call is None:
        raise Http404("当前没有正在征集的批次")
    return call


def _page_url(call, page=1) -> str:
    url = f"{reverse('reviews:batch')}?call={call.slug}"
    return f"{url}&page={page}" if page > 1 else url


def _page(request, centre, call, *, form=None, page=None, error="", status=200):
    batch = batch_for(centre, call)
    sent = batch.state == Batch.State.SENT
    rows = summary_rows(centre, call, sent=sent)
    closed = sending_closed(batch)
    editable = not sent and not closed
    if editable and form is None:
        page = _undecided_page(request, centre, call)
        # The centre's own contact (本中心设置) fills in what the batch does not have yet.
        form = BatchForm(
            page.object_list,
            initial={
                "contact_person": batch.contact_person or centre.contact_person,
                "contact_phone": batch.contact_phone or centre.contact_phone,
            },
        )
    context = {
        "call": call,
        "centre": centre,
        "batch": batch,
        "summary": counts_of(centre, call),
        "page": page if editable else None,
        # A preview: the workbook (附件3) holds every row.
        "rows": rows[:SUMMARY_SHOWN],
        "row_count": len(rows),
        "editable": editable,
        "closed": closed,
        "closed_message": closed_message(call),
        "form": form if editable else None,
        "error": error,
        "events": batch.events.select_related("actor"),
        "paper_gaps": _paper_gaps(centre, call),
        "sent_doc": latest_summary(centre, call, sent=True) if sent else None,
        # Once sent, the sheet as sent is the one that counts; a draft beside it would confuse.
        "draft_doc": None if sent else latest_summary(centre, call, sent=False),
    }
    return render(request, "reviews/batch.html", context, status=status)


def _paper_gaps(centre, call) -> dict:
    """Decided applications still lacking part of their paper copy: the first few, and how
    many there are (a city may have hundreds; the queue's paper filter lists them all)."""
    from applications.paper import missing_for_sending

    lacking = (
        applications_of(centre, call)
        .filter(status__in=DECIDED)
        .lacking_paper()
        .without_statements()
    )
    shown = [
        {"app": app, "missing": missing_for_sending(app, app.latest_version)}
        for app in lacking[:PAPER_GAPS_SHOWN]
    ]
    count = lacking.count()
    return {"shown": shown, "count": count, "more": count - len(shown)}


def _store_scan(request, centre, call):
    """The stamped 附件3 scan sent along with the form, if any; kept even if sending fails."""
    uploaded = request.FILES.get("stamped_summary")
    if uploaded is None:
        return
    upload_summary_scan(centre, call, request.user, uploaded)
    messages.success(request, f"已上传盖章的附件3扫描件“{uploaded.name}”。")


@login_required
def batch(request):
    """GET: the confirmation page. POST: save the contact and the leave-out choices."""
    centre = _centre_of(request.user)
    call = _call_of(request)
    if request.method != "POST":
        return _page(request, centre, call)
    page = _undecided_page(request, centre, call)
    form = BatchForm(page.object_list, request.POST)
    if not form.is_valid():
        return _page(request, centre, call, form=form, page=page, error=NOT_SAVED, status=400)
    try:
        _save(form, centre, call, request.user)
        _store_scan(request, centre, call)
    except BatchError as exc:
        return _page(request, centre, call, form=form, page=page, error=str(exc), status=409)
    messages.success(request, "已保存。")
    return redirect(_page_url(call, page.number))


def _save(form, centre, call, user):
    data = form.cleaned_data
    return save_batch_form(
        centre,
        call,
        user,
        contact_person=data["contact_person"],
        contact_phone=data["contact_phone"],
        left_out=form.left_out(),
    )


@login_required
@require_POST
def send(request):
    centre = _centre_of(request.user)
    call = _call_of(request)
    page = _undecided_page(request, centre, call)
    form = BatchForm(page.object_list, request.POST)
    if not form.is_valid():
        return _page(request, centre, call, form=form, page=page, error=NOT_SENT, status=400)
    try:
        # The choices are kept even when sending is refused: nothing typed is lost.
        _save(form, centre, call, request.user)
        _store_scan(request, centre, call)
        send_batch(centre, call, request.user)
    except BatchError as exc:
        return _page(request, centre, call, form=form, page=page, error=str(exc), status=409)
    messages.success(request, f"已报送省中心：{call.name}。")
    return redirect(_page_url(call))


@login_required
@require_POST
def summary(request):
    """Ask for the draft 附件3; the page then polls the document's status."""
    centre = _centre_of(request.user)
    call = _call_of(request)
    doc = request_summary(centre, call, request.user, sent=False)
    if request.htmx:
        return render(request, "documents/_status.html", {"doc": doc})
    messages.info(request, "正在生成附件3汇总表（草稿），完成后可在本页下载。")
    return redirect(_page_url(call))


@login_required
@require_POST
def scan(request):
    """The stamped 附件3 scan on its own, e.g. after sending."""
    centre = _centre_of(request.user)
    call = _call_of(request)
    uploaded = request.FILES.get("stamped_summary")
    if uploaded is None:
        messages.error(request, "请选择盖章的附件3扫描件。")
        return redirect(_page_url(call))
    try:
        upload_summary_scan(centre, call, request.user, uploaded)
    except BatchError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已上传盖章的附件3扫描件“{uploaded.name}”。")
    return redirect(_page_url(call))


# The province's list filters: what of the paper side has arrived.
PAPER_FILTERS = {
    "scan_missing": ("盖章附件3未上传", lambda b: not (b and b.stamped_summary)),
    "scan_ok": ("盖章附件3已上传", lambda b: bool(b and b.stamped_summary)),
    "package_missing": (
        "已报送、纸质材料包未收到",
        lambda b: bool(b and b.state == Batch.State.SENT and not b.package_received_on),
    ),
    "package_received": ("纸质材料包已收到", lambda b: bool(b and b.package_received_on)),
}


@login_required
def batch_list(request):
    if not request.user.is_province_staff:
        raise PermissionDenied
    call = _call_of(request)
    rows = province_batches(call)
    paper = request.GET.get("paper", "")
    if paper in PAPER_FILTERS:
        keep = PAPER_FILTERS[paper][1]
        rows = [row for row in rows if keep(row["batch"])]
    return render(
        request,
        "reviews/batch_list.html",
        {
            "call": call,
            "calls": Call.objects.all(),
            "rows": rows,
            "paper": paper,
            "paper_filters": [(key, label) for key, (label, _) in PAPER_FILTERS.items()],
            "today": timezone.localdate(),
        },
    )


class PackageForm(forms.Form):
    received_on = forms.DateField(
        error_messages={
            "required": "请填写收到日期。",
            "invalid": "请输入有效的日期，如 2023-06-25。",
        }
    )


@login_required
@require_POST
def package(request, pk):
    batch = _batch_of(request.user, pk)
    form = PackageForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
    else:
        try:
            record_package(batch, request.user, form.cleaned_data["received_on"])
        except BatchError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已登记{batch.centre.name}的纸质材料包收到。")
    return redirect(f"{reverse('reviews:batch_list')}?call={batch.call.slug}")


@login_required
@require_GET
def scan_download(request, pk):
    """The stamped 附件3 scan: its own centre's staff and the province."""
    user = request.user
    if user.is_province_staff:
        batches = Batch.objects.all()
    elif user.is_centre_staff:
        batches = Batch.objects.filter(centre_id=user.centre_id)
    else:
        batches = Batch.objects.none()
    batch = get_object_or_404(batches, pk=pk)
    if not batch.stamped_summary:
        raise Http404("尚未上传盖章的附件3扫描件。")
    try:
        handle = batch.stamped_summary.open("rb")
    except FileNotFoundError:
        raise Http404("扫描件文件不存在。") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=batch.stamped_summary_name,
        content_type=batch.stamped_summary_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _batch_of(user, pk) -> Batch:
    # Outsiders get 404; a centre's own staff may see its batch but only the province reopens.
    if user.is_province_staff:
        batches = Batch.objects.all()
    elif user.is_centre_staff:
        batches = Batch.objects.filter(centre_id=user.centre_id)
    else:
        batches = Batch.objects.none()
    batch = get_object_or_404(batches.select_related("centre", "call"), pk=pk)
    if not user.is_province_staff:
        raise PermissionDenied
    return batch


@login_required
@require_POST
def reopen(request, pk):
    batch = _batch_of(request.user, pk)
    try:
        reopen_batch(batch, request.user, request.POST.get("reason", ""))
    except BatchError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已重新开放{batch.centre.name}的报送。")
    return redirect(f"{reverse('reviews:batch_list')}?call={batch.call.slug}")
