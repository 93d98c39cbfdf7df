import datetime as dt
import io
import os
import time
import zipfile

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from applications.exporters import pdf_documents
from applications.models import Snapshot, Status
from applications.workflow import set_state
from documents import services
from documents.exporters import EXPORTERS
from documents.models import Document
from tests.factories import (
    ApplicationFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UserFactory,
)

BEFORE_DEADLINE = dt.datetime(2023, 6, 20, 10, 0, tzinfo=dt.UTC)
NO_BROKER = not django_settings.CELERY_BROKER_URL


def submit(app, capture):
    member = UserFactory(organisation=app.organisation)
    with time_machine.travel(BEFORE_DEADLINE), capture(execute=True):
        set_state(app, Status.SUBMITTED, member)
    return member


@pytest.fixture
def submitted(db, django_capture_on_commit_callbacks):
    app = ApplicationFactory(complete=True)
    member = submit(app, django_capture_on_commit_callbacks)
    return app, member, Document.objects.get(application=app)


def test_submission_renders_its_pdf(submitted):
    app, _, doc = submitted
    assert doc.state == Document.State.DONE
    assert doc.snapshot.number == 1
    with doc.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert doc.filename.startswith(app.reference)


def test_building_a_current_document_again_does_nothing(submitted):
    _, _, doc = submitted
    again = services.build(doc.pk)
    assert (again.file.name, again.finished_at) == (doc.file.name, doc.finished_at)


def test_asking_again_for_a_current_pdf_keeps_it(submitted, django_capture_on_commit_callbacks):
    _, _, doc = submitted
    with django_capture_on_commit_callbacks(execute=True):
        same = services.request_application_pdf(doc.snapshot)
    assert same.pk == doc.pk and same.finished_at == doc.finished_at


def test_failed_task_is_recorded_and_retry_replaces_failure(
    submitted, client, django_capture_on_commit_callbacks
):
    app, member, doc = submitted
    snapshot = doc.snapshot
    good = dict(snapshot.data)
    # A version whose content cannot be read: the render must fail, not crash the worker.
    Snapshot.objects.filter(pk=snapshot.pk).update(data={"broken": True}, content_hash="x")
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.retry(doc)
    doc.refresh_from_db()
    assert doc.state == Document.State.FAILED and doc.error

    client.force_login(member)
    page = client.get(reverse("documents:status", args=[doc.pk])).content.decode()
    assert "失败" in page and "重试" in page

    Snapshot.objects.filter(pk=snapshot.pk).update(data=good, content_hash=snapshot.content_hash)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:retry", args=[doc.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    doc.refresh_from_db()
    assert doc.state == Document.State.DONE and doc.error == ""


def test_status_polls_until_finished(submitted, client):
    _, member, doc = submitted
    client.force_login(member)
    url = reverse("documents:status", args=[doc.pk])
    assert "hx-trigger" not in client.get(url).content.decode()
    Document.objects.filter(pk=doc.pk).update(state=Document.State.QUEUED)
    body = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in body and "排队中" in body
    Document.objects.filter(pk=doc.pk).update(
        state=Document.State.RUNNING, started_at=timezone.now()
    )
    assert "生成中" in client.get(url).content.decode()


def test_download_ladder(submitted, client):
    app, member, doc = submitted
    url = reverse("documents:download", args=[doc.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    for outsider in (UserFactory(), CityStaffFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    for reader in (
        CityStaffFactory(centre=app.organisation.centre),
        ProvinceStaffFactory(),
        member,
    ):
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_resubmission_makes_a_new_version_and_keeps_the_old(
    submitted, django_capture_on_commit_callbacks
):
    app, member, first = submitted
    staff = CityStaffFactory(centre=app.organisation.centre)
    with time_machine.travel(BEFORE_DEADLINE), django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.RETURNED, staff, "请补充专家证书")
        app.leader_name = "新负责人"
        app.save()
        set_state(app, Status.SUBMITTED, member)
    versions = list(app.snapshots.order_by("number"))
    assert [s.number for s in versions] == [1, 2]
    assert versions[0].data["leader_name"] != "新负责人"
    assert versions[1].data["leader_name"] == "新负责人"
    docs = Document.objects.filter(application=app).order_by("snapshot__number")
    assert [d.state for d in docs] == [Document.State.DONE, Document.State.DONE]
    assert docs[0].file.name != docs[1].file.name


def test_zip_of_a_list_with_progress(db, client, django_capture_on_commit_callbacks):
    apps = [ApplicationFactory(complete=True) for _ in range(2)]
    for app in apps:
        submit(app, django_capture_on_commit_callbacks)
    staff = ProvinceStaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.request_zip(staff, pdf_documents([a.pk for a in apps]), "全部申报表.zip")
    doc.refresh_from_db()
    assert doc.state == Document.State.DONE and doc.progress == 100
    with doc.file.open("rb") as fh:
        names = zipfile.ZipFile(io.BytesIO(fh.read())).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)

    client.force_login(ProvinceStaffFactory())
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 200
    client.force_login(CityStaffFactory())
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404


@pytest.mark.real_worker
@pytest.mark.skipif(NO_BROKER, reason="runs against the real Celery worker (CI's second pass)")
def test_real_worker_renders_a_submitted_pdf(transactional_db, settings):
    # The worker writes where its own settings say; read the file from there too.
    media = os.environ.get("MEDIA_ROOT", str(settings.BASE_DIR / "var" / "media"))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": media}},
    }
    app = ApplicationFactory(complete=True)
    member = UserFactory(organisation=app.organisation)
    with time_machine.travel(BEFORE_DEADLINE, tick=True):
        set_state(app, Status.SUBMITTED, member)
    deadline = time.monotonic() + 90
    doc = None
    while time.monotonic() < deadline:
        doc = Document.objects.filter(application=app).first()
        if doc and doc.is_finished:
            break
        time.sleep(0.5)
    assert doc is not None and doc.state == Document.State.DONE, doc and doc.error
    with doc.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"


@pytest.mark.real_worker
@pytest.mark.skipif(NO_BROKER, reason="needs a broker and a worker")
def test_worker_answers_ping():
    from tiku_portal.celery import app

    assert app.control.ping(timeout=5.0)


def test_application_page_shows_pdf_status_to_applicant_and_centres(submitted, client):
    app, member, doc = submitted
    for reader in (
        member,
        CityStaffFactory(centre=app.organisation.centre),
        ProvinceStaffFactory(),
    ):
        client.force_login(reader)
        body = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
        assert "第1版" in body and doc.snapshot.verification_code in body
        assert reverse("documents:download", args=[doc.pk]) in body


def test_documents_imports_no_other_app():
    """Each app registers its exporters with documents; documents knows none of them."""
    import ast
    from pathlib import Path

    folder = Path(django_settings.BASE_DIR) / "documents"
    imported = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    assert not imported & {"applications", "reviews"}, imported
    assert set(EXPORTERS) == set(Document.Kind.values)
