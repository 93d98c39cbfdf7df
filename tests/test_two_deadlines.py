"""Two deadlines: units submit to their centre by the applicant deadline (or the centre's own,
earlier one); centres send to the province by the call's deadline."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from applications.models import Status, SubmissionDeadline, deadline_for
from applications.workflow import TransitionError, set_state
from catalog.models import Call
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

# 10:00 on 18 June 2023 in Beijing: after the units' deadline (16 June), before the centres' (23).
BETWEEN = dt.datetime(2023, 6, 18, 2, 0, tzinfo=dt.UTC)
# 10:00 on 12 June: before both.
EARLY = dt.datetime(2023, 6, 12, 2, 0, tzinfo=dt.UTC)
CENTRE_PAGE = reverse("accounts:centre")


@pytest.fixture
def call():
    return CallFactory(applicant_deadline=dt.date(2023, 6, 16), deadline=dt.date(2023, 6, 23))


def test_applicant_deadline_defaults_to_the_call_deadline():
    call = CallFactory(applicant_deadline=None)
    assert call.units_deadline == call.deadline


def test_data_migration_copies_the_deadline_only_where_unset():
    migration = importlib.import_module("catalog.migrations.0003_i14_call_page_and_deadlines")
    unset = CallFactory(applicant_deadline=None)
    kept = CallFactory(applicant_deadline=dt.date(2023, 6, 1))
    migration.applicant_deadline_from_deadline(apps, None)
    assert Call.objects.get(pk=unset.pk).applicant_deadline == unset.deadline
    assert Call.objects.get(pk=kept.pk).applicant_deadline == dt.date(2023, 6, 1)


def test_fixture_call_gives_units_a_week_before_centres(catalog):
    assert catalog.deadline == dt.date(2023, 6, 23)
    assert catalog.applicant_deadline == dt.date(2023, 6, 16)


def test_unit_cannot_submit_after_the_applicant_deadline(call):
    app = ApplicationFactory(complete=True, call=call)
    member = UserFactory(organisation=app.organisation)
    with pytest.raises(TransitionError, match="2023年6月16日24时"):
        set_state(app, Status.SUBMITTED, member, now=BETWEEN)
    set_state(app, Status.SUBMITTED, member, now=EARLY)


def test_centre_may_still_send_between_the_two_deadlines(call):
    centre = CentreFactory()
    staff = CityStaffFactory(centre=centre)
    app = ApplicationFactory(complete=True, call=call, organisation__centre=centre)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=EARLY)
    set_state(app, Status.VERIFIED, staff, now=EARLY)
    Review.objects.create(application=app, recommendation=Recommendation.LEAD, reason="强")
    set_state(app, Status.RECOMMENDED, staff, now=EARLY)
    send_batch(centre, call, staff, contact_person="李", contact_phone="0571-12345678", now=BETWEEN)
    app.refresh_from_db()
    assert app.status == Status.SENT


def test_centres_own_earlier_date_binds_its_units_only(call):
    centre, other = CentreFactory(), CentreFactory()
    SubmissionDeadline.objects.create(call=call, centre=centre, deadline=dt.date(2023, 6, 10))
    assert deadline_for(call, centre.pk) == dt.date(2023, 6, 10)
    assert deadline_for(call, other.pk) == dt.date(2023, 6, 16)
    app = ApplicationFactory(complete=True, call=call, organisation__centre=centre)
    with pytest.raises(TransitionError, match="2023年6月10日24时"):
        set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=EARLY)


# --- the centre's own page ---------------------------------------------------------------


def test_centre_page_anonymous_is_sent_to_login(client, call):
    response = client.get(CENTRE_PAGE)
    assert response.status_code == 302 and "login" in response.url


def test_centre_page_is_not_for_applicants(client, call):
    client.force_login(UserFactory())
    assert client.get(CENTRE_PAGE).status_code == 403
    assert (
        client.post(
            CENTRE_PAGE, {"form": "deadline", "deadline-deadline": "2023-06-01"}
        ).status_code
        == 403
    )
    assert not SubmissionDeadline.objects.exists()


@time_machine.travel(EARLY)
def test_city_staff_sets_and_clears_its_own_deadline(client, call):
    staff = CityStaffFactory()
    other = CityStaffFactory()
    client.force_login(staff)
    response = client.post(CENTRE_PAGE, {"form": "deadline", "deadline-deadline": "2023-06-12"})
    assert response.status_code == 302
    assert deadline_for(call, staff.centre_id) == dt.date(2023, 6, 12)
    # A date input only takes ISO dates: the page shows the saved one back in that form.
    assert 'value="2023-06-12"' in client.get(CENTRE_PAGE).content.decode()
    # Another centre is untouched: each centre sets its own date only.
    assert deadline_for(call, other.centre_id) == dt.date(2023, 6, 16)
    client.post(CENTRE_PAGE, {"form": "deadline", "deadline-deadline": ""})
    assert deadline_for(call, staff.centre_id) == dt.date(2023, 6, 16)


@time_machine.travel(EARLY)
def test_centre_deadline_after_the_applicant_deadline_is_refused(client, call):
    staff = CityStaffFactory()
    client.force_login(staff)
    response = client.post(CENTRE_PAGE, {"form": "deadline", "deadline-deadline": "2023-06-20"})
    assert response.status_code == 400
    assert "不能晚于批次的申报单位提交截止日期（2023年6月16日）" in response.content.decode()
    assert not SubmissionDeadline.objects.exists()


@time_machine.travel(EARLY)
def test_bad_date_is_a_chinese_error(client, call):
    client.force_login(CityStaffFactory())
    response = client.post(CENTRE_PAGE, {"form": "deadline", "deadline-deadline": "June"})
    assert response.status_code == 400 and "请输入有效的日期" in response.content.decode()


@time_machine.travel(EARLY)
def test_units_see_their_centres_date(client, call):
    staff = CityStaffFactory()
    SubmissionDeadline.objects.create(call=call, centre=staff.centre, deadline=dt.date(2023, 6, 9))
    member = UserFactory(organisation__centre=staff.centre)
    client.force_login(member)
    assert "2023年6月9日24时" in client.get(reverse("accounts:dashboard")).content.decode()
    app = ApplicationFactory(call=call, organisation=member.organisation)
    assert (
        "2023年6月9日24时"
        in client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    )


# --- the centre's contact ----------------------------------------------------------------


def test_staff_edit_their_centres_contact_and_the_province_sees_it(client, call):
    staff = CityStaffFactory(centre__contact_person="", centre__contact_phone="")
    client.force_login(staff)
    response = client.post(
        CENTRE_PAGE,
        {
            "form": "contact",
            "contact-contact_person": "陈老师",
            "contact-contact_phone": "0571-87654321",
            "contact-contact_address": "杭州市某路1号",
        },
    )
    assert response.status_code == 302
    staff.centre.refresh_from_db()
    assert (staff.centre.contact_person, staff.centre.contact_address) == (
        "陈老师",
        "杭州市某路1号",
    )
    client.force_login(ProvinceStaffFactory())
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "陈老师" in html and "0571-87654321" in html and "杭州市某路1号" in html


def test_bad_phone_keeps_what_was_typed(client, call):
    client.force_login(CityStaffFactory())
    response = client.post(
        CENTRE_PAGE,
        {"form": "contact", "contact-contact_person": "陈老师", "contact-contact_phone": "abc"},
    )
    assert response.status_code == 400
    assert 'value="陈老师"' in response.content.decode()


@time_machine.travel(EARLY)
def test_contact_typed_on_the_batch_page_fills_an_empty_centre_contact(client, call):
    staff = CityStaffFactory(centre__contact_person="", centre__contact_phone="")
    client.force_login(staff)
    response = client.post(
        reverse("reviews:batch"),
        {"call": call.slug, "contact_person": "赵老师", "contact_phone": "0571-11112222"},
    )
    assert response.status_code == 302
    staff.centre.refresh_from_db()
    assert (staff.centre.contact_person, staff.centre.contact_phone) == ("赵老师", "0571-11112222")


def test_units_see_their_centres_contact(client, call):
    member = UserFactory(
        organisation__centre__contact_person="陈老师",
        organisation__centre__contact_address="杭州市某路1号",
    )
    client.force_login(member)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "陈老师" in html and "杭州市某路1号" in html


@time_machine.travel(EARLY)
def test_staff_dashboard_shows_the_centres_date_and_both_call_dates(client, call):
    staff = CityStaffFactory()
    SubmissionDeadline.objects.create(call=call, centre=staff.centre, deadline=dt.date(2023, 6, 9))
    client.force_login(staff)
    banner = client.get(reverse("accounts:dashboard")).content.decode()
    assert "本中心申报单位提交截止：2023年6月9日24时" in banner
    assert "各中心报送省中心截止：2023年6月23日24时" in banner
