"""A centre sends its batch to the province; the province reopens it."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from applications.models import Event, Status
from applications.workflow import TransitionError, set_state
from documents.models import Document
from reviews.batch import BatchError, batch_for, reopen_batch, save_batch_form, send_batch
from reviews.models import Batch, BatchEvent, Recommendation, Review
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# 10:00 on 20 June 2023 in Beijing: before the call's deadline (23 June, 24:00).
BEFORE = dt.datetime(2023, 6, 20, 2, 0, tzinfo=dt.UTC)
# 10:00 on 24 June 2023 in Beijing: after it.
AFTER = dt.datetime(2023, 6, 24, 2, 0, tzinfo=dt.UTC)

SEND = reverse("reviews:batch_send")
PAGE = reverse("reviews:batch")


def submitted(centre, call, **kwargs):
    """A complete application of one of the centre's units, submitted before the deadline."""
    kwargs.setdefault("organisation__centre", centre)
    app = ApplicationFactory(complete=True, call=call, **kwargs)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    return app


def decide(app, staff, recommendation, reason="专业团队力量较强。"):
    """Verify the application and record the centre's recommendation, as the review page does."""
    set_state(app, Status.IN_REVIEW, staff, now=BEFORE)
    set_state(app, Status.VERIFIED, staff, now=BEFORE)
    Review.objects.create(
        application=app, recommendation=recommendation, reason=reason, updated_by=staff
    )
    target = Status.NOT_RECOMMENDED if recommendation == Recommendation.NONE else Status.RECOMMENDED
    set_state(app, target, staff, now=BEFORE)
    return app


def statuses(*apps):
    for app in apps:
        app.refresh_from_db()
    return [app.status for app in apps]


@pytest.fixture
def city():
    """A city centre with staff, one lead, one participant and one not-recommended application."""
    call = CallFactory()
    centre = CentreFactory(region="杭州", contact_person="李老师", contact_phone="0571-12345678")
    staff = CityStaffFactory(centre=centre)
    lead = decide(submitted(centre, call), staff, Recommendation.LEAD)
    participant = decide(submitted(centre, call), staff, Recommendation.PARTICIPANT)
    refused = decide(submitted(centre, call), staff, Recommendation.NONE, "经验不足。")
    return {
        "call": call,
        "centre": centre,
        "staff": staff,
        "lead": lead,
        "participant": participant,
        "refused": refused,
        "apps": [lead, participant, refused],
    }


def form_data(call, **extra):
    return {
        "call": call.slug,
        "contact_person": "李老师",
        "contact_phone": "0571-12345678",
        **extra,
    }


def test_send_is_refused_while_an_application_is_undecided_then_allowed_once_left_out(
    city, client, django_capture_on_commit_callbacks
):
    call, centre, staff = city["call"], city["centre"], city["staff"]
    pending = submitted(centre, call)
    set_state(pending, Status.IN_REVIEW, staff, now=BEFORE)

    with pytest.raises(BatchError, match="还有1份申报书未作出推荐意见"):
        send_batch(centre, call, staff, now=BEFORE)
    assert statuses(*city["apps"]) == [
        Status.RECOMMENDED,
        Status.RECOMMENDED,
        Status.NOT_RECOMMENDED,
    ]

    client.force_login(staff)
    with time_machine.travel(BEFORE):
        page = client.get(PAGE, {"call": call.slug}).content.decode()
        assert pending.reference in page and 'data-testid="send-button"' in page

        # Leaving it out needs a reason; what was typed stays on the page.
        response = client.post(SEND, form_data(call, **{f"leave_out_{pending.pk}": "on"}))
        assert response.status_code == 400
        assert "请填写不纳入本次报送的理由。" in response.content.decode()
        assert Batch.objects.get().state == Batch.State.OPEN

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                SEND,
                form_data(
                    call,
                    **{f"leave_out_{pending.pk}": "on", f"reason_{pending.pk}": "单位申请暂缓"},
                ),
            )
    assert response.status_code == 302
    assert statuses(*city["apps"]) == [Status.SENT] * 3
    assert statuses(pending) == [Status.IN_REVIEW]
    review = Review.objects.get(application=pending)
    assert (review.left_out, review.left_out_reason) == (True, "单位申请暂缓")
    assert "不纳入本次报送1份" in BatchEvent.objects.get().comment


