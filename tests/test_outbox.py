"""The outbox: work a user action implies is saved with it and delivered at least once.

These tests run without a worker: a broker address that refuses (or never answers) stands
for an outage; the sweep then runs the jobs in-process (eager), as a worker would.
"""

import datetime as dt
import socket
import time

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.models import Status
from applications.workflow import set_state
from documents import services as documents
from documents.models import Document
from outbox import services as outbox
from outbox.models import Job
from reviews.models import Recommendation, Review
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UserFactory,
)
from tiku_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

BEFORE = dt.datetime(2023, 6, 20, 2, 0, tzinfo=dt.UTC)


# Nothing listens on port 1, and it is outside the ephemeral range: a port picked as "free"
# could be taken by another process or even connect to itself (a Linux TCP self-connect).
DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker(settings, monkeypatch):
    """Point Celery at a broker address for the test; tasks are sent, not run inline."""

    def use(url):
        # Celery reads CELERY_BROKER_URL from the environment before its own setting.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf.broker_url = url
        celery_app.conf.task_always_eager = False
        # Celery caches its connection pools; an earlier test may have made one elsewhere.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        settings.CELERY_BROKER_URL = url

    saved = celery_app.conf.broker_url
    outbox._rest_until = 0.0
    yield use
    celery_app.conf.task_always_eager = True
    # Celery caches its connection pools; the next test must not reuse this broker's.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url = saved
    outbox._rest_until = 0.0


