"""Fault drills with a real Celery worker and our own Redis (CI's second pass).

Each test starts its own redis-server on a spare port and its own worker attached to it, so
stopping, killing or freezing them never touches the shared broker or the suite's worker.
"""

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from applications.models import Status
from applications.workflow import set_state
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

ROOT = Path(__file__).resolve().parent.parent
BEFORE = dt.datetime(2023, 6, 20, 2, 0, tzinfo=dt.UTC)
ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.skipif(
        not (ON_POSTGRES and shutil.which("redis-server")),
        reason="needs PostgreSQL (shared with the worker) and redis-server (CI's second pass)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class Redis:
    """A throwaway redis-server; stopped, frozen and started again by its pid."""

    def __init__(self, port):
        self.port, self.process = port, None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        assert wait_for(self._answers, 10), "redis-server did not start"

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)

    def freeze(self):
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis():
    server = Redis(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def drill(redis, settings, private_media, tmp_path, transactional_db, monkeypatch):
    """Our broker, our worker (2 pool processes) and this process's tasks sent to them."""
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis.url,
        "MEDIA_ROOT": str(private_media),
        # django-environ reads the path as relative: the worker runs from "/" to match.
        "EMAIL_URL": f"filemail://{mail_dir}",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tiku_portal", "worker", "--concurrency", "2"]
        + ["--pool", "prefork", "--loglevel", "WARNING", "--logfile", str(log)]
        + ["--hostname", f"drill-{redis.port}@%h", "--without-gossip", "--without-mingle"],
        cwd="/",
        env=env,
    )
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    # Celery reads CELERY_BROKER_URL from the environment before its own setting.
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = redis.url, False
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    settings.CELERY_BROKER_URL = redis.url
    outbox._rest_until = 0.0
    assert wait_for(lambda: celery_app.control.ping(timeout=0.5), 60, 0.5), log.read_text()
    yield {"redis": redis, "worker": worker, "mail": mail_dir, "log": log}
    worker.terminate()
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    outbox._rest_until = 0.0


def pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def sent_subjects(folder: Path) -> list[str]:
    """Subjects of the e-mails the worker wrote with Django's file backend."""
    import email
    from email import policy

    subjects = []
    for path in folder.glob("*.log"):
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                message = email.message_from_bytes(chunk.strip(), policy=policy.default)
                subjects.append(str(message["Subject"]))
    return subjects


def state_of(doc_id):
    return Document.objects.values_list("state", flat=True).get(pk=doc_id)


def test_a_pool_process_killed_mid_render_does_not_lose_the_pdf(drill):
    app = ApplicationFactory(complete=True)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    doc = Document.objects.get(application=app)
    assert wait_for(lambda: state_of(doc.pk) == Document.State.RUNNING, 60, 0.02)
    # What the out-of-memory killer does: the pool processes die, the worker lives.
    killed = pool_children(drill["worker"].pid)
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: state_of(doc.pk) == Document.State.DONE, 90, 0.2), drill[
        "log"
    ].read_text()
    doc.refresh_from_db()
    with doc.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert doc.attempts >= 2 and killed


def _city_ready_to_send():
    call = CallFactory()
    centre = CentreFactory(region="杭州", contact_person="李老师", contact_phone="0571-12345678")
    staff = CityStaffFactory(centre=centre)
    ProvinceStaffFactory()
    app = ApplicationFactory(complete=True, call=call, organisation__centre=centre)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    for to in (Status.IN_REVIEW, Status.VERIFIED):
        set_state(app, to, staff, now=BEFORE)
    Review.objects.create(application=app, recommendation=Recommendation.LEAD, reason="团队强")
    set_state(app, Status.RECOMMENDED, staff, now=BEFORE)
    return call, staff


