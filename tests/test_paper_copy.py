"""The paper copy: the unit's stamped pages, the centre's receipt and section 五, the stamped
附件3 and the province's receipt of the package; visible, filterable, in the history, and
blocking only when the call requires it."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, Event, StampedScan, Status
from applications.paper import PaperError, record_paper_received, upload_unit_pages
from applications.workflow import set_state
from reviews.batch import BatchError, batch_for, send_batch, upload_summary_scan, was_reopened
from reviews.models import Batch, BatchEvent, Recommendation, Review
from tests.factories import (
    TINY_PDF,
    TINY_PNG,
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# 10:00 on 12 June 2023 in Beijing: before every deadline.
EARLY = dt.datetime(2023, 6, 12, 2, 0, tzinfo=dt.UTC)


def pdf(name="盖章页.pdf"):
    return SimpleUploadedFile(name, TINY_PDF, content_type="application/pdf")


def url(name, app, *args):
    return reverse(f"applications:{name}", args=[app.pk, *args])


@pytest.fixture
def world():
    call = CallFactory()
    centre = CentreFactory()
    staff = CityStaffFactory(centre=centre)
    app = ApplicationFactory(complete=True, call=call, organisation__centre=centre)
    member = UserFactory(organisation=app.organisation)
    with time_machine.travel(EARLY):
        set_state(app, Status.SUBMITTED, member)
    return {"call": call, "centre": centre, "staff": staff, "app": app, "member": member}


def recommend(app, staff):
    set_state(app, Status.VERIFIED, staff, now=EARLY)
    Review.objects.create(application=app, recommendation=Recommendation.LEAD, reason="团队强")
    set_state(app, Status.RECOMMENDED, staff, now=EARLY)


# --- the unit's stamped pages ------------------------------------------------------------


def test_unit_uploads_stamped_pages_against_its_submitted_version(client, world):
    app, member = world["app"], world["member"]
    client.force_login(member)
    response = client.post(url("paper_unit_pages", app), {"unit-file": pdf()})
    assert response.status_code == 302
    app.refresh_from_db()
    scan = StampedScan.objects.get()
    assert (scan.kind, scan.version, app.stamped_version) == ("unit_pages", 1, 1)
    # On disk under a name from ids, never the uploaded name.
    assert scan.file.name.startswith(f"stamped/{app.pk}/") and "盖章页" not in scan.file.name
    event = Event.objects.filter(application=app, kind=Event.Kind.PAPER).get()
    assert event.from_status == event.to_status == Status.SUBMITTED
    assert "上传盖章页（第1版）" in event.comment
    # The history on the unit's own page shows it.
    assert "上传盖章页（第1版）" in client.get(url("detail", app)).content.decode()


def test_draft_cannot_have_stamped_pages(client):
    app = ApplicationFactory(complete=True)
    client.force_login(UserFactory(organisation=app.organisation))
    response = client.post(url("paper_unit_pages", app), {"unit-file": pdf()}, follow=True)
    assert "请先提交申报书" in response.content.decode()
    assert not StampedScan.objects.exists()


def test_wrong_file_is_refused_with_the_attachments_message(client, world):
    client.force_login(world["member"])
    fake = SimpleUploadedFile("盖章页.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(url("paper_unit_pages", world["app"]), {"unit-file": fake}, follow=True)
    assert "内容不是PDF" in response.content.decode()
    assert not StampedScan.objects.exists()


def test_other_unit_gets_404_and_centre_gets_403_for_the_units_upload(client, world):
    client.force_login(UserFactory())
    assert (
        client.post(url("paper_unit_pages", world["app"]), {"unit-file": pdf()}).status_code == 404
    )
    client.force_login(world["staff"])
    assert (
        client.post(url("paper_unit_pages", world["app"]), {"unit-file": pdf()}).status_code == 403
    )
    assert not StampedScan.objects.exists()


def test_resubmission_makes_the_stamped_pages_stale(world):
    app, member, staff = world["app"], world["member"], world["staff"]
    upload_unit_pages(app, member, pdf(), now=EARLY)
    set_state(app, Status.RETURNED, staff, "请修改", now=EARLY)
    set_state(app, Status.SUBMITTED, member, now=EARLY)
    fresh = Application.objects.with_latest_version().get(pk=app.pk)
    assert (fresh.stamped_version, fresh.latest_version) == (1, 2)
    assert list(Application.objects.with_paper("stamped_missing")) == [app]


# --- the centre: receipt and section 五 ---------------------------------------------------


@time_machine.travel(EARLY)
def test_centre_records_the_paper_copy_with_date_and_who(client, world):
    app, staff = world["app"], world["staff"]
    client.force_login(staff)
    response = client.post(url("paper_received", app), {"received-received_on": "2023-06-11"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.paper_received_on, app.paper_received_by) == (dt.date(2023, 6, 11), staff)
    assert Event.objects.filter(kind="paper", comment__contains="2023-06-11").exists()


@time_machine.travel(EARLY)
def test_receipt_in_the_future_is_refused(world):
    with pytest.raises(PaperError, match="不能晚于今天"):
        record_paper_received(world["app"], world["staff"], dt.date(2023, 6, 30))


@time_machine.travel(EARLY)
def test_other_centre_gets_404_and_the_unit_403_for_the_receipt(client, world):
    data = {"received-received_on": "2023-06-11"}
    client.force_login(CityStaffFactory())
    assert client.post(url("paper_received", world["app"]), data).status_code == 404
    client.force_login(world["member"])
    assert client.post(url("paper_received", world["app"]), data).status_code == 403
    world["app"].refresh_from_db()
    assert world["app"].paper_received_on is None


@time_machine.travel(EARLY)
def test_section_five_needs_the_centres_opinion_first(client, world):
    app, staff = world["app"], world["staff"]
    client.force_login(staff)
    response = client.post(
        url("paper_section_five", app), {"five-file": pdf("五.pdf")}, follow=True
    )
    assert "请先作出推荐意见" in response.content.decode()
    recommend(app, staff)
    client.post(url("paper_section_five", app), {"five-file": pdf("五.pdf")})
    app.refresh_from_db()
    assert app.section_five_stamped_at is not None
    assert StampedScan.objects.get().kind == StampedScan.Kind.SECTION_FIVE


def test_scans_are_downloaded_by_unit_centre_and_province_only(client, world):
    scan = upload_unit_pages(world["app"], world["member"], pdf(), now=EARLY)
    target = url("paper_download", world["app"], scan.pk)
    for user, expected in (
        (world["member"], 200),
        (world["staff"], 200),
        (ProvinceStaffFactory(), 200),
        (UserFactory(), 404),
        (CityStaffFactory(), 404),
    ):
        client.force_login(user)
        assert client.get(target).status_code == expected, user.role


def test_paper_records_send_no_status_email(world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        upload_unit_pages(world["app"], world["member"], pdf(), now=EARLY)
    assert mail.outbox == []


# --- the queue -----------------------------------------------------------------------------


def ids(response) -> list[int]:
    """The application ids of the queue's rows, in order."""
    rows = response.content.decode().split('data-testid="queue-row" data-id="')[1:]
    return [int(part.split('"')[0]) for part in rows]


