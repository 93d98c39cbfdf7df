from celery import shared_task
from django.core.mail import send_mail
from django.db import DatabaseError
from django.template.loader import render_to_string

from applications.models import Application

# Celery discovers tasks.py modules only; the batch notification lives beside its domain code.
from .batch import notify_batch_event  # noqa: E402, F401
from .selection import outcome_for


# Any transient failure (mail server, network, database outage) is retried with backoff.
@shared_task(
    acks_late=True,
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=10,
)
def notify_outcome(application_id: int) -> int:
    """Email an applicant unit's members its published outcome; returns how many were written to."""
    app = Application.objects.select_related(
        "call__publication", "organisation", "unit__entry", "selection"
    ).get(pk=application_id)
    outcome = outcome_for(app)
    # Nothing to tell before publication (or when there was no decision).
    if outcome is None:
        return 0
    recipients = sorted(
        app.organisation.members.filter(is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        return 0
    body = render_to_string("reviews/_selection_email.html", {"app": app, "outcome": outcome})
    subject = f"遴选结果：{app.title}（{app.reference}）{outcome.label}"
    send_mail(subject, body, None, recipients)
    return len(recipients)
