"""A draft (never submitted, or withdrawn) belongs to its unit: rule 2 of issue 10.

Enforced in Application.objects.visible_to and in every queryset that reaches an application
through it, so each view and each file inherits it.
"""

import io
import zipfile

import pytest
import time_machine
from django.urls import reverse

from applications.models import Application, Attachment, Event, Expert, Snapshot, Status
from applications.views.detail import WITHDRAW_COMMENT
from applications.workflow import set_state
from documents import services
from documents.models import Document
from reviews.models import Review, Score, Selection
from tests.factories import (
    AdminFactory,
    ApplicationFactory,
    AttachmentFactory,
    CityStaffFactory,
    ExpertFactory,
    ProvinceStaffFactory,
    UserFactory,
)
from tests.test_documents import BEFORE_DEADLINE, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def withdrawn(django_capture_on_commit_callbacks):
    """Submitted once (so it has a snapshot, a PDF and kept attachments), then withdrawn."""
    app = ApplicationFactory(complete=True)
    ExpertFactory(application=app, with_certificate=True)
    AttachmentFactory(application=app, kind="licence")
    member = submit(app, django_capture_on_commit_callbacks)
    with time_machine.travel(BEFORE_DEADLINE):
        set_state(app, Status.DRAFT, member, WITHDRAW_COMMENT)
    Review.objects.create(application=app)
    return app, member


def staff_of(app):
    return {
        "own_centre": CityStaffFactory(centre=app.organisation.centre),
        "province": ProvinceStaffFactory(),
    }


def test_every_queryset_reaching_a_withdrawn_draft_hides_it_from_centres(withdrawn):
    app, member = withdrawn
    Score.objects.create(application=app, team=80)
    querysets = [
        Application.objects,
        Attachment.objects,
        Attachment.all_objects,
        Expert.objects,
        Snapshot.objects,
        Event.objects,
        Document.objects,
        Review.objects,
        Score.objects,
    ]
    for who, user in staff_of(app).items():
        for manager in querysets:
            assert not manager.visible_to(user).exists(), f"{manager.model.__name__} for {who}"
    # Its own unit and the administrators still see all of it.
    for user in (member, AdminFactory()):
        for manager in querysets:
            assert manager.visible_to(user).exists(), manager.model.__name__
    # Once submitted again, its centre sees it again (the earlier snapshot included).
    with time_machine.travel(BEFORE_DEADLINE):
        set_state(app, Status.SUBMITTED, member)
    own_centre = staff_of(app)["own_centre"]
    assert Snapshot.objects.visible_to(own_centre).count() == 2


def test_centres_get_404_on_a_withdrawn_drafts_pages_pdf_and_retry(withdrawn, client):
    app, _member = withdrawn
    pdf = Document.objects.get(application=app)
    attachment = app.attachments.first()
    urls = [
        reverse("applications:detail", args=[app.pk]),
        reverse("reviews:review", args=[app.pk]),
        reverse("applications:attachment_download", args=[app.pk, attachment.pk]),
        reverse("documents:detail", args=[pdf.pk]),
        reverse("documents:download", args=[pdf.pk]),
        reverse("documents:status", args=[pdf.pk]),
    ]
    for who, user in staff_of(app).items():
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
        assert client.post(reverse("documents:retry", args=[pdf.pk])).status_code == 404, who


def test_province_can_neither_score_nor_decide_on_a_draft(withdrawn, client):
    app, _member = withdrawn
    client.force_login(ProvinceStaffFactory())
    score = client.post(reverse("reviews:score", args=[app.pk]), {"team": 90})
    decide = client.post(
        reverse("reviews:decide", args=[app.pk]), {"outcome": "lead", "reason": "强"}
    )
    assert (score.status_code, decide.status_code) == (404, 404)
    assert not Score.objects.exists() and not Selection.objects.exists()


def test_a_pdf_requested_by_a_centre_is_still_hidden_once_withdrawn(
    withdrawn, client, django_capture_on_commit_callbacks
):
    """Asking for a file does not make a draft's file yours."""
    app, _member = withdrawn
    city = staff_of(app)["own_centre"]
    Document.objects.filter(application=app).update(requested_by=city)
    assert not Document.objects.visible_to(city).exists()


def test_a_zip_rendered_after_a_withdrawal_leaves_the_draft_out(
    db, django_capture_on_commit_callbacks
):
    apps = [ApplicationFactory(complete=True) for _ in range(2)]
    members = [submit(app, django_capture_on_commit_callbacks) for app in apps]
    staff = ProvinceStaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.request_zip(staff, [a.pk for a in apps], "全部.zip")
    with time_machine.travel(BEFORE_DEADLINE):
        set_state(apps[1], Status.DRAFT, members[1], WITHDRAW_COMMENT)
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.retry(Document.objects.get(pk=doc.pk))
    doc.refresh_from_db()
    with doc.file.open("rb") as fh:
        names = zipfile.ZipFile(io.BytesIO(fh.read())).namelist()
    assert len(names) == 1 and apps[0].reference in names[0]


def test_the_applicant_still_reads_its_own_withdrawn_draft_and_pdf(withdrawn, client):
    app, member = withdrawn
    client.force_login(member)
    assert client.get(reverse("applications:detail", args=[app.pk])).status_code == 200
    pdf = Document.objects.get(application=app)
    assert client.get(reverse("documents:detail", args=[pdf.pk])).status_code == 200


def test_other_units_never_see_it_either(withdrawn, client):
    app, _member = withdrawn
    client.force_login(UserFactory())
    assert client.get(reverse("applications:detail", args=[app.pk])).status_code == 404
