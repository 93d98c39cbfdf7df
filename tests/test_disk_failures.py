"""A full or unwritable disk: a Chinese message, no partial file, no exception names shown.

A full disk is the real thing for this process: RLIMIT_FSIZE makes any write past the limit
fail with EFBIG, after part of the file was written, exactly as ENOSPC does.
"""

import contextlib
import datetime as dt
import resource
import signal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Attachment, Status
from applications.workflow import set_state
from documents.models import Document
from tests.factories import TINY_PDF, ApplicationFactory, UserFactory
from tiku_portal.files import DISK_MESSAGE

pytestmark = pytest.mark.django_db

BEFORE = dt.datetime(2023, 6, 20, 2, 0, tzinfo=dt.UTC)
LIMIT = 16 * 1024


@contextlib.contextmanager
def disk_full_after(limit=LIMIT):
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def files_in(folder):
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def upload(client, app, content):
    data = {
        "kind": Attachment.Kind.OTHER,
        "certified_copy": "on",
        "description": "2023年度审计报告",
        "file": SimpleUploadedFile("审计报告.pdf", content),
    }
    return client.post(
        reverse("applications:attachment_upload", args=[app.pk]),
        data,
        headers={"HX-Request": "true"},
    )


def test_upload_to_a_full_disk_shows_a_chinese_message_keeps_the_form_and_no_file(
    client, private_media
):
    app = ApplicationFactory()
    client.force_login(UserFactory(organisation=app.organisation))
    big = TINY_PDF + b"%" * (LIMIT * 4)
    with disk_full_after():
        response = upload(client, app, big)
    body = response.content.decode()
    assert response.status_code == 200
    assert DISK_MESSAGE in body and "2023年度审计报告" in body
    assert "Error" not in body
    assert files_in(private_media) == [] and not Attachment.objects.exists()


def test_upload_to_an_unwritable_folder_shows_a_chinese_message(client, settings, tmp_path):
    # A regular file where the folder should be: nothing can be created below it.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": blocker / "media"}},
    }
    app = ApplicationFactory()
    client.force_login(UserFactory(organisation=app.organisation))
    body = upload(client, app, TINY_PDF).content.decode()
    assert DISK_MESSAGE in body and "NotADirectoryError" not in body
    assert not Attachment.objects.exists()


def test_a_pdf_rendered_onto_a_full_disk_fails_in_chinese_and_leaves_nothing(
    client, private_media, django_capture_on_commit_callbacks
):
    app = ApplicationFactory(complete=True)
    member = UserFactory(organisation=app.organisation)
    with disk_full_after(), django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, member, now=BEFORE)
    doc = Document.objects.get(application=app)
    assert doc.state == Document.State.FAILED
    assert "存储空间" in doc.error and "Error" not in doc.error
    assert files_in(private_media / "documents") == []
    client.force_login(member)
    body = client.get(reverse("documents:status", args=[doc.pk])).content.decode()
    assert "存储空间" in body and "重试" in body and "OSError" not in body


# --- every other upload path writes through the same mechanism (tiku_portal.files) ----------


def test_stamped_pages_onto_a_full_disk_are_refused_in_chinese_and_leave_nothing(private_media):
    from applications.models import StampedScan
    from applications.paper import PaperError, upload_unit_pages

    app = ApplicationFactory(complete=True)
    member = UserFactory(organisation=app.organisation)
    set_state(app, Status.SUBMITTED, member, now=BEFORE)
    big = SimpleUploadedFile("盖章页.pdf", TINY_PDF + b"%" * (LIMIT * 4))
    with disk_full_after(), pytest.raises(PaperError, match=DISK_MESSAGE):
        upload_unit_pages(app, member, big, now=BEFORE)
    assert not StampedScan.objects.exists()
    assert [
        p for p in files_in(private_media) if p.relative_to(private_media).parts[0] == "stamped"
    ] == []


def test_milestone_evidence_onto_a_full_disk_is_refused_in_chinese_and_leaves_nothing(
    private_media,
):
    from projects.models import Evidence, Milestone
    from projects.services import ProjectError, report_milestone
    from tests.test_projects_milestones import first, make_project

    project = make_project()
    lead = UserFactory(organisation=project.lead.organisation)
    big = SimpleUploadedFile("签字确认单.pdf", TINY_PDF + b"%" * (LIMIT * 4))
    with disk_full_after(), pytest.raises(ProjectError, match=DISK_MESSAGE):
        report_milestone(first(project), lead, "已完成", [big])
    assert not Evidence.objects.exists()
    assert first(project).state == Milestone.State.PENDING
    assert files_in(private_media) == []


def test_a_stamped_summary_onto_a_full_disk_is_refused_in_chinese(private_media):
    from reviews.batch import BatchError, upload_summary_scan
    from reviews.models import Batch
    from tests.factories import CallFactory, CityStaffFactory

    call = CallFactory()
    staff = CityStaffFactory()
    big = SimpleUploadedFile("附件3盖章.pdf", TINY_PDF + b"%" * (LIMIT * 4))
    with disk_full_after(), pytest.raises(BatchError, match=DISK_MESSAGE):
        upload_summary_scan(staff.centre, call, staff, big, now=BEFORE)
    assert not Batch.objects.filter(stamped_summary__gt="").exists()
    assert files_in(private_media) == []
