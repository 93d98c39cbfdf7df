from celery import shared_task
from django.urls import reverse

from accounts.messaging import deliver
from applications.models import Application

# Celery discovers tasks.py modules only; the batch notification lives beside its domain code.
from .batch import notify_batch_event  # noqa: E402, F401
from .selection import outcome_for


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_outcome(application_id: int) -> int:
    """Tell an applicant unit's members its published outcome (e-mail and 站内消息)."""
    app = Application.objects.select_related(
        "call__publication", "organisation", "unit__entry", "selection"
    ).get(pk=application_id)
    outcome = outcome_for(app)
    # Nothing to tell before publication (or when there was no decision).
    if outcome is None:
        return 0
    return deliver(
        app.organisation.members.filter(is_active=True),
        "reviews/email/outcome",
        {"app": app, "outcome": outcome},
        reverse("applications:detail", args=[app.pk]),
    )
