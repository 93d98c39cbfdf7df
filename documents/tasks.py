from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from .exporters import NotReady
from .services import DISK_MESSAGE, FAILED_MESSAGE, TRANSIENT, build, mark_failed


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=8,
    # The soft limit fails the render cleanly; the hard one ends a pool process that hangs.
    soft_time_limit=settings.DOCUMENT_TIME_LIMIT - 10,
    time_limit=settings.DOCUMENT_TIME_LIMIT,
)
def build_document(self, doc_id: int, waiting: bool = False) -> str:
    try:
        return build(doc_id, waiting=waiting).state
    except NotReady as wait:
        # A zip waiting for its PDFs: ask again shortly, without using up its retries.
        raise self.retry(
            kwargs={"doc_id": doc_id, "waiting": True},
            countdown=wait.countdown,
            max_retries=self.request.retries + 1,
        ) from None
    except TRANSIENT as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            message = FAILED_MESSAGE if isinstance(exc, DatabaseError) else DISK_MESSAGE
            # With the database still down this raises too: the outbox sweep sends it again.
            return mark_failed(doc_id, message).state
        # 1, 2, 4 ... 60 s: a database restart of a minute or two is waited out.
        countdown = min(2**self.request.retries, 60)
        raise self.retry(exc=exc, countdown=countdown) from exc
