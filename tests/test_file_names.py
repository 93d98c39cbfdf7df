"""User text never becomes a file path: an organisation called "杭州/滨江…" submits, is reviewed
and zipped like any other; the name shows only as the download name (RFC 5987 filename*)."""

import datetime as dt
import importlib
import io
import re
import zipfile
import zoneinfo
from urllib.parse import quote

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse

from applications.models import Status
from applications.workflow import set_state
from documents import services
from documents.models import Document
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    OrganisationFactory,
    UserFactory,
)
from tiku_portal.filenames import display_name

pytestmark = pytest.mark.django_db

INSIDE_DEADLINE = dt.datetime(2023, 6, 20, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
SLASHED = "杭州/滨江..\\技能学院"
STORED = re.compile(r"documents/[a-z_]+/[0-9a-f]{32}/\d+\.(pdf|zip|xlsx)")
recovery = importlib.import_module("documents.migrations.0004_i10b_recover_path_failures")


@pytest.fixture(autouse=True)
def inside_deadline():
    with time_machine.travel(INSIDE_DEADLINE):
        yield


@pytest.fixture
def slashed(db):
    centre = CentreFactory(region="杭州")
    member = UserFactory(organisation=OrganisationFactory(centre=centre, name=SLASHED))
    app = ApplicationFactory(complete=True, organisation=member.organisation)
    return app, member, CityStaffFactory(centre=centre)


def pdf_of(app) -> Document:
    return Document.objects.get(application=app, snapshot__number=app.snapshots.count())


def test_display_name_holds_no_path_and_fits():
    assert display_name('a/b\\c:d*e?f"g<h>i|j.pdf') == "a／b＼c：d＊e？f＂g＜h＞i｜j.pdf"
    assert display_name("../../etc/passwd") == "／..／etc／passwd"
    assert display_name("x\x00y\n.xlsx") == "xy.xlsx"
    long = display_name("单" * 300 + ".pdf", 200)
    assert len(long) == 200 and long.endswith(".pdf")
    assert display_name(" . ") == "下载文件"


def test_submission_stores_the_pdf_under_ids_and_downloads_under_the_name(
    client, slashed, django_capture_on_commit_callbacks
):
    app, member, _ = slashed
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:submit", args=[app.pk]))
    assert response.status_code == 302
    doc = pdf_of(app)
    assert doc.state == Document.State.DONE, doc.error
    assert STORED.fullmatch(doc.file.name) and "滨江" not in doc.file.name
    assert doc.filename.endswith("杭州／滨江..＼技能学院.pdf")

    response = client.get(reverse("documents:download", args=[doc.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == f"attachment; filename*=utf-8''{quote(doc.filename)}"
    assert "/" not in disposition.split("''", 1)[1]


def test_recommendation_and_zip_work_for_a_slashed_name(
    client, slashed, django_capture_on_commit_callbacks
):
    app, member, staff = slashed
    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, member)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:start", args=[app.pk]))
        client.post(reverse("reviews:verify", args=[app.pk]))
        response = client.post(
            reverse("reviews:recommend", args=[app.pk]),
            {"version": 1, "recommendation": "lead", "reason": "团队完整", "opinion": "同意"},
        )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    assert pdf_of(app).state == Document.State.DONE

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:zip"), {"call": app.call.slug})
    assert response.status_code == 302
    archive = Document.objects.get(kind=Document.Kind.PDF_ZIP)
    assert archive.state == Document.State.DONE, archive.error
    assert STORED.fullmatch(archive.file.name)
    with archive.file.open("rb") as fh:
        names = zipfile.ZipFile(io.BytesIO(fh.read())).namelist()
    assert len(names) == 1 and "/" not in names[0] and "杭州／滨江" in names[0]


def test_summary_sheet_of_a_centre_with_a_slash_in_its_name(django_capture_on_commit_callbacks):
    centre = CentreFactory(name="杭州/滨江评价中心")
    staff = CityStaffFactory(centre=centre)
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.request_document(
            Document.Kind.SUMMARY_XLSX, staff, centre=centre, call=CallFactory(), params={}
        )
    doc.refresh_from_db()
    assert doc.state == Document.State.DONE, doc.error
    assert STORED.fullmatch(doc.file.name) and "杭州／滨江评价中心" in doc.filename


def test_documents_stuck_by_a_slashed_name_become_retryable(
    client, slashed, django_capture_on_commit_callbacks
):
    app, member, _ = slashed
    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, member)
    stuck = pdf_of(app)
    other = ApplicationFactory(complete=True)
    with django_capture_on_commit_callbacks(execute=True):
        set_state(other, Status.SUBMITTED, UserFactory(organisation=other.organisation))
    # As the build left them before the fix: marked 生成中, never finished.
    Document.objects.update(state=Document.State.RUNNING, file="")

    recovery.recover(django_apps, None)

    stuck.refresh_from_db()
    assert stuck.state == Document.State.FAILED and "重试" in stuck.error
    # Stuck for another reason: left to the stuck-document sweep.
    assert pdf_of(other).state == Document.State.RUNNING

    client.force_login(member)
    assert "重试" in client.get(reverse("documents:status", args=[stuck.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:retry", args=[stuck.pk]))
    stuck.refresh_from_db()
    assert stuck.state == Document.State.DONE and STORED.fullmatch(stuck.file.name)
