"""The paper copy's records on an application: the unit's 盖章页, the centre's receipt and 第五部分.

The detail and review pages include templates/applications/_paper.html with paper_context().
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from ..access import application_for
from ..attachments import ACCEPT_ATTRIBUTE, inspect_upload
from ..models import EDITABLE, StampedScan
from ..paper import (
    OPINION_GIVEN,
    PaperError,
    latest_version,
    stamped_current,
    upload_section_five,
    upload_unit_pages,
)
from ..paper import record_paper_received as record_received


class ScanForm(forms.Form):
    file = forms.FileField(
        label="扫描件",
        error_messages={"required": "请选择要上传的扫描件。"},
        widget=forms.ClearableFileInput(
            attrs={"accept": ACCEPT_ATTRIBUTE, "class": "form-control"}
        ),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        inspect_upload(uploaded)
        return uploaded


class ReceivedForm(forms.Form):
    received_on = forms.DateField(
        label="收到日期",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        error_messages={
            "required": "请填写收到日期。",
            "invalid": "请输入有效的日期，如 2023-06-10。",
        },
    )


def paper_context(request, app) -> dict:
    """What _paper.html shows: the scans, the receipt, and the forms this user may use."""
    user = request.user
    # The denormalised marks tell whether any scan exists: no query for the common case.
    uploaded = app.stamped_version is not None or app.section_five_stamped_at is not None
    scans = list(app.stamped_scans.select_related("uploaded_by")) if uploaded else []
    submitted = app.status not in EDITABLE
    latest = latest_version(app) if submitted or uploaded else None
    reviewing = app.allows(user, "review")
    return {
        "paper_latest": latest,
        "paper_stamped_current": stamped_current(app, latest),
        "paper_unit_scans": [s for s in scans if s.kind == StampedScan.Kind.UNIT_PAGES],
        "paper_five_scans": [s for s in scans if s.kind == StampedScan.Kind.SECTION_FIVE],
        "paper_required": app.call.paper_required,
        "paper_shown": submitted or bool(scans),
        "paper_unit_form": ScanForm(prefix="unit")
        if submitted and app.allows(user, "upload")
        else None,
        "paper_five_form": ScanForm(prefix="five")
        if reviewing and app.status in OPINION_GIVEN
        else None,
        "paper_received_form": ReceivedForm(
            prefix="received", initial={"received_on": timezone.localdate()}
        )
        if reviewing and submitted
        else None,
    }


def _back(request, app):
    if request.user.is_applicant:
        return redirect("applications:detail", pk=app.pk)
    return redirect(f"{reverse('reviews:review', args=[app.pk])}#paper")


def _report(request, form):
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


def _upload(request, pk, action, prefix, store, done):
    app = application_for(request.user, pk, action=action)
    form = ScanForm(request.POST, request.FILES, prefix=prefix)
    if not form.is_valid():
        _report(request, form)
        return _back(request, app)
    try:
        store(app, request.user, form.cleaned_data["file"])
    except (PaperError, ValidationError) as exc:
        messages.error(request, getattr(exc, "messages", [str(exc)])[0])
    else:
        messages.success(request, done)
    return _back(request, app)


@login_required
@require_POST
def unit_pages(request, pk):
    return _upload(request, pk, "upload", "unit", upload_unit_pages, "已上传盖章页。")


@login_required
@require_POST
def section_five(request, pk):
    return _upload(request, pk, "review", "five", upload_section_five, "已上传第五部分盖章页。")


@login_required
@require_POST
def received(request, pk):
    app = application_for(request.user, pk, action="review")
    form = ReceivedForm(request.POST, prefix="received")
    if not form.is_valid():
        _report(request, form)
        return _back(request, app)
    try:
        record_received(app, request.user, form.cleaned_data["received_on"])
    except PaperError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已登记纸质材料收到。")
    return _back(request, app)


@login_required
@require_GET
def download(request, pk, sid):
    # The same gate as the application: its unit, its centre, the province.
    app = application_for(request.user, pk)
    scan = get_object_or_404(StampedScan, application=app, pk=sid)
    try:
        handle = scan.file.open("rb")
    except FileNotFoundError:
        raise Http404("扫描件文件不存在。") from None
    response = FileResponse(
        handle, as_attachment=True, filename=scan.original_name, content_type=scan.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response