def test_sending_moves_every_decided_application_records_history_sheet_and_emails_province(
    city, client, django_capture_on_commit_callbacks
):
    call, centre, staff = city["call"], city["centre"], city["staff"]
    province = ProvinceStaffFactory(email="sheng@example.com")
    colleague = CityStaffFactory(centre=centre)
    client.force_login(staff)
    mail.outbox.clear()
    with (
        time_machine.travel(BEFORE, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            SEND, form_data(call, contact_person="王老师", contact_phone="0571-87654321")
        )
    assert response.status_code == 302

    assert statuses(*city["apps"]) == [Status.SENT] * 3
    events = Event.objects.filter(to_status=Status.SENT)
    assert {e.application_id for e in events} == {a.pk for a in city["apps"]}
    assert {e.actor for e in events} == {staff}
    assert "推荐为牵头单位" in events.get(application=city["lead"]).comment

    batch = Batch.objects.get(centre=centre, call=call)
    assert (batch.state, batch.sent_by, batch.sent_at) == (Batch.State.SENT, staff, BEFORE)
    assert (batch.contact_person, batch.contact_phone) == ("王老师", "0571-87654321")
    event = BatchEvent.objects.get(batch=batch)
    assert (event.from_state, event.to_state, event.actor) == ("open", "sent", staff)
    assert "报送申报书3份（推荐2份，不予推荐1份）" in event.comment

    doc = Document.objects.get(kind=Document.Kind.SUMMARY_XLSX)
    assert (doc.centre, doc.call, doc.params, doc.state) == (centre, call, {"sent": True}, "done")
    assert doc.filename == f"附件3汇总表-{centre.name}-20230620.xlsx"

    to_province = [m for m in mail.outbox if province.email in m.to]
    assert len(to_province) == 1 and centre.name in to_province[0].subject
    assert "王老师" in to_province[0].body
    assert colleague.email not in to_province[0].to

    with time_machine.travel(BEFORE):
        page = client.get(PAGE, {"call": call.slug}).content.decode()
    assert "已报送省中心" in page and str(staff) in page
    assert 'data-testid="send-button"' not in page and 'data-testid="batch-form"' not in page
    assert reverse("documents:download", args=[doc.pk]) in page


def test_after_sending_centre_cannot_change_anything(city, client):
    call, centre, staff = city["call"], city["centre"], city["staff"]
    send_batch(centre, call, staff, now=BEFORE)
    # Only the province moves a sent application back.
    with pytest.raises(TransitionError, match="没有权限"):
        set_state(city["lead"], Status.RECOMMENDED, staff, now=BEFORE)
    with pytest.raises(BatchError, match="已报送"):
        send_batch(centre, call, staff, now=BEFORE)
    client.force_login(staff)
    with time_machine.travel(BEFORE):
        response = client.post(PAGE, form_data(call, contact_person="改名"))
    assert response.status_code == 409 and "已报送" in response.content.decode()
    assert Batch.objects.get().contact_person == "李老师"


def test_after_the_deadline_sending_is_refused_and_the_page_says_so(city, client):
    call, centre, staff = city["call"], city["centre"], city["staff"]
    client.force_login(staff)
    with time_machine.travel(AFTER):
        page = client.get(PAGE, {"call": call.slug}).content.decode()
        assert "报送已于2023年6月23日24时（北京时间）截止，不能再报送。" in page
        assert 'data-testid="send-button"' not in page
        response = client.post(SEND, form_data(call))
        assert response.status_code == 409
        with pytest.raises(BatchError, match="截止"):
            send_batch(centre, call, staff)
    assert Batch.objects.get().state == Batch.State.OPEN
    assert statuses(*city["apps"]) == [
        Status.RECOMMENDED,
        Status.RECOMMENDED,
        Status.NOT_RECOMMENDED,
    ]


def test_the_last_minute_of_the_deadline_day_still_counts(city):
    last_minute = dt.datetime(2023, 6, 23, 15, 59, tzinfo=dt.UTC)
    batch = send_batch(city["centre"], city["call"], city["staff"], now=last_minute)
    assert batch.state == Batch.State.SENT


def test_province_reopens_with_a_reason_and_the_centre_sends_again(
    city, client, django_capture_on_commit_callbacks
):
    call, centre, staff = city["call"], city["centre"], city["staff"]
    province = ProvinceStaffFactory()
    send_batch(centre, call, staff, now=BEFORE)
    batch = Batch.objects.get()

    client.force_login(province)
    url = reverse("reviews:batch_reopen", args=[batch.pk])
    client.post(url, {"reason": "  "})
    assert Batch.objects.get().state == Batch.State.SENT, "a reason is required"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "参与单位材料缺页，请补充"})
    assert response.status_code == 302
    assert statuses(*city["apps"]) == [
        Status.RECOMMENDED,
        Status.RECOMMENDED,
        Status.NOT_RECOMMENDED,
    ]
    back = Event.objects.filter(from_status=Status.SENT, application=city["participant"]).get()
    assert back.actor == province and "参与单位材料缺页" in back.comment
    batch.refresh_from_db()
    assert (batch.state, batch.sent_at, batch.sent_by) == (Batch.State.OPEN, None, None)
    assert any(staff.email in m.to and "重新开放" in m.subject for m in mail.outbox)

    # Now (long after the deadline): the province asked for the correction, so it may be sent.
    send_batch(centre, call, staff)
    assert statuses(*city["apps"]) == [Status.SENT] * 3
    history = list(BatchEvent.objects.filter(batch=batch).values_list("to_state", "comment"))
    assert [state for state, _ in history] == ["sent", "open", "sent"]
    assert history[1][1] == "参与单位材料缺页，请补充"


