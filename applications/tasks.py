from celery import shared_task
from django.urls import reverse

from accounts.messaging import deliver
from accounts.models import User

from .models import Event, Status

# Steps inside the centre's review (开始审核, 核实, 撤销推荐) are not worth an email: a centre
# taking an application up and deciding on it would otherwise send three in a minute.
QUIET = {Status.IN_REVIEW, Status.VERIFIED}


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_event(event_id: int) -> int:
    """Tell the people a state change concerns (e-mail and 站内消息); returns how many."""
    event = Event.objects.select_related(
        "application__organisation__centre", "application__call", "actor"
    ).get(pk=event_id)
    # The province's decisions reach applicants through the publication message only.
    if event.kind != Event.Kind.STATUS or event.is_selection_stage or event.to_status in QUIET:
        return 0
    app = event.application
    context = {"event": event, "app": app}
    members = [m for m in app.organisation.members.filter(is_active=True) if m != event.actor]
    told = deliver(
        members,
        "applications/email/event",
        context,
        reverse("applications:detail", args=[app.pk]),
    )
    if event.to_status == Status.SUBMITTED:
        staff = User.objects.filter(centre_id=app.organisation.centre_id, is_active=True)
        told += deliver(
            [u for u in staff if u != event.actor],
            "applications/email/submitted_centre",
            context,
            reverse("reviews:review", args=[app.pk]),
        )
        # The one who submitted gets its own confirmation: version, time and 校验码.
        if event.actor and event.actor.organisation_id == app.organisation_id:
            snapshot = app.snapshots.order_by("-number").first()
            told += deliver(
                [event.actor],
                "applications/email/submitted_confirmation",
                {**context, "snapshot": snapshot},
                reverse("applications:detail", args=[app.pk]),
            )
    return told
