"""Asking for documents and building them; the Celery task and the commands share `build`."""

import logging

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from applications.models import Snapshot
from tiku_portal.filenames import display_name

from .exporters import EXPORTERS, DocumentError
from .models import Document

log = logging.getLogger(__name__)

# Worth another try by the worker: the database or the disk hiccupped.
TRANSIENT = (DatabaseError, OSError)


def _enqueue(doc: Document) -> None:
    from .tasks import build_document

    transaction.on_commit(lambda: build_document.delay(doc.pk))


def _requeue(doc: Document) -> Document:
    Document.objects.filter(pk=doc.pk).update(
        state=Document.State.QUEUED, progress=0, error="", started_at=None, finished_at=None
    )
    doc.refresh_from_db()
    _enqueue(doc)
    return doc


def request_application_pdf(snapshot: Snapshot) -> Document:
    """The PDF of one submitted version; queued again only when its inputs changed."""
    doc, created = Document.objects.get_or_create(
        kind=Document.Kind.APPLICATION_PDF,
        snapshot=snapshot,
        defaults={"application_id": snapshot.application_id},
    )
    if created or not _is_current(doc):
        return _requeue(doc)
    return doc


def current_pdf_document(application_id: int) -> Document | None:
    """The PDF document of the application's latest submitted version, asked for if missing."""
    snapshot = Snapshot.objects.filter(application_id=application_id).order_by("-number").first()
    if snapshot is None:
        return None
    return Document.objects.get_or_create(
        kind=Document.Kind.APPLICATION_PDF,
        snapshot=snapshot,
        defaults={"application_id": application_id},
    )[0]


def request_document(kind: str, user, **fields) -> Document:
    """A new document of this kind, built in the background once the transaction commits."""
    doc = Document.objects.create(kind=kind, requested_by=user, **fields)
    _enqueue(doc)
    return doc


def request_zip(user, application_ids: list[int], filename: str) -> Document:
    return request_document(
        Document.Kind.PDF_ZIP,
        user,
        params={"application_ids": list(application_ids), "filename": filename},
    )


def retry(doc: Document) -> Document:
    return _requeue(doc)


def _is_current(doc: Document) -> bool:
    if doc.state != Document.State.DONE or not doc.file:
        return False
    try:
        return doc.input_hash == EXPORTERS[doc.kind].input_hash(doc) and doc.file.storage.exists(
            doc.file.name
        )
    except DocumentError:
        return False


def build(doc_id: int) -> Document:
    """Render the document unless the existing file is current. Idempotent."""
    doc = Document.objects.select_related("application", "snapshot").get(pk=doc_id)
    exporter = EXPORTERS[doc.kind]
    if _is_current(doc):
        return doc
    now = timezone.now()
    Document.objects.filter(pk=doc.pk).update(
        state=Document.State.RUNNING, started_at=now, progress=0, error=""
    )

    def progress(percent: int) -> None:
        Document.objects.filter(pk=doc.pk).update(progress=percent)

    try:
        input_hash = exporter.input_hash(doc)
        content = exporter.render(doc, progress)
        filename = display_name(
            exporter.filename(doc), Document._meta.get_field("filename").max_length
        )
    except TRANSIENT:
        raise
    except Exception as exc:
        log.exception("document %s failed", doc.pk)
        message = (
            str(exc) if isinstance(exc, DocumentError) else f"生成失败：{exc.__class__.__name__}"
        )
        return mark_failed(doc.pk, message)
    old = doc.file.name if doc.file else None
    doc.file.save(filename, ContentFile(content), save=False)
    Document.objects.filter(pk=doc.pk).update(
        state=Document.State.DONE,
        file=doc.file.name,
        filename=filename,
        input_hash=input_hash,
        progress=100,
        finished_at=timezone.now(),
    )
    if old and old != doc.file.name:
        doc.file.storage.delete(old)
    doc.refresh_from_db()
    return doc


def mark_failed(doc_id: int, message: str) -> Document:
    Document.objects.filter(pk=doc_id).update(
        state=Document.State.FAILED, error=message[:1000], finished_at=timezone.now()
    )
    return Document.objects.get(pk=doc_id)