def test_queue_shows_and_filters_the_paper_columns(client, world):
    app, staff = world["app"], world["staff"]
    other = ApplicationFactory(
        complete=True, call=world["call"], organisation__centre=world["centre"]
    )
    set_state(other, Status.SUBMITTED, UserFactory(organisation=other.organisation), now=EARLY)
    upload_unit_pages(app, world["member"], pdf(), now=EARLY)
    client.force_login(staff)
    queue = reverse("reviews:queue")
    html = client.get(queue).content.decode()
    assert "盖章页" in html and 'data-testid="col-stamped"' in html
    assert ids(client.get(queue, {"paper": "stamped_ok"})) == [app.pk]
    assert ids(client.get(queue, {"paper": "stamped_missing"})) == [other.pk]
    assert sorted(ids(client.get(queue, {"paper": "paper_missing"}))) == sorted([app.pk, other.pk])
    assert ids(client.get(queue, {"paper": "five_ok"})) == []


# --- the batch: stamped 附件3 and the package ------------------------------------------------


@pytest.fixture
def ready(world):
    recommend(world["app"], world["staff"])
    return world


def test_paper_does_not_block_sending_by_default(ready):
    send_batch(
        ready["centre"],
        ready["call"],
        ready["staff"],
        contact_person="李",
        contact_phone="0571-12345678",
        now=EARLY,
    )
    assert batch_for(ready["centre"], ready["call"]).state == Batch.State.SENT


def test_required_paper_blocks_sending_and_names_what_is_missing(ready):
    call = ready["call"]
    call.paper_required = True
    call.save()
    with pytest.raises(
        BatchError, match="缺盖章的附件3扫描件.*缺申报单位盖章页、纸质材料登记、第五部分盖章页"
    ):
        send_batch(
            ready["centre"],
            call,
            ready["staff"],
            contact_person="李",
            contact_phone="0571-12345678",
            now=EARLY,
        )
    app, staff = ready["app"], ready["staff"]
    from applications.paper import upload_section_five

    with time_machine.travel(EARLY):
        upload_unit_pages(app, ready["member"], pdf())
        record_paper_received(app, staff, dt.date(2023, 6, 11))
        upload_section_five(app, staff, pdf("五.pdf"))
        upload_summary_scan(ready["centre"], call, staff, pdf("附件3.pdf"))
    send_batch(
        ready["centre"], call, staff, contact_person="李", contact_phone="0571-12345678", now=EARLY
    )
    assert batch_for(ready["centre"], call).state == Batch.State.SENT


@time_machine.travel(EARLY)
def test_stamped_summary_goes_up_with_the_send_form_and_is_kept_if_sending_fails(client, world):
    staff = world["staff"]
    client.force_login(staff)
    # The application is undecided, so sending is refused; the scan is kept all the same.
    data = {"call": world["call"].slug, "contact_person": "李", "contact_phone": "0571-12345678"}
    response = client.post(
        reverse("reviews:batch_send"), {**data, "stamped_summary": pdf("附件3.pdf")}
    )
    assert response.status_code == 409
    batch = batch_for(world["centre"], world["call"])
    assert batch.stamped_summary_name == "附件3.pdf"
    assert batch.stamped_summary.name.startswith(f"batches/{batch.pk}/")
    assert BatchEvent.objects.filter(batch=batch, comment__contains="附件3.pdf").exists()
    # A paper record is no reopening: the deadline rule still applies to this batch.
    assert not was_reopened(batch)


