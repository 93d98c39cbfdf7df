"""Uploading, downloading and deleting an application's attachments.

The edit and detail pages include templates/applications/_attachments.html with
attachments_context(); upload and delete answer htmx with that block alone, and a
plain form post with a redirect back to the page it came from.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from tiku_portal.filenames import display_name

from ..access import application_for
from ..attachments import (
    KIND_ORDER,
    AttachmentsLocked,
    add_attachment,
    locked_message,
    missing_required,
    remove_attachment,
)
from ..forms.attachments import AttachmentForm
from ..models import Attachment

PARTIAL = "applications/_attachments.html"
# Sent with every change, so other parts of the page (e.g. a checklist) can refresh.
CHANGED_EVENT = "attachments-changed"


def attachments_context(request, application, *, form=None, notice="", error="") -> dict:
    """What _attachments.html needs; the including page merges it into its own context."""
    # One query for current and removed copies alike; removed ones are listed apart.
    every = list(Attachment.all_objects.filter(application=application).select_related("expert"))
    attachments = [a for a in every if a.removed_at is None]
    removed = sorted((a for a in every if a.removed_at), key=lambda a: a.removed_at)
    experts = list(application.experts.all())
    position = {expert.pk: index for index, expert in enumerate(experts)}
    attachments.sort(
        key=lambda a: (KIND_ORDER.index(a.kind), position.get(a.expert_id, -1), a.uploaded_at)
    )
    groups = [
        {"kind": kind, "label": kind.label, "items": items}
        for kind in KIND_ORDER
        if (items := [a for a in attachments if a.kind == kind])
    ]
    certified = {a.expert_id for a in attachments if a.kind == Attachment.Kind.EXPERT_CERTIFICATE}
    # Named as missing_required names them: by name, else by their number in the table.
    uncertified = [
        (expert, expert.name or f"第{number}位专家")
        for number, expert in enumerate(experts, start=1)
        if expert.pk not in certified
    ]
    can_manage = application.is_editable and application.allows(request.user, "upload")
    if can_manage and form is None:
        form = AttachmentForm(
            application,
            initial=next_upload(attachments, [expert for expert, _name in uncertified]),
            certified=certified,
        )
    return {
        "application": application,
        "attachment_groups": groups,
        "attachment_count": len(attachments),
        "removed_attachments": removed,
        "attachments_missing": missing_required(application, attachments, experts),
        # For the expert table's marks and the upload form's list of who still lacks one.
        "certified_expert_ids": certified,
        "experts_without_certificate": [name for _expert, name in uncertified],
        "attachments_expert_count": len(experts),
        "attachment_form": form if can_manage else None,
        "can_manage_attachments": can_manage,
        "attachments_notice": notice,
        "attachments_error": error,
        "attachments_return_url": _return_url(request, application),
    }


def next_upload(attachments, uncertified) -> dict:
    """The upload form's preselection: the licence if missing, else the next certificate."""
    if not any(a.kind == Attachment.Kind.LICENCE for a in attachments):
        return {"kind": Attachment.Kind.LICENCE}
    if uncertified:
        return {"kind": Attachment.Kind.EXPERT_CERTIFICATE, "expert": uncertified[0].pk}
    return {"kind": Attachment.Kind.OTHER}


def _return_url(request, application) -> str:
    """The edit or detail page the request came from; only these two, never a given URL."""
    pages = [
        reverse("applications:edit", args=[application.pk]),
        reverse("applications:detail", args=[application.pk]),
    ]
    for candidate in (request.POST.get("next"), request.path):
        if candidate in pages:
            return candidate
    return pages[0]


def _respond(request, application, *, form=None, notice="", error=""):
    if request.htmx:
        context = attachments_context(request, application, form=form, notice=notice, error=error)
        response = render(request, PARTIAL, context)
        if notice:
            response["HX-Trigger"] = CHANGED_EVENT
        return response
    if notice:
        messages.success(request, notice)
    if error:
        messages.error(request, error)
    if form is not None:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(_return_url(request, application))


@login_required
@require_POST
def upload(request, pk):
    application = application_for(request.user, pk, action="upload")
    if not application.is_editable:
        return _respond(
            request, application, error=locked_message(application.status_label_for(request.user))
        )
    form = AttachmentForm(application, request.POST, request.FILES)
    if not form.is_valid():
        return _respond(request, application, form=form)
    data = form.cleaned_data
    try:
        attachment = add_attachment(
            application,
            request.user,
            data["file"],
            kind=data["kind"],
            certified_copy=data["certified_copy"],
            expert=data["expert"],
            description=data["description"],
        )
    except AttachmentsLocked as exc:
        return _respond(request, application, error=str(exc))
    return _respond(request, application, notice=f"已上传“{attachment.original_name}”。")


@login_required
@require_GET
def download(request, pk, aid):
    application = application_for(request.user, pk)
    # Removed copies that went out with a submission stay downloadable for the record.
    attachment = get_object_or_404(
        Attachment.all_objects.visible_to(request.user), application=application, pk=aid
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件文件不存在。") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=display_name(attachment.original_name, 255),
        content_type=attachment.content_type,
    )
    # Always a download, never rendered: the browser must not guess another type.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Copies of certificates are personal data: keep them out of shared caches.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def delete(request, pk, aid):
    application = application_for(request.user, pk, action="upload")
    attachment = get_object_or_404(
        Attachment.objects.visible_to(request.user), application=application, pk=aid
    )
    attachment.application = application
    if not application.is_editable:
        return _respond(
            request, application, error=locked_message(application.status_label_for(request.user))
        )
    try:
        remove_attachment(attachment, request.user)
    except AttachmentsLocked as exc:
        return _respond(request, application, error=str(exc))
    return _respond(request, application, notice=f"已删除“{attachment.original_name}”。")