def test_only_the_province_reopens(city, client):
    call, centre, staff = city["call"], city["centre"], city["staff"]
    send_batch(centre, call, staff, now=BEFORE)
    batch = Batch.objects.get()
    url = reverse("reviews:batch_reopen", args=[batch.pk])
    client.force_login(staff)
    assert client.post(url, {"reason": "自己打开"}).status_code == 403
    client.force_login(CityStaffFactory())
    assert client.post(url, {"reason": "别人的"}).status_code == 404
    client.force_login(UserFactory(organisation=city["lead"].organisation))
    assert client.post(url, {"reason": "申报单位"}).status_code == 404
    with pytest.raises(BatchError, match="只有省中心"):
        reopen_batch(batch, staff, "自己打开")
    assert Batch.objects.get().state == Batch.State.SENT
    assert statuses(city["lead"]) == [Status.SENT]


def test_batch_list_is_the_provinces(city, client):
    call = city["call"]
    other = CentreFactory(region="宁波")
    send_batch(city["centre"], call, city["staff"], now=BEFORE)
    url = reverse("reviews:batch_list")
    client.force_login(city["staff"])
    assert client.get(url, {"call": call.slug}).status_code == 403
    client.force_login(ProvinceStaffFactory())
    page = client.get(url, {"call": call.slug}).content.decode()
    assert city["centre"].name in page and other.name in page
    assert page.count('data-testid="batch-list-row"') >= 2
    assert reverse("reviews:batch_reopen", args=[Batch.objects.get().pk]) in page


def test_a_city_sees_and_sends_only_its_own_applications(city, client):
    call = city["call"]
    other_centre = CentreFactory(region="宁波")
    other_staff = CityStaffFactory(centre=other_centre)
    theirs = decide(submitted(other_centre, call), other_staff, Recommendation.LEAD)
    client.force_login(city["staff"])
    with time_machine.travel(BEFORE):
        page = client.get(PAGE, {"call": call.slug}).content.decode()
    assert theirs.organisation.name not in page
    assert city["lead"].organisation.name in page

    send_batch(city["centre"], call, city["staff"], now=BEFORE)
    assert statuses(theirs) == [Status.RECOMMENDED]
    with pytest.raises(BatchError, match="没有权限"):
        send_batch(other_centre, call, city["staff"], now=BEFORE)


def test_one_transaction_nothing_is_sent_when_one_application_cannot_be_moved(
    city, django_capture_on_commit_callbacks
):
    call, centre, staff = city["call"], city["centre"], city["staff"]
    # Recommended, but its recorded recommendation was lost: the sheet could not show it.
    broken = decide(submitted(centre, call), staff, Recommendation.LEAD)
    Review.objects.filter(application=broken).update(recommendation="")
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(BatchError, match="不一致"),
    ):
        send_batch(centre, call, staff, now=BEFORE)
    # The three before it had already been moved inside the transaction: all rolled back.
    assert statuses(*city["apps"], broken) == [
        Status.RECOMMENDED,
        Status.RECOMMENDED,
        Status.NOT_RECOMMENDED,
        Status.RECOMMENDED,
    ]
    assert not Event.objects.filter(to_status=Status.SENT).exists()
    assert not Batch.objects.filter(state=Batch.State.SENT).exists()
    assert (
        not BatchEvent.objects.exists()
        and not Document.objects.filter(kind=Document.Kind.SUMMARY_XLSX).exists()
    )
    assert mail.outbox == []


def test_an_application_returned_meanwhile_stops_the_send(city):
    call, centre, staff = city["call"], city["centre"], city["staff"]
    late = submitted(centre, call)
    save_batch_form(
        centre, call, staff, contact_person="李", contact_phone="1", left_out={}, now=BEFORE
    )
    set_state(late, Status.RETURNED, staff, "请补充专家证书", now=BEFORE)
    with pytest.raises(BatchError, match="未作出推荐意见"):
        send_batch(centre, call, staff, now=BEFORE)
    assert statuses(*city["apps"]) == [
        Status.RECOMMENDED,
        Status.RECOMMENDED,
        Status.NOT_RECOMMENDED,
    ]


