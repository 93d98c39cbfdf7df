from celery import shared_task

from .services import TRANSIENT, build, mark_failed


@shared_task(bind=True, acks_late=True, max_retries=3)
def build_document(self, doc_id: int) -> str:
    try:
        return build(doc_id).state
    except TRANSIENT as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            return mark_failed(doc_id, f"生成失败，请重试：{exc.__class__.__name__}").state
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
