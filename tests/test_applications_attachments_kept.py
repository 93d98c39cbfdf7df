"""Copies that went out with a submission stay on record when the applicant removes them."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from applications import drafts
from applications.models import Attachment, Expert, Status
from applications.validation import submission_errors
from applications.workflow import record_creation, set_state
from tests.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CentreFactory,
    CityStaffFactory,
    ExpertFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def inside_deadline():
    with time_machine.travel(dt.datetime(2023, 6, 20, 10, 0, tzinfo=BEIJING), tick=False):
        yield


@pytest.fixture
def returned(django_capture_on_commit_callbacks):
    """A complete application submitted once (version 1), then returned for revision."""
    hangzhou = CentreFactory(code="hangzhou")
    owner = UserFactory(organisation=OrganisationFactory(centre=hangzhou))
    staff = CityStaffFactory(centre=hangzhou)
    app = ApplicationFactory(complete=True, organisation=owner.organisation, created_by=owner)
    app.attachments.filter(kind=Attachment.Kind.LICENCE).update(original_name="营业执照（旧）.pdf")
    record_creation(app, owner)
    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, owner)
        set_state(app, Status.IN_REVIEW, staff)
        set_state(app, Status.RETURNED, staff, "请更换营业执照复印件")
    return {"app": app, "owner": owner, "staff": staff}


@pytest.fixture
def removed(client, returned, django_capture_on_commit_callbacks):
    """The owner has removed the submitted licence during the revision: (licence, response)."""
    licence = returned["app"].attachments.get(kind=Attachment.Kind.LICENCE)
    client.force_login(returned["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(licence), headers=HTMX)
    return licence, response


def delete_url(attachment):
    return reverse(
        "applications:attachment_delete", args=[attachment.application_id, attachment.pk]
    )


def download_url(attachment):
    return reverse(
        "applications:attachment_download", args=[attachment.application_id, attachment.pk]
    )


def expert_rows(app):
    fields = list(drafts.EXPERT_FIELDS)
    return [
        {"id": e.pk, **{name: getattr(e, name) for name in fields}}
        for e in app.experts.order_by("position", "pk")
    ]


def test_submission_marks_the_copies_it_carried(returned):
    app = returned["app"]
    assert set(
        Attachment.objects.filter(application=app).values_list("submitted_version", flat=True)
    ) == {1}


def test_removing_a_submitted_copy_keeps_row_and_file_out_of_the_current_list(returned, removed):
    app, owner = returned["app"], returned["owner"]
    licence, response = removed

    assert response.status_code == 200
    body = response.content.decode()
    assert f"已删除“{licence.original_name}”" in body
    # Gone from the application: it is missing again and the submit check asks for it.
    assert not app.attachments.filter(kind=Attachment.Kind.LICENCE).exists()
    assert "请上传法人证书或营业执照复印件。" in submission_errors(app).get("attachments", [])
    # Kept on record: the row, who removed it, and the file itself.
    kept = Attachment.all_objects.get(pk=licence.pk)
    assert kept.removed_at is not None and kept.removed_by == owner
    assert kept.file.storage.exists(kept.file.name)
    assert 'data-testid="removed-attachment-row"' in body
    assert "首次提交于" in body and "第1版" in body


def test_the_centre_still_downloads_a_removed_submitted_copy(client, returned, removed):
    app, staff = returned["app"], returned["staff"]
    licence, _response = removed

    client.force_login(staff)
    review = client.get(reverse("reviews:review", args=[app.pk])).content.decode()
    assert 'data-testid="removed-attachment-row"' in review
    response = client.get(download_url(licence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_outsider_cannot_download_a_removed_copy(client, removed):
    licence, _response = removed

    client.force_login(CityStaffFactory(centre=CentreFactory(code="ningbo")))
    assert client.get(download_url(licence)).status_code == 404


def test_a_removed_copy_cannot_be_removed_twice(client, removed):
    licence, _response = removed
    again = client.post(delete_url(licence), headers=HTMX)
    assert again.status_code == 404
    assert Attachment.all_objects.filter(pk=licence.pk).exists()


def test_a_copy_never_submitted_is_deleted_with_its_file(
    client, returned, django_capture_on_commit_callbacks
):
    app, owner = returned["app"], returned["owner"]
    fresh = AttachmentFactory(application=app, original_name="补充说明.pdf")
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(delete_url(fresh), headers=HTMX)

    assert not Attachment.all_objects.filter(pk=fresh.pk).exists()
    assert not fresh.file.storage.exists(fresh.file.name)


def test_resubmission_carries_only_the_current_copies(
    returned, removed, django_capture_on_commit_callbacks
):
    app, owner = returned["app"], returned["owner"]
    licence, _response = removed
    replacement = AttachmentFactory(
        application=app, kind=Attachment.Kind.LICENCE, original_name="新营业执照.pdf"
    )

    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, owner)

    latest, first = app.snapshots.order_by("-number")
    names = [a["name"] for a in latest.data["attachments"]]
    assert "新营业执照.pdf" in names and licence.original_name not in names
    assert licence.original_name in [a["name"] for a in first.data["attachments"]]
    replacement.refresh_from_db()
    assert replacement.submitted_version == 2


def test_removing_an_expert_keeps_a_submitted_certificate_under_the_experts_name(
    returned, django_capture_on_commit_callbacks
):
    app, owner = returned["app"], returned["owner"]
    first = app.experts.get()
    certificate = first.attachments.get()
    # An expert added during the revision, whose copy has not been submitted yet.
    added = ExpertFactory(application=app, name="新专家", with_certificate=True)
    unsubmitted = added.attachments.get()
    rows = expert_rows(app)

    with django_capture_on_commit_callbacks(execute=True):
        saved = drafts.save_draft(
            app,
            version=app.version,
            fields={},
            experts=[r for r in rows if r["id"] not in (first.pk, added.pk)],
            user=owner,
        )

    assert set(saved.removed_certificates) == {first.name, "新专家"}
    assert not Expert.objects.filter(pk__in=[first.pk, added.pk]).exists()
    kept = Attachment.all_objects.get(pk=certificate.pk)
    assert kept.removed_at is not None and kept.expert is None
    assert kept.expert_name == first.name and kept.removed_by == owner
    assert kept.file.storage.exists(kept.file.name)
    # The other copy never went out with a submission: row and file are gone.
    assert not Attachment.all_objects.filter(pk=unsubmitted.pk).exists()
    assert not unsubmitted.file.storage.exists(unsubmitted.file.name)


def test_deleting_the_application_deletes_removed_copies_too(returned, removed):
    returned["app"].delete()

    assert not Attachment.all_objects.exists()


def test_migration_marks_copies_already_submitted_before_it(returned):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("applications.migrations.0003_attachment_kept_when_submitted")
    app = returned["app"]
    later = AttachmentFactory(
        application=app,
        original_name="退回后补充.pdf",
        uploaded_at=app.snapshots.get().created_at + dt.timedelta(minutes=5),
    )
    Attachment.objects.update(submitted_version=None)

    migration.mark_submitted(apps, None)

    versions = dict(Attachment.objects.values_list("original_name", "submitted_version"))
    assert versions.pop(later.original_name) is None
    assert set(versions.values()) == {1}


def test_the_submitted_list_puts_the_licence_first_then_certificates_in_table_order(returned):
    app = returned["app"]
    data = app.snapshots.get().data
    kinds = [a["kind"] for a in data["attachments"]]
    assert kinds == ["法人证书/营业执照复印件", "专家证书复印件"]
