"""E-mails of the development phase: a milestone's report or review, and due-date reminders."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from accounts.models import User

from .models import Milestone, MilestoneEvent

# Reminders go this many days before a due date, and again once it has passed.
REMIND_DAYS_BEFORE = 7


def _lead_emails(project) -> list[str]:
    return sorted(
        project.lead.organisation.members.filter(is_active=True).values_list("email", flat=True)
    )


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_milestone_event(event_id: int) -> int:
    """Tell the other side: the province of a report, the lead unit of a review."""
    event = MilestoneEvent.objects.select_related(
        "milestone__step", "milestone__project__lead__organisation"
    ).get(pk=event_id)
    milestone = event.milestone
    project = milestone.project
    if event.to_state == Milestone.State.REPORTED:
        recipients = sorted(
            User.objects.filter(role=User.Role.PROVINCE, is_active=True).values_list(
                "email", flat=True
            )
        )
    else:
        recipients = _lead_emails(project)
    if not recipients:
        return 0
    subject = f"题库开发里程碑“{milestone.step.name}”：{event.get_to_state_display()}"
    body = (
        f"{project.lead.organisation.name}（{project.lead.title}）\n"
        f"里程碑：{milestone.step.name}\n状态：{event.get_to_state_display()}\n"
        f"说明：{event.comment}\n\n请登录{settings.PORTAL_NAME}查看。"
    )
    send_mail(subject, body, None, recipients)
    return len(recipients)


def send_reminders(today: dt.date | None = None) -> int:
    """Remind lead units of milestones due within a week, and of overdue ones; once per kind."""
    today = today or timezone.localdate()
    open_states = (Milestone.State.PENDING, Milestone.State.RETURNED)
    milestones = Milestone.objects.filter(
        state__in=open_states, step__due_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE)
    ).select_related("step", "project__lead__organisation", "project__lead__unit__entry")
    sent = 0
    for milestone in milestones:
        kind = "overdue" if milestone.step.due_on < today else "soon"
        if milestone.reminded == kind:
            continue
        recipients = _lead_emails(milestone.project)
        due = milestone.step.due_on
        when = f"{due.year}年{due.month}月{due.day}日"
        if kind == "overdue":
            subject = f"题库开发里程碑“{milestone.step.name}”已逾期"
            text = f"该里程碑的完成期限为{when}，已逾期，请尽快完成并在平台上报告。"
        else:
            subject = f"题库开发里程碑“{milestone.step.name}”即将到期"
            text = f"该里程碑的完成期限为{when}，请按期完成并在平台上报告。"
        if recipients:
            body = f"{milestone.project.lead.organisation.name}（{milestone.project.lead.title}）\n{text}"
            send_mail(subject, body, None, recipients)
            sent += 1
        Milestone.objects.filter(pk=milestone.pk).update(reminded=kind)
    return sent


@shared_task
def daily_reminders() -> int:
    return send_reminders()
