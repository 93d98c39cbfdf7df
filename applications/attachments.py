"""Attachments of an application: what a file really is, and adding or removing one.

A file is judged by its first bytes, never by the name or the Content-Type the
browser sends; the name's extension must still agree, so that what staff
download opens in the program its name promises.
"""

import math
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import EDITABLE, Application, Attachment

MB = 1024 * 1024
# How the form, the pages and the PDF list them: the licence, the certificates, the rest.
KIND_ORDER = [Attachment.Kind.LICENCE, Attachment.Kind.EXPERT_CERTIFICATE, Attachment.Kind.OTHER]
ACCEPTED = "只接受PDF、JPG、PNG格式"


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str
    noun: str
    magic: bytes
    extensions: tuple[str, ...]


TYPES = (
    FileType("application/pdf", "PDF", "PDF文档", b"%PDF-", (".pdf",)),
    FileType("image/png", "PNG", "PNG图片", b"\x89PNG\r\n\x1a\n", (".png",)),
    FileType("image/jpeg", "JPG", "JPG图片", b"\xff\xd8\xff", (".jpg", ".jpeg")),
)
BY_EXTENSION = {ext: t for t in TYPES for ext in t.extensions}
# What the file picker offers; the server decides anyway.
ACCEPT_ATTRIBUTE = ",".join([*BY_EXTENSION, *(t.content_type for t in TYPES)])
HEAD_LENGTH = max(len(t.magic) for t in TYPES)


class AttachmentsLocked(Exception):
    """The application is no longer editable; the message is shown as it is."""


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_MB * MB


def size_in_mb(size: int, limit_mb: int) -> str:
    text = f"{size / MB:.1f}"
    # Just over the limit would read as the limit itself; show enough digits to see why.
    if size > limit_mb * MB and float(text) <= limit_mb:
        text = f"{math.ceil(size * 100 / MB) / 100:.2f}"
    return text


def sniff(head: bytes) -> FileType | None:
    """The accepted type whose magic bytes open the file, if any."""
    return next((t for t in TYPES if head.startswith(t.magic)), None)


def inspect_upload(uploaded) -> FileType:
    """The file's type if it may be stored; otherwise a ValidationError naming the file."""
    name = uploaded.name
    if uploaded.size == 0:
        raise ValidationError(f"文件“{name}”是空文件（0字节），请重新选择。", code="empty")
    limit = settings.ATTACHMENT_MAX_MB
    if uploaded.size > max_bytes():
        raise ValidationError(
            f"文件“{name}”大小为{size_in_mb(uploaded.size, limit)} MB，超过了{limit} MB的上限，"
            "请压缩或分拆后再上传。",
            code="too_large",
        )
    expected = BY_EXTENSION.get(os.path.splitext(name)[1].lower())
    if expected is None:
        raise ValidationError(
            f"文件“{name}”的格式不受支持：{ACCEPTED}的文件（扩展名 .pdf、.jpg、.jpeg、.png）。",
            code="extension",
        )
    uploaded.seek(0)
    head = uploaded.read(HEAD_LENGTH)
    uploaded.seek(0)
    actual = sniff(head)
    if actual is None:
        raise ValidationError(
            f"文件“{name}”的内容不是{expected.label}文件（可能是改了扩展名的其他文件），"
            f"{ACCEPTED}。",
            code="content",
        )
    if actual != expected:
        raise ValidationError(
            f"文件“{name}”的内容不是{expected.label}，而是{actual.noun}，与扩展名不符；"
            f"请改正扩展名（{actual.extensions[0]}）后重新上传。{ACCEPTED}。",
            code="mismatch",
        )
    return actual


def locked_message(status_label: str) -> str:
    return f"申报书当前状态为“{status_label}”，不能再上传或删除附件。"


def _lock_editable(application: Application, user) -> None:
    # A colleague may submit in another tab meanwhile; set_state locks the same row.
    status = (
        Application.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=application.pk)
    )
    if status not in EDITABLE:
        application.status = status
        raise AttachmentsLocked(locked_message(application.status_label_for(user)))


def add_attachment(
    application: Application,
    user,
    uploaded,
    *,
    kind: str,
    certified_copy: bool,
    expert=None,
    description: str = "",
) -> Attachment:
    """Store one checked file for an editable application; the caller has checked the user."""
    file_type = inspect_upload(uploaded)
    if not certified_copy:
        raise ValidationError("请确认上传的复印件与原件一致。", code="certified_copy")
    if kind == Attachment.Kind.EXPERT_CERTIFICATE:
        if expert is None or expert.application_id != application.pk:
            raise ValidationError("请选择本申报书专家团队中的专家。", code="expert")
    else:
        expert = None
    attachment = Attachment(
        application=application,
        kind=kind,
        expert=expert,
        original_name=uploaded.name,
        content_type=file_type.content_type,
        size=uploaded.size,
        certified_copy=True,
        description=description,
        uploaded_by=user,
    )
    stored = ""
    try:
        with transaction.atomic():
            _lock_editable(application, user)
            # Written under a random name (models.attachment_path); the original stays in the row.
            attachment.file.save(uploaded.name, uploaded, save=False)
            stored = attachment.file.name
            attachment.save()
    except BaseException:
        # A row that was never saved must not leave its file behind.
        if stored:
            attachment.file.storage.delete(stored)
        raise
    return attachment


def remove_attachment(attachment: Attachment, user) -> None:
    """Take a file out of the application.

    A copy that went out with a submission stays on record (row and file) for the centre
    and the earlier versions; any other is deleted, its file once the deletion commits.
    """
    storage, name = attachment.file.storage, attachment.file.name
    with transaction.atomic():
        _lock_editable(attachment.application, user)
        if attachment.submitted_version:
            retire(Attachment.objects.filter(pk=attachment.pk), user)
            return
        attachment.delete()
        # After commit: a rolled-back delete must still find its file.
        transaction.on_commit(lambda: storage.delete(name))


def retire(attachments, user) -> None:
    """Mark submitted copies as removed, keeping their expert's name for the record."""
    for attachment in attachments.select_related("expert"):
        attachment.removed_at = timezone.now()
        attachment.removed_by = user
        attachment.expert_name = attachment.expert.name if attachment.expert_id else ""
        attachment.save(update_fields=["removed_at", "removed_by", "expert_name"])


def missing_required(application: Application, attachments, experts) -> list[str]:
    """What submission_errors would ask for: a licence, and each saved expert's certificate."""
    missing = []
    if not any(a.kind == Attachment.Kind.LICENCE for a in attachments):
        missing.append(Attachment.Kind.LICENCE.label)
    certified = {a.expert_id for a in attachments if a.kind == Attachment.Kind.EXPERT_CERTIFICATE}
    for number, expert in enumerate(experts, start=1):
        if expert.pk not in certified:
            missing.append(f"{expert.name or f'第{number}位专家'}的证书复印件")
    return missing
