"""Notices of the development phase: a milestone's report or review, and due-date reminders.

Every one goes through `accounts.messaging.deliver` (站内消息 + e-mail, texts in
templates/projects/email/), with a link to the project page where the milestone is.
Projects exist only after 正式公布, so nothing here can reveal an unpublished decision.
"""

import datetime as dt

from celery import shared_task
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.messaging import deliver
from accounts.models import User

from .models import Milestone, MilestoneEvent

# Reminders go this many days before a due date, and again once it has passed.
REMIND_DAYS_BEFORE = 7

# Mail server or database away: retried with backoff for ~30 min (as the other e-mail tasks).
RETRY = {
    "acks_late": True,
    "autoretry_for": (OSError, DatabaseError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 10,
}


def lead_members(project):
    """The lead unit's own accounts: participant units and centres are not told."""
    return list(project.lead.organisation.members.filter(is_active=True).order_by("pk"))


def milestone_link(milestone) -> str:
    return reverse("projects:detail", args=[milestone.project_id]) + f"#m-{milestone.pk}"


@shared_task(**RETRY)
def notify_milestone_event(event_id: int) -> int:
    """Tell the other side: the province of a report, the lead unit of a review."""
    event = MilestoneEvent.objects.select_related(
        "actor", "milestone__step", "milestone__project__lead__organisation"
    ).get(pk=event_id)
    milestone = event.milestone
    project = milestone.project
    if event.to_state == Milestone.State.REPORTED:
        users = list(User.objects.filter(role=User.Role.PROVINCE, is_active=True).order_by("pk"))
        template = "projects/email/milestone_reported"
    else:
        users = lead_members(project)
        template = "projects/email/milestone_reviewed"
    context = {"event": event, "milestone": milestone, "project": project}
    return deliver(users, template, context, milestone_link(milestone))


def _remind(milestone_id: int, today: dt.date) -> bool:
    """Send one milestone's reminder if it is due and not sent yet; True when sent."""
    with transaction.atomic():
        # Locked and marked in the same transaction as the delivery: a failed mail leaves it
        # unmarked for the next run, and two runs at once cannot both send it.
        milestone = (
            Milestone.objects.select_for_update(of=("self",))
            .select_related("step", "project__lead__organisation")
            .get(pk=milestone_id)
        )
        if milestone.state not in (Milestone.State.PENDING, Milestone.State.RETURNED):
            return False
        kind = "overdue" if milestone.step.due_on < today else "soon"
        if milestone.reminded == kind:
            return False
        context = {
            "milestone": milestone,
            "project": milestone.project,
            "overdue": kind == "overdue",
        }
        sent = deliver(
            lead_members(milestone.project),
            "projects/email/reminder",
            context,
            milestone_link(milestone),
        )
        Milestone.objects.filter(pk=milestone.pk).update(reminded=kind)
    return bool(sent)


def send_reminders(today: dt.date | None = None) -> int:
    """Remind lead units of milestones due within a week, and of overdue ones; once per kind."""
    today = today or timezone.localdate()
    candidates = (
        Milestone.objects.filter(
            state__in=(Milestone.State.PENDING, Milestone.State.RETURNED),
            step__due_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE),
        )
        .select_related("step")
        .order_by("pk")
    )
    ids = [
        m.pk for m in candidates if m.reminded != ("overdue" if m.step.due_on < today else "soon")
    ]
    return sum(_remind(pk, today) for pk in ids)


@shared_task(**RETRY)
def daily_reminders() -> int:
    # Safe to retry: reminders already sent are marked and skipped.
    return send_reminders()
