"""Messages that lead somewhere: e-mail with a direct link, the same text as 站内消息, an unread
count in the navbar, a confirmation of the unit's own submission, and no decision before
publication."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.messaging import deliver
from accounts.models import Message
from applications.models import Status
from applications.tasks import notify_event
from applications.workflow import set_state
from reviews.batch import send_batch
from reviews.models import Recommendation, Review
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EARLY = dt.datetime(2023, 6, 12, 2, 0, tzinfo=dt.UTC)
SITE = "https://tiku.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def submitted():
    centre = CentreFactory()
    staff = CityStaffFactory(centre=centre)
    app = ApplicationFactory(complete=True, call=CallFactory(), organisation__centre=centre)
    member = UserFactory(organisation=app.organisation)
    colleague = UserFactory(organisation=app.organisation)
    mail.outbox.clear()
    event = set_state(app, Status.SUBMITTED, member, now=EARLY)
    # The task set_state schedules on commit; run here without the PDF rendering beside it.
    notify_event(event.pk)
    return {"app": app, "staff": staff, "member": member, "colleague": colleague}


def test_submission_tells_the_centre_with_a_link_to_the_review_page(submitted):
    app, staff = submitted["app"], submitted["staff"]
    message = Message.objects.get(user=staff)
    assert message.link == reverse("reviews:review", args=[app.pk])
    centre_mail = next(m for m in mail.outbox if staff.email in m.to)
    assert f"{SITE}{message.link}" in centre_mail.body
    assert centre_mail.subject == message.subject and centre_mail.body == message.body


def test_submitter_gets_a_confirmation_with_version_time_and_code(submitted):
    app, member = submitted["app"], submitted["member"]
    snapshot = app.snapshots.get()
    confirmation = Message.objects.get(user=member)
    assert "提交确认" in confirmation.subject
    for text in ("第1版", snapshot.verification_code, "2023年6月12日 10:00", app.reference):
        assert text in confirmation.body, text
    assert f"{SITE}{reverse('applications:detail', args=[app.pk])}" in confirmation.body
    # The colleague is told of the change; the submitter is not told twice.
    assert Message.objects.filter(user=submitted["colleague"]).count() == 1
    assert Message.objects.filter(user=member).count() == 1


def test_unread_count_in_the_navbar_and_opening_marks_read(client, submitted):
    staff = submitted["staff"]
    client.force_login(staff)
    html = client.get(reverse("messages:list")).content.decode()
    assert 'data-testid="unread-count">1<' in html
    message = Message.objects.get(user=staff)
    response = client.get(reverse("messages:open", args=[message.pk]))
    assert response.status_code == 302 and response.url == message.link
    message.refresh_from_db()
    staff.refresh_from_db()
    assert message.read_at is not None and staff.unread_messages == 0
    assert 'data-testid="unread-count"' not in client.get(reverse("messages:list")).content.decode()


def test_navbar_count_costs_no_query(client, submitted, django_assert_num_queries):
    client.force_login(submitted["staff"])
    client.get(reverse("messages:list"))
    # Session, user, the user's centre (header), count and page of messages: none for the badge.
    with django_assert_num_queries(5):
        client.get(reverse("messages:list"))


def test_messages_list_at_one_and_three_rows(client, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    deliver([user], "applications/email/event", {"event": None, "app": None}, "/")
    with django_assert_num_queries(5):
        client.get(reverse("messages:list"))
    deliver([user], "applications/email/event", {"event": None, "app": None}, "/")
    deliver([user], "applications/email/event", {"event": None, "app": None}, "/")
    assert Message.objects.filter(user=user).count() == 3
    with django_assert_num_queries(5):
        client.get(reverse("messages:list"))


def test_someone_elses_message_is_404(client, submitted):
    message = Message.objects.get(user=submitted["staff"])
    client.force_login(submitted["member"])
    assert client.get(reverse("messages:open", args=[message.pk])).status_code == 404
    assert submitted["staff"].email not in client.get(reverse("messages:list")).content.decode()
    message.refresh_from_db()
    assert message.read_at is None


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("messages:list"))
    assert response.status_code == 302 and "login" in response.url


def test_read_all(client, submitted):
    member = submitted["member"]
    client.force_login(member)
    client.post(reverse("messages:read_all"))
    member.refresh_from_db()
    assert member.unread_messages == 0
    assert not Message.objects.filter(user=member, read_at=None).exists()


def test_no_selection_decision_reaches_the_unit_or_the_city(submitted):
    app, staff = submitted["app"], submitted["staff"]
    set_state(app, Status.VERIFIED, staff, now=EARLY)
    Review.objects.create(application=app, recommendation=Recommendation.LEAD, reason="强")
    set_state(app, Status.RECOMMENDED, staff, now=EARLY)
    set_state(app, Status.SENT, staff, now=EARLY)
    before = Message.objects.count()
    event = set_state(app, Status.SELECTED, ProvinceStaffFactory(), now=EARLY)
    assert notify_event(event.pk) == 0
    assert Message.objects.count() == before
    assert not Message.objects.filter(subject__contains="入选").exists()


def test_batch_sent_message_links_the_province_to_its_list(django_capture_on_commit_callbacks):
    centre = CentreFactory()
    staff = CityStaffFactory(centre=centre)
    province = ProvinceStaffFactory()
    app = ApplicationFactory(complete=True, organisation__centre=centre)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=EARLY)
    set_state(app, Status.VERIFIED, staff, now=EARLY)
    Review.objects.create(application=app, recommendation=Recommendation.LEAD, reason="强")
    set_state(app, Status.RECOMMENDED, staff, now=EARLY)
    from reviews.batch import notify_batch_event
    from reviews.models import BatchEvent

    with time_machine.travel(EARLY):
        send_batch(centre, app.call, staff, contact_person="李", contact_phone="0571-12345678")
    notify_batch_event(BatchEvent.objects.get().pk)
    message = Message.objects.get(user=province)
    assert message.link == f"{reverse('reviews:batch_list')}?call={app.call.slug}"
    assert f"{SITE}{message.link}" in message.body


def test_every_email_text_is_a_template():
    from django.template.loader import get_template

    for name in (
        "applications/email/event",
        "applications/email/submitted_centre",
        "applications/email/submitted_confirmation",
        "reviews/email/batch",
        "reviews/email/outcome",
    ):
        get_template(f"{name}.txt")
        get_template(f"{name}_subject.txt")