def test_the_provincial_centre_sends_for_province_affiliated_units(city, client):
    call = city["call"]
    province = ProvinceStaffFactory()
    direct = decide(submitted(province.centre, call), province, Recommendation.LEAD)
    client.force_login(province)
    with time_machine.travel(BEFORE):
        page = client.get(PAGE, {"call": call.slug}).content.decode()
        assert province.centre.name in page and direct.organisation.name in page
        assert city["lead"].organisation.name not in page
        response = client.post(SEND, form_data(call))
    assert response.status_code == 302
    assert statuses(direct, city["lead"]) == [Status.SENT, Status.RECOMMENDED]
    assert Batch.objects.get(centre=province.centre).state == Batch.State.SENT


def test_draft_sheet_is_requested_and_polled(city, client, django_capture_on_commit_callbacks):
    call, staff = city["call"], city["staff"]
    client.force_login(staff)
    url = reverse("reviews:batch_summary")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"call": call.slug}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    doc = Document.objects.get(kind=Document.Kind.SUMMARY_XLSX)
    assert (doc.params, doc.centre, doc.requested_by) == ({"sent": False}, city["centre"], staff)
    doc.refresh_from_db()
    assert doc.state == Document.State.DONE and "草稿" in doc.filename
    assert f'id="doc-{doc.pk}"' in response.content.decode()

    from openpyxl import load_workbook

    download = client.get(reverse("documents:download", args=[doc.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert city["lead"].organisation.name in values
    assert city["refused"].organisation.name not in values

    # Another city cannot download it.
    client.force_login(CityStaffFactory())
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404


def test_once_sent_only_the_sent_sheet_is_offered(city, client, django_capture_on_commit_callbacks):
    call, centre, staff = city["call"], city["centre"], city["staff"]
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:batch_summary"), {"call": call.slug})
    draft = Document.objects.get(kind=Document.Kind.SUMMARY_XLSX)
    with time_machine.travel(BEFORE, tick=False), django_capture_on_commit_callbacks(execute=True):
        send_batch(centre, call, staff)
    sent = Document.objects.filter(kind=Document.Kind.SUMMARY_XLSX).exclude(pk=draft.pk).get()

    with time_machine.travel(BEFORE):
        page = client.get(PAGE, {"call": call.slug}).content.decode()
    assert f'id="doc-{sent.pk}"' in page
    assert f'id="doc-{draft.pk}"' not in page and "生成汇总表（草稿）" not in page

    # Reopened by the province, the batch is a draft again and so is the sheet.
    reopen_batch(Batch.objects.get(), ProvinceStaffFactory(), "请补充材料")
    page = client.get(PAGE, {"call": call.slug}).content.decode()
    assert f'id="doc-{draft.pk}"' in page and "生成汇总表（草稿）" in page


def test_the_batch_page_is_for_centre_staff(city, client):
    client.force_login(UserFactory(organisation=city["lead"].organisation))
    assert client.get(PAGE, {"call": city["call"].slug}).status_code == 403
    assert client.post(SEND, form_data(city["call"])).status_code == 403
    client.logout()
    assert client.get(PAGE).status_code == 302


def test_contact_is_prefilled_from_the_centre(city):
    batch = batch_for(city["centre"], city["call"])
    assert (batch.contact_person, batch.contact_phone) == ("李老师", "0571-12345678")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"contact_phone": "12345"}, "联系电话应为固定电话（如 0571-88888888）或11位手机号码"),
        ({"contact_phone": "0571-88394295、123"}, "多个号码请用“、”分隔"),
        ({"contact_phone": ""}, "请填写联系电话。"),
        ({"contact_person": ""}, "请填写联系人。"),
    ],
)
def test_a_bad_contact_is_refused_naming_the_field_and_keeping_the_rest(
    city, client, values, message
):
    call, staff = city["call"], city["staff"]
    client.force_login(staff)
    data = form_data(call, **values)
    with time_machine.travel(BEFORE, tick=False):
        response = client.post(SEND, data)

    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "未报送：请按下方提示修改后再报送。" in body
    for value in data.values():
        assert f'value="{value}"' in body or not value
    assert Batch.objects.get(centre=city["centre"], call=call).state == Batch.State.OPEN


@pytest.mark.parametrize(
    "phone",
    [
        "0571-88886666",
        "057188886666",
        "13800138000",
        "88886666",
        # The provincial centre's own line, as its record gives it.
        "0571-88394295、88381123",
        "0571-88394295, 13800138000",
    ],
)
def test_usual_phone_numbers_are_accepted_for_the_contact(city, client, phone):
    client.force_login(city["staff"])
    with time_machine.travel(BEFORE, tick=False):
        response = client.post(PAGE, form_data(city["call"], contact_phone=phone))
    assert response.status_code == 302
    assert Batch.objects.get(centre=city["centre"], call=city["call"]).contact_phone == phone