@time_machine.travel(EARLY)
def test_bad_summary_scan_is_refused(client, world):
    client.force_login(world["staff"])
    bad = SimpleUploadedFile("附件3.pdf", TINY_PNG, content_type="application/pdf")
    response = client.post(
        reverse("reviews:batch_scan"),
        {"call": world["call"].slug, "stamped_summary": bad},
        follow=True,
    )
    assert "与扩展名不符" in response.content.decode()
    assert not batch_for(world["centre"], world["call"]).stamped_summary


@time_machine.travel(EARLY)
def test_summary_scan_download_is_for_its_centre_and_the_province(client, world):
    batch = upload_summary_scan(world["centre"], world["call"], world["staff"], pdf("附件3.pdf"))
    target = reverse("reviews:batch_scan_download", args=[batch.pk])
    for user, expected in (
        (world["staff"], 200),
        (ProvinceStaffFactory(), 200),
        (CityStaffFactory(), 404),
        (world["member"], 404),
    ):
        client.force_login(user)
        assert client.get(target).status_code == expected


@time_machine.travel(EARLY)
def test_province_records_the_package_and_filters_the_list(client, ready):
    send_batch(
        ready["centre"],
        ready["call"],
        ready["staff"],
        contact_person="李",
        contact_phone="0571-12345678",
    )
    batch = batch_for(ready["centre"], ready["call"])
    package = reverse("reviews:batch_package", args=[batch.pk])
    # The centre itself may not record its own package arriving.
    client.force_login(ready["staff"])
    assert client.post(package, {"received_on": "2023-06-12"}).status_code == 403
    province = ProvinceStaffFactory()
    client.force_login(province)
    listing = reverse("reviews:batch_list")
    waiting = client.get(
        listing, {"call": ready["call"].slug, "paper": "package_missing"}
    ).content.decode()
    assert f'data-centre="{ready["centre"].code}"' in waiting
    assert client.post(package, {"received_on": "2023-06-12"}).status_code == 302
    batch.refresh_from_db()
    assert (batch.package_received_on, batch.package_received_by) == (
        dt.date(2023, 6, 12),
        province,
    )
    assert BatchEvent.objects.filter(batch=batch, comment__contains="纸质材料包").exists()
    received = client.get(
        listing, {"call": ready["call"].slug, "paper": "package_received"}
    ).content.decode()
    assert f'data-centre="{ready["centre"].code}"' in received and "2023年6月12日收到" in received
    waiting = client.get(
        listing, {"call": ready["call"].slug, "paper": "package_missing"}
    ).content.decode()
    assert f'data-centre="{ready["centre"].code}"' not in waiting


@time_machine.travel(EARLY)
def test_package_of_an_unsent_batch_is_refused(client, world):
    batch = batch_for(world["centre"], world["call"])
    client.force_login(ProvinceStaffFactory())
    response = client.post(
        reverse("reviews:batch_package", args=[batch.pk]),
        {"received_on": "2023-06-12"},
        follow=True,
    )
    assert "尚未报送" in response.content.decode()
    batch.refresh_from_db()
    assert batch.package_received_on is None


# --- publishing waits for the packages when the call requires the paper copy ----------------


def test_required_paper_holds_publication_until_every_package_arrived():
    from reviews import selection as sel
    from reviews.models import Publication, Selection

    province = ProvinceStaffFactory()
    call = CallFactory(paper_required=True)
    centre = CentreFactory()
    app = ApplicationFactory(
        complete=True, call=call, organisation__centre=centre, status=Status.SENT
    )
    Review.objects.create(application=app, recommendation=Recommendation.LEAD, reason="强")
    batch = batch_for(centre, call)
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.SENT)
    sel.decide(app, province, Selection.Outcome.LEAD, "团队最强")
    with pytest.raises(sel.SelectionError, match=f"尚未登记收到{centre.name}的纸质材料包"):
        sel.publish(call, province)
    assert not Publication.objects.exists()
    Batch.objects.filter(pk=batch.pk).update(package_received_on=dt.date(2023, 6, 12))
    sel.publish(call, province)
    assert Publication.objects.filter(call=call).exists()


@time_machine.travel(EARLY)
def test_province_reads_a_city_units_paper_copy_but_does_not_record_it(client, world):
    # The province sees everything submitted; the receipt and section 五 are the city's.
    client.force_login(ProvinceStaffFactory())
    assert client.get(url("detail", world["app"])).status_code == 200
    data = {"received-received_on": "2023-06-11"}
    assert client.post(url("paper_received", world["app"]), data).status_code == 403
    assert (
        client.post(url("paper_section_five", world["app"]), {"five-file": pdf()}).status_code
        == 403
    )
    world["app"].refresh_from_db()
    assert world["app"].paper_received_on is None