def test_broker_down_during_submits_and_a_batch_send_then_back(drill, client, capsys):
    import time_machine

    call, staff = _city_ready_to_send()
    assert wait_for(lambda: not Job.objects.filter(done_at__isnull=True).exists(), 60)
    apps = [ApplicationFactory(complete=True) for _ in range(20)]
    members = [UserFactory(organisation=a.organisation) for a in apps]
    # Each submission e-mails its centre's staff.
    for app in apps:
        CityStaffFactory(centre=app.organisation.centre)

    drill["redis"].stop()
    with time_machine.travel(BEFORE, tick=True):
        for app, member in zip(apps, members, strict=True):
            client.force_login(member)
            response = client.post(reverse("applications:submit", args=[app.pk]), follow=True)
            assert response.status_code == 200 and "已提交" in response.content.decode()
        client.force_login(staff)
        response = client.post(
            reverse("reviews:batch_send"),
            {"call": call.slug, "contact_person": "李老师", "contact_phone": "0571-12345678"},
            follow=True,
        )
    assert response.status_code == 200 and "报送" in response.content.decode()
    pdfs = Document.objects.filter(application__in=apps)
    assert pdfs.count() == 20 and set(pdfs.values_list("state", flat=True)) == {"queued"}
    sheet = Document.objects.get(kind=Document.Kind.SUMMARY_XLSX, params__sent=True)
    assert sheet.state == Document.State.QUEUED

    # The broker returns; the next sweep (Celery beat, or manage.py sweep_outbox) delivers.
    drill["redis"].start()
    back = time.monotonic()
    assert wait_for(lambda: outbox.sweep() > 0 or not outbox.due().exists(), 30, 0.5)
    wanted = [*pdfs.values_list("pk", flat=True), sheet.pk]
    assert wait_for(
        lambda: Document.objects.filter(pk__in=wanted, state="done").count() == len(wanted),
        240,
        0.2,
    ), drill["log"].read_text()
    elapsed = time.monotonic() - back
    with capsys.disabled():
        print(f"\n[drill] broker back -> 21 documents delivered (20 PDFs + 附件3): {elapsed:.1f} s")
    assert wait_for(lambda: not Job.objects.filter(done_at__isnull=True).exists(), 60)
    subjects = sent_subjects(drill["mail"])
    # Per submission one e-mail to the unit's centre and one confirmation to the submitter;
    # and the province's "已报送".
    assert sum(s.endswith("报送已报送") for s in subjects) == 1, subjects
    assert sum(s.strip().startswith("新提交的申报书") for s in subjects) == 21, subjects
    assert sum(s.strip().startswith("提交确认") for s in subjects) == 21, subjects


def test_a_hung_broker_healthz_and_submit_answer_in_time(drill, client):
    app = ApplicationFactory(complete=True)
    member = UserFactory(organisation=app.organisation)
    client.force_login(member)
    drill["redis"].freeze()
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        assert time.monotonic() - started < 3.0
        assert response.status_code == 503 and response.json()["failing"] == ["broker"]

        import time_machine

        started = time.monotonic()
        with time_machine.travel(BEFORE, tick=True):
            response = client.post(reverse("applications:submit", args=[app.pk]), follow=True)
        # One broker timeout (2 s) plus the page itself, on a shared 2-core machine.
        assert time.monotonic() - started < 5.0
        assert "已提交" in response.content.decode()
    finally:
        drill["redis"].thaw()
    doc = Document.objects.get(application=app)
    outbox.sweep()
    assert wait_for(lambda: state_of(doc.pk) == Document.State.DONE, 90, 0.2)
    assert client.get("/healthz").status_code == 200


def test_a_zip_asked_for_before_its_pdfs_exist_waits_for_them(drill):
    from applications.exporters import pdf_documents
    from documents.services import request_zip

    apps = [ApplicationFactory(complete=True) for _ in range(3)]
    for app in apps:
        set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    # Asked for at once: the PDFs render on their own tasks, the zip waits for them.
    zip_doc = request_zip(None, pdf_documents([a.pk for a in apps]), "三份.zip")
    assert wait_for(lambda: state_of(zip_doc.pk) == Document.State.DONE, 120, 0.2), drill[
        "log"
    ].read_text()
    import zipfile

    zip_doc.refresh_from_db()
    with zip_doc.file.open("rb") as fh, zipfile.ZipFile(fh) as archive:
        names = archive.namelist()
    assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
