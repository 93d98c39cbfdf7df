"""The outbox: record background work with the action, hand it to the broker after commit.

A saved action never fails because of the broker: handing over is tried once, within the
broker timeouts (2 s), and anything not handed over waits for `sweep`.
"""

import logging
import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Job

log = logging.getLogger(__name__)

# After a failed hand-over this process leaves the broker alone for a while: a hung broker
# must not cost every request (or every job of one request) its timeout.
_rest_until = 0.0
BACKOFF_SECONDS = 10

# Other apps add their own periodic checks (e.g. documents stuck in 生成中).
SWEEPERS: list = []


def enqueue(task: str, *args) -> Job:
    """Record `task(*args)` in the current transaction; it is sent once the transaction commits."""
    job = Job.objects.create(task=task, args=list(args))
    transaction.on_commit(lambda: dispatch([job.pk]))
    return job


def _broker_resting() -> bool:
    return time.monotonic() < _rest_until


def dispatch(job_ids) -> int:
    """Hand these jobs to the broker; returns how many were handed over."""
    global _rest_until
    from tiku_portal.celery import app

    sent = 0
    for job in Job.objects.filter(pk__in=job_ids, done_at__isnull=True).order_by("pk"):
        # Task names are "module.function"; importing the module registers the task.
        import_module(job.task.rpartition(".")[0])
        task = app.tasks[job.task]
        if app.conf.task_always_eager:
            Job.objects.filter(pk=job.pk).update(dispatched_at=timezone.now(), attempts=1)
            task.apply_async(args=job.args, task_id=job.task_id)
            sent += 1
            continue
        if _broker_resting():
            break
        # Claim the job first: a sweep running at the same time must not send it too.
        claimed = Job.objects.filter(pk=job.pk, dispatched_at=job.dispatched_at).update(
            dispatched_at=timezone.now(), attempts=job.attempts + 1
        )
        if not claimed:
            continue
        try:
            task.apply_async(args=job.args, task_id=job.task_id)
        except Exception as exc:
            Job.objects.filter(pk=job.pk).update(dispatched_at=job.dispatched_at)
            _rest_until = time.monotonic() + BACKOFF_SECONDS
            log.warning("broker refused job %s (%r); the sweep will send it", job.pk, exc)
            break
        sent += 1
    return sent


def due(now=None):
    """Jobs never handed over, or handed over so long ago that the message must be lost."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER)
    return Job.objects.filter(done_at__isnull=True).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale)
    )


def sweep(now=None) -> int:
    """Run the apps' checks, then send what is due; returns how many jobs were handed over."""
    global _rest_until
    # The sweep itself must try the broker even if a request recently found it down.
    _rest_until = 0.0
    for check in SWEEPERS:
        check(now)
    ids = list(due(now).order_by("pk").values_list("pk", flat=True)[:1000])
    return dispatch(ids) if ids else 0
