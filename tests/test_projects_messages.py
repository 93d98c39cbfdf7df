"""Development-phase notices as 站内消息 + e-mail with a direct link: reminders before a due date
and when overdue (once each), a report to the province, a review to the lead unit, and nobody
else told."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError
from django.template.loader import get_template
from django.urls import reverse

from accounts.models import Message
from projects import services
from projects.tasks import daily_reminders, notify_milestone_event, send_reminders
from tests.factories import CityStaffFactory, ProvinceStaffFactory, UserFactory
from tests.test_projects_milestones import make_project

SITE = "https://tiku.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def project(db):
    with time_machine.travel(dt.datetime(2023, 10, 9, 2, tzinfo=dt.UTC)):
        return make_project()


@pytest.fixture
def people(project):
    """Everyone who might be told: only the lead unit's active members are."""
    participant = project.participants.select_related("organisation").get()
    other = make_project()
    return {
        "lead": [
            UserFactory(organisation=project.lead.organisation),
            UserFactory(organisation=project.lead.organisation),
        ],
        "inactive": UserFactory(organisation=project.lead.organisation, is_active=False),
        "participant": UserFactory(organisation=participant.organisation),
        "other_unit": UserFactory(organisation=other.lead.organisation),
        "lead_centre": CityStaffFactory(centre=project.lead.organisation.centre),
        "province": ProvinceStaffFactory(),
    }


def first(project):
    return project.milestones.select_related("step").first()


def at(day):
    return time_machine.travel(dt.datetime.combine(day, dt.time(1), tzinfo=dt.UTC))


def link_of(milestone):
    return reverse("projects:detail", args=[milestone.project_id]) + f"#m-{milestone.pk}"


def assert_told(users, link, subject_part):
    """Each user has one new message with the link, and an e-mail with the same text + full URL."""
    for user in users:
        message = Message.objects.filter(user=user).latest("pk")
        assert message.link == link and subject_part in message.subject
        sent = [m for m in mail.outbox if user.email in m.to and m.subject == message.subject]
        assert len(sent) == 1
        assert sent[0].body == message.body and f"{SITE}{link}" in sent[0].body
        user.refresh_from_db()
        assert user.unread_messages == Message.objects.filter(user=user, read_at=None).count()


def assert_untold(*users):
    for user in users:
        assert not Message.objects.filter(user=user).exists()
        assert not [m for m in mail.outbox if user.email in m.to]


def test_reminders_before_due_and_overdue_reach_the_lead_once_each(project, people):
    milestone = first(project)
    due, link = milestone.step.due_on, link_of(milestone)
    with at(due - dt.timedelta(days=6)):
        assert send_reminders() == 1
        assert send_reminders() == 0
    assert_told(people["lead"], link, "即将到期")
    soon = Message.objects.filter(user=people["lead"][0]).get()
    assert due.strftime("%Y") in soon.body and "请按期完成" in soon.body
    with at(due + dt.timedelta(days=1)):
        # The beat task and the command do the same: the overdue notice once, whichever runs.
        call_command("send_milestone_reminders", stdout=io.StringIO())
        assert daily_reminders() == 0
    assert_told(people["lead"], link, "已逾期")
    for user in people["lead"]:
        assert Message.objects.filter(user=user).count() == 2
    assert len(mail.outbox) == 2
    others = [people[k] for k in ("inactive", "participant", "other_unit", "lead_centre")]
    assert_untold(*others, people["province"])


def test_a_reminder_whose_mail_fails_is_not_marked_and_goes_next_time(project, people, settings):
    milestone = first(project)
    due = milestone.step.due_on
    # A mail server that refuses connections (nothing listens on port 1).
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with at(due - dt.timedelta(days=3)), pytest.raises(OSError):
        send_reminders()
    milestone.refresh_from_db()
    assert milestone.reminded == "" and not Message.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with at(due - dt.timedelta(days=3)):
        assert send_reminders() == 1
    assert_told(people["lead"], link_of(milestone), "即将到期")


def test_a_report_tells_the_province_and_a_review_tells_the_lead(project, people):
    milestone = first(project)
    link = link_of(milestone)
    lead = people["lead"][0]
    event = services.set_milestone_state(milestone, "reported", lead, "细目表已完成")
    assert notify_milestone_event(event.pk) == 1
    assert_told([people["province"]], link, "待审核")
    body = Message.objects.get(user=people["province"]).body
    assert project.lead.organisation.name in body and "细目表已完成" in body
    assert_untold(*people["lead"])
    mail.outbox.clear()
    event = services.set_milestone_state(
        first(project), "returned", people["province"], "请补充签字页"
    )
    assert notify_milestone_event(event.pk) == 2
    assert_told(people["lead"], link, "已退回")
    body = Message.objects.filter(user=lead).latest("pk").body
    assert "请补充签字页" in body and "重新报告" in body
    assert Message.objects.filter(user=people["province"]).count() == 1
    others = [people[k] for k in ("inactive", "participant", "other_unit", "lead_centre")]
    assert_untold(*others)


def test_acceptance_tells_the_lead_through_the_outbox(
    project, people, django_capture_on_commit_callbacks
):
    milestone = first(project)
    services.set_milestone_state(milestone, "reported", people["lead"][0], "完成")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.set_milestone_state(first(project), "accepted", people["province"])
    assert_told(people["lead"], link_of(milestone), "已通过")
    assert_untold(people["participant"], people["other_unit"])


def test_projects_notices_retry_and_their_texts_are_templates():
    for task in (notify_milestone_event, daily_reminders):
        assert DatabaseError in task.autoretry_for and OSError in task.autoretry_for
        assert task.max_retries >= 10
    for name in ("milestone_reported", "milestone_reviewed", "reminder"):
        get_template(f"projects/email/{name}.txt")
        get_template(f"projects/email/{name}_subject.txt")