@pytest.fixture
def hung_port():
    """A server that accepts connections and never answers: a stopped (SIGSTOP) Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    yield server.getsockname()[1]
    server.close()


def eager_again():
    celery_app.conf.task_always_eager = True


def submit_through_page(client, app, member):
    client.force_login(member)
    with time_machine.travel(BEFORE, tick=False):
        return client.post(reverse("applications:submit", args=[app.pk]), follow=True)


def test_submit_with_the_broker_down_answers_success_and_the_sweep_delivers(
    client, broker, django_capture_on_commit_callbacks
):
    broker(DEAD_BROKER)
    app = ApplicationFactory(complete=True)
    member = UserFactory(organisation=app.organisation)
    CityStaffFactory(centre=app.organisation.centre)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit_through_page(client, app, member)
    assert response.status_code == 200 and "已提交" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    # Saved with the submission: the PDF (排队中) and the e-mail, neither handed over yet.
    doc = Document.objects.get(application=app)
    assert doc.state == Document.State.QUEUED
    jobs = list(Job.objects.order_by("pk"))
    assert [j.task for j in jobs] == [
        "documents.tasks.build_document",
        "applications.tasks.notify_event",
    ]
    assert all(j.dispatched_at is None and j.done_at is None for j in jobs)

    # The broker is back: the sweep hands everything over once, and it runs.
    eager_again()
    mail.outbox.clear()
    assert outbox.sweep() == 2
    doc.refresh_from_db()
    assert doc.state == Document.State.DONE
    # One to the centre, one confirmation to the unit's submitter.
    assert len(mail.outbox) == 2 and any(app.reference in m.subject for m in mail.outbox)
    assert not Job.objects.filter(done_at__isnull=True).exists()
    # Nothing is sent twice.
    assert outbox.sweep() == 0 and len(mail.outbox) == 2


def test_a_hung_broker_costs_one_request_at_most_two_seconds(
    client, broker, hung_port, django_capture_on_commit_callbacks
):
    broker(f"redis://127.0.0.1:{hung_port}/0")
    apps = [ApplicationFactory(complete=True) for _ in range(2)]
    timings = []
    for app in apps:
        member = UserFactory(organisation=app.organisation)
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = submit_through_page(client, app, member)
        timings.append(time.monotonic() - started)
        assert response.status_code == 200 and "已提交" in response.content.decode()
    # The first submit waits for the broker's timeout once; the next does not wait at all.
    assert timings[0] < 3.5 and timings[1] < 1.5, timings
    assert Job.objects.filter(dispatched_at__isnull=True).count() == 4


def test_batch_send_with_the_broker_down_makes_the_sent_sheet_later(
    client, broker, django_capture_on_commit_callbacks
):
    call = CallFactory()
    centre = CentreFactory(region="杭州", contact_person="李老师", contact_phone="0571-12345678")
    staff = CityStaffFactory(centre=centre)
    ProvinceStaffFactory()
    app = ApplicationFactory(complete=True, call=call, organisation__centre=centre)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    for to in (Status.IN_REVIEW, Status.VERIFIED):
        set_state(app, to, staff, now=BEFORE)
    Review.objects.create(application=app, recommendation=Recommendation.LEAD, reason="好")
    set_state(app, Status.RECOMMENDED, staff, now=BEFORE)
    Job.objects.update(done_at=timezone.now())

    broker(DEAD_BROKER)
    client.force_login(staff)
    with time_machine.travel(BEFORE), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reviews:batch_send"),
            {"call": call.slug, "contact_person": "李老师", "contact_phone": "0571-12345678"},
        )
    assert response.status_code == 302
    sheet = Document.objects.get(kind=Document.Kind.SUMMARY_XLSX)
    assert sheet.params == {"sent": True} and sheet.state == Document.State.QUEUED

    eager_again()
    mail.outbox.clear()
    with time_machine.travel(BEFORE):
        outbox.sweep()
    sheet.refresh_from_db()
    assert sheet.state == Document.State.DONE
    assert any("已报送" in m.subject for m in mail.outbox)


def test_the_sweep_command_sends_what_is_due(broker, capsys):
    broker(DEAD_BROKER)
    app = ApplicationFactory(complete=True)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    eager_again()
    call_command("sweep_outbox")
    assert "交付 2 个后台任务" in capsys.readouterr().out
    assert Document.objects.get(application=app).state == Document.State.DONE


def test_a_job_handed_over_long_ago_and_never_done_is_sent_again(settings):
    app = ApplicationFactory(complete=True)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    job = Job.objects.create(task="applications.tasks.notify_event", args=[0])
    recent = timezone.now() - dt.timedelta(seconds=10)
    Job.objects.filter(pk=job.pk).update(dispatched_at=recent, attempts=1)
    assert job.pk not in set(outbox.due().values_list("pk", flat=True))
    lost = timezone.now() - dt.timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER + 1)
    Job.objects.filter(pk=job.pk).update(dispatched_at=lost)
    assert job.pk in set(outbox.due().values_list("pk", flat=True))


def test_a_render_past_its_limit_shows_failed_with_retry_and_the_sweep_requeues(
    client, django_capture_on_commit_callbacks
):
    app = ApplicationFactory(complete=True)
    member = UserFactory(organisation=app.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, member, now=BEFORE)
    doc = Document.objects.get(application=app)
    long_ago = timezone.now() - doc.time_limit() - dt.timedelta(seconds=5)
    Document.objects.filter(pk=doc.pk).update(
        state=Document.State.RUNNING, started_at=long_ago, attempts=1
    )
    client.force_login(member)
    body = client.get(reverse("documents:status", args=[doc.pk])).content.decode()
    # Terminal for the page: 失败 with 重试, and no more polling.
    assert "失败" in body and "重试" in body and "hx-trigger" not in body
    assert "生成超时" in body

    with django_capture_on_commit_callbacks(execute=True):
        assert documents.sweep_stuck() == 1
    doc.refresh_from_db()
    assert doc.state == Document.State.DONE and doc.attempts == 2


def test_a_render_stuck_too_often_is_marked_failed():
    app = ApplicationFactory(complete=True)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    doc = Document.objects.get(application=app)
    long_ago = timezone.now() - doc.time_limit() - dt.timedelta(seconds=5)
    Document.objects.filter(pk=doc.pk).update(
        state=Document.State.RUNNING, started_at=long_ago, attempts=documents.MAX_ATTEMPTS
    )
    documents.sweep_stuck()
    doc.refresh_from_db()
    assert doc.state == Document.State.FAILED and doc.error == Document.TIMED_OUT


def test_staff_see_regenerate_on_a_finished_pdf_and_applicants_do_not(
    client, django_capture_on_commit_callbacks
):
    app = ApplicationFactory(complete=True)
    member = UserFactory(organisation=app.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, member, now=BEFORE)
    doc = Document.objects.get(application=app)
    url = reverse("documents:status", args=[doc.pk])
    client.force_login(member)
    assert "重新生成" not in client.get(url).content.decode()
    staff = CityStaffFactory(centre=app.organisation.centre)
    client.force_login(staff)
    assert 'data-testid="doc-regenerate"' in client.get(url).content.decode()
    first = doc.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:retry", args=[doc.pk]))
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.state == Document.State.DONE and doc.file.name != first


def test_admin_regenerates_selected_documents(client, django_capture_on_commit_callbacks):
    from tests.factories import AdminFactory

    app = ApplicationFactory(complete=True)
    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    doc = Document.objects.get(application=app)
    Document.objects.filter(pk=doc.pk).update(state=Document.State.FAILED, error="x")
    admin = AdminFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:documents_document_changelist"),
            {"action": "regenerate", "_selected_action": [doc.pk]},
        )
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.state == Document.State.DONE and doc.error == ""


def test_e_mail_tasks_retry_on_database_and_network_errors():
    from django.db import DatabaseError

    from applications.tasks import notify_event
    from reviews.batch import notify_batch_event
    from reviews.tasks import notify_outcome

    for task in (notify_event, notify_batch_event, notify_outcome):
        assert DatabaseError in task.autoretry_for
        assert OSError in task.autoretry_for and task.max_retries >= 10
