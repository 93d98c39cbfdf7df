from celery.signals import task_success
from django.utils import timezone

from .models import Job


def job_id(task_id: str | None) -> int | None:
    if task_id and task_id.startswith("outbox-") and task_id[7:].isdigit():
        return int(task_id[7:])
    return None


@task_success.connect
def mark_done(sender=None, **kwargs):
    pk = job_id(getattr(sender.request, "id", None))
    if pk is not None:
        Job.objects.filter(pk=pk, done_at__isnull=True).update(done_at=timezone.now())
