"""Asking for documents and building them; the Celery task and the commands share `build`.

Asking records the document (排队中) and its outbox job in the caller's transaction: the
render is delivered at least once even when the broker is down at the time.
"""

import logging

from django.core.files.base import ContentFile, File
from django.db import DatabaseError, transaction
from django.utils import timezone

from outbox.services import enqueue
from tiku_portal.filenames import display_name
from tiku_portal.files import DiskError, save_whole

from .exporters import EXPORTERS, DocumentError, NotReady
from .models import Document

log = logging.getLogger(__name__)

# Worth another try by the worker: the database or the disk hiccupped.
TRANSIENT = (DatabaseError, OSError, DiskError)
BUILD_TASK = "documents.tasks.build_document"
# Give up re-queuing a document the sweep found stuck after this many renders.
MAX_ATTEMPTS = 3

FAILED_MESSAGE = "生成失败，请重试；如仍失败，请联系管理员。"
DISK_MESSAGE = "生成失败：服务器存储空间不足或暂时无法写入，请稍后重试；如仍失败，请联系管理员。"


def _requeue(doc: Document) -> Document:
    with transaction.atomic():
        Document.objects.filter(pk=doc.pk).update(
            state=Document.State.QUEUED, progress=0, error="", started_at=None, finished_at=None
        )
        enqueue(BUILD_TASK, doc.pk)
    doc.refresh_from_db()
    return doc


def request_application_pdf(snapshot) -> Document:
    """The PDF of one submitted version; queued again only when its inputs changed."""
    doc, created = Document.objects.get_or_create(
        kind=Document.Kind.APPLICATION_PDF,
        snapshot=snapshot,
        defaults={"application_id": snapshot.application_id},
    )
    if created or not _is_current(doc):
        return _requeue(doc)
    return doc


def request_document(kind: str, user, **fields) -> Document:
    """A new document of this kind, built in the background once the transaction commits."""
    with transaction.atomic():
        doc = Document.objects.create(kind=kind, requested_by=user, **fields)
        enqueue(BUILD_TASK, doc.pk)
    return doc


def request_zip(user, documents: list[Document], filename: str, application_ids=None) -> Document:
    """A zip of these PDF documents; the missing ones are rendered by tasks of their own.

    `application_ids` records what was selected (some may have no PDF yet).
    """
    return request_document(
        Document.Kind.PDF_ZIP,
        user,
        params={
            "document_ids": [d.pk for d in documents],
            "application_ids": list(
                application_ids
                if application_ids is not None
                else [d.application_id for d in documents]
            ),
            "filename": filename,
        },
    )


def refresh(doc: Document) -> Document:
    """Queue the document again unless it is current or already on its way."""
    if doc.state in (Document.State.QUEUED, Document.State.RUNNING) and not doc.timed_out:
        return doc
    return doc if _is_current(doc) else _requeue(doc)


def retry(doc: Document) -> Document:
    return _requeue(doc)


def may_wait() -> bool:
    # Eager tasks (no broker) run the PDFs inline first; a real worker asks again later.
    from tiku_portal.celery import app

    return not app.conf.task_always_eager


def _is_current(doc: Document) -> bool:
    if doc.state != Document.State.DONE or not doc.file:
        return False
    try:
        return doc.input_hash == EXPORTERS[doc.kind].input_hash(doc) and doc.file.storage.exists(
            doc.file.name
        )
    except DocumentError:
        return False


def _store(doc: Document, filename: str, content) -> str:
    """Save the file; a failed write (disk full, unwritable) leaves nothing behind."""
    name = doc.file.field.generate_filename(doc, filename)
    wrapped = ContentFile(content) if isinstance(content, bytes) else File(content)
    try:
        return save_whole(doc.file.storage, name, wrapped)
    finally:
        wrapped.close()


def build(doc_id: int, waiting: bool = False) -> Document:
    """Render the document unless the existing file is current. Idempotent.

    `waiting`: a zip asking again whether its PDFs are ready; its clock keeps running.
    Otherwise this is a new attempt (first delivery, or redelivery after a lost worker).
    """
    doc = Document.objects.select_related("application", "snapshot").get(pk=doc_id)
    exporter = EXPORTERS[doc.kind]
    if _is_current(doc):
        return doc
    now = timezone.now()
    if not waiting or doc.started_at is None:
        doc.started_at = now
        doc.attempts += 1
    Document.objects.filter(pk=doc.pk).update(
        state=Document.State.RUNNING, started_at=doc.started_at, attempts=doc.attempts, error=""
    )
    doc.state = Document.State.RUNNING

    def progress(percent: int) -> None:
        Document.objects.filter(pk=doc.pk).update(progress=percent)

    try:
        input_hash = exporter.input_hash(doc)
        content = exporter.render(doc, progress)
        filename = display_name(
            exporter.filename(doc), Document._meta.get_field("filename").max_length
        )
    except (NotReady, *TRANSIENT):
        raise
    except Exception as exc:
        log.exception("document %s failed", doc.pk)
        return mark_failed(doc.pk, str(exc) if isinstance(exc, DocumentError) else FAILED_MESSAGE)
    old = doc.file.name if doc.file else None
    name = _store(doc, filename, content)
    Document.objects.filter(pk=doc.pk).update(
        state=Document.State.DONE,
        file=name,
        filename=filename,
        input_hash=input_hash,
        progress=100,
        finished_at=timezone.now(),
    )
    if old and old != name:
        doc.file.storage.delete(old)
    doc.refresh_from_db()
    return doc


def mark_failed(doc_id: int, message: str) -> Document:
    Document.objects.filter(pk=doc_id).update(
        state=Document.State.FAILED, error=message[:1000], finished_at=timezone.now()
    )
    return Document.objects.get(pk=doc_id)


def sweep_stuck(now=None) -> int:
    """Documents 生成中 past their time limit: queued again, or failed after a few tries."""
    now = now or timezone.now()
    count = 0
    for doc in Document.objects.filter(state=Document.State.RUNNING, started_at__isnull=False):
        if now - doc.started_at <= doc.time_limit():
            continue
        log.warning("document %s stuck in 生成中 since %s", doc.pk, doc.started_at)
        if doc.attempts >= MAX_ATTEMPTS:
            mark_failed(doc.pk, Document.TIMED_OUT)
        else:
            _requeue(doc)
        count += 1
    return count
