from celery import shared_task
from django.core.mail import send_mail
from django.db import DatabaseError
from django.template.loader import render_to_string

from accounts.models import User

from .models import Event, Status

# Steps inside the centre's review (开始审核, 核实, 撤销推荐) are not worth an email: a centre
# taking an application up and deciding on it would otherwise send three in a minute.
QUIET = {Status.IN_REVIEW, Status.VERIFIED}


# Any transient failure (mail server, network, database outage) is retried with backoff.
@shared_task(
    acks_late=True,
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=10,
)
def notify_event(event_id: int) -> int:
    """Email the people a state change concerns; returns how many were written to."""
    event = Event.objects.select_related(
        "application__organisation__centre", "application__call", "actor"
    ).get(pk=event_id)
    # The province's decisions reach applicants through the publication email only.
    if event.is_selection_stage or event.to_status in QUIET:
        return 0
    app = event.application
    members = list(app.organisation.members.filter(is_active=True).values_list("email", flat=True))
    recipients = set(members)
    if event.to_status == Status.SUBMITTED:
        recipients.update(
            User.objects.filter(centre_id=app.organisation.centre_id, is_active=True).values_list(
                "email", flat=True
            )
        )
    if event.actor_id:
        recipients.discard(event.actor.email)
    if not recipients:
        return 0
    body = render_to_string("applications/email/event.txt", {"event": event, "app": app})
    subject = f"申报书{app.reference}：{event.get_to_status_display()}"
    send_mail(subject, body, None, sorted(recipients))
    return len(recipients)
