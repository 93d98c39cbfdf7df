import datetime as dt

import pytest
import time_machine
from django.core import mail

from applications.models import Event, Status
from applications.validation import submission_errors
from applications.workflow import TransitionError, available, set_state
from tests.factories import ApplicationFactory, CityStaffFactory, UserFactory

pytestmark = pytest.mark.django_db

BEFORE_DEADLINE = dt.datetime(2023, 6, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def app():
    return ApplicationFactory(complete=True)


def test_complete_factory_application_has_no_errors(app):
    assert submission_errors(app) == {}


@time_machine.travel(BEFORE_DEADLINE)
def test_submit_writes_history_and_notifies(app, django_capture_on_commit_callbacks):
    member = UserFactory(organisation=app.organisation)
    staff = CityStaffFactory(centre=app.organisation.centre)
    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, member, "")
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.submitted_at is not None
    event = Event.objects.get()
    assert (event.actor, event.from_status, event.to_status) == (member, "draft", "submitted")
    # The centre is told, and the one who submitted gets its own confirmation.
    assert [m.to for m in mail.outbox] == [[staff.email], [member.email]]
    assert "提交确认" in mail.outbox[1].subject


@time_machine.travel(BEFORE_DEADLINE)
def test_other_organisation_cannot_submit(app):
    with pytest.raises(TransitionError, match="没有权限"):
        set_state(app, Status.SUBMITTED, UserFactory())
    app.refresh_from_db()
    assert app.status == Status.DRAFT and not Event.objects.exists()


@time_machine.travel(BEFORE_DEADLINE)
def test_submit_after_the_call_has_ended_is_refused_even_before_its_deadline(app, client):
    from django.urls import reverse

    # Publishing the results closed the call.
    app.call.is_open = False
    app.call.save()
    member = UserFactory(organisation=app.organisation)
    with pytest.raises(TransitionError, match="已结束，不能再提交申报书"):
        set_state(app, Status.SUBMITTED, member)
    app.refresh_from_db()
    assert app.status == Status.DRAFT and not Event.objects.exists()

    client.force_login(member)
    page = client.get(reverse("applications:submit", args=[app.pk])).content.decode()
    assert 'data-testid="call-ended"' in page and "确认提交" not in page
    edit = client.get(reverse("applications:edit", args=[app.pk])).content.decode()
    assert 'value="submit"' not in edit


def test_submit_after_deadline_is_refused(app):
    member = UserFactory(organisation=app.organisation)
    with time_machine.travel(dt.datetime(2023, 6, 23, 15, 59, tzinfo=dt.UTC)):
        # 23:59 on 23 June in Beijing: still on time.
        set_state(app, Status.SUBMITTED, member)
    set_state(app, Status.DRAFT, member, "撤回修改")
    with (
        time_machine.travel(dt.datetime(2023, 6, 23, 16, 0, tzinfo=dt.UTC)),
        pytest.raises(TransitionError, match="截止"),
    ):
        set_state(app, Status.SUBMITTED, member)


def test_mobile_with_wrong_prefix_is_told_what_a_mobile_looks_like(app):
    app.contact_mobile = "23800138000"
    app.leader_mobile = "23800138000"
    errors = submission_errors(app)
    message = "手机号码应为1开头的11位数字，如 13800138000。"
    assert errors == {"contact_mobile": [message], "leader_mobile": [message]}


@time_machine.travel(BEFORE_DEADLINE)
def test_incomplete_application_cannot_be_submitted():
    app = ApplicationFactory()
    with pytest.raises(TransitionError, match="尚未填写完整"):
        set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation))


@time_machine.travel(BEFORE_DEADLINE)
def test_withdraw_only_until_review_starts(app):
    member = UserFactory(organisation=app.organisation)
    staff = CityStaffFactory(centre=app.organisation.centre)
    set_state(app, Status.SUBMITTED, member)
    assert (Status.DRAFT, "撤回") in available(app, member)
    set_state(app, Status.IN_REVIEW, staff)
    assert available(app, member) == []
    with pytest.raises(TransitionError):
        set_state(app, Status.DRAFT, member)


@time_machine.travel(BEFORE_DEADLINE)
def test_staff_of_another_city_cannot_review(app):
    member = UserFactory(organisation=app.organisation)
    set_state(app, Status.SUBMITTED, member)
    with pytest.raises(TransitionError, match="没有权限"):
        set_state(app, Status.IN_REVIEW, CityStaffFactory())


def test_history_rows_are_append_only(app):
    member = UserFactory(organisation=app.organisation)
    with time_machine.travel(BEFORE_DEADLINE):
        event = set_state(app, Status.SUBMITTED, member)
    event.comment = "改写历史"
    with pytest.raises(ValueError):
        event.save()


@time_machine.travel(BEFORE_DEADLINE)
def test_province_reviews_only_province_affiliated_units(app):
    from tests.factories import ProvinceStaffFactory

    member = UserFactory(organisation=app.organisation)
    set_state(app, Status.SUBMITTED, member)
    province = ProvinceStaffFactory()
    with pytest.raises(TransitionError, match="没有权限"):
        set_state(app, Status.IN_REVIEW, province)
    direct = ApplicationFactory(complete=True, organisation__centre=province.centre)
    set_state(direct, Status.SUBMITTED, UserFactory(organisation=direct.organisation))
    set_state(direct, Status.IN_REVIEW, province)
    assert direct.status == Status.IN_REVIEW


def test_centre_deadline_cannot_be_later_than_the_calls():
    import datetime as dt

    from django.core.exceptions import ValidationError

    from applications.models import SubmissionDeadline
    from tests.factories import CallFactory, CentreFactory

    call = CallFactory(deadline=dt.date(2023, 6, 23))
    late = SubmissionDeadline(call=call, centre=CentreFactory(), deadline=dt.date(2023, 6, 30))
    with pytest.raises(ValidationError, match="不能晚于"):
        late.full_clean()
    SubmissionDeadline(call=call, centre=late.centre, deadline=dt.date(2023, 6, 16)).full_clean()


@time_machine.travel(BEFORE_DEADLINE)
def test_returned_application_shows_what_to_fix_at_the_top(app, client):
    from django.urls import reverse

    member = UserFactory(organisation=app.organisation)
    set_state(app, Status.SUBMITTED, member)
    staff = CityStaffFactory(centre=app.organisation.centre)
    set_state(app, Status.RETURNED, staff, "【二、项目信息】请补充第2位专家的证书编码")
    client.force_login(member)
    for name in ("applications:detail", "applications:edit"):
        body = client.get(reverse(name, args=[app.pk])).content.decode()
        assert 'data-testid="return-note"' in body
        assert "请补充第2位专家的证书编码" in body


def test_forbidden_page_is_chinese(client):
    from django.urls import reverse

    client.force_login(CityStaffFactory())
    response = client.get(reverse("reviews:batch_list"))
    assert response.status_code == 403 and "无权操作" in response.content.decode()


@time_machine.travel(BEFORE_DEADLINE)
def test_the_applicant_is_emailed_the_centres_outcome_not_each_step_to_it(
    app, django_capture_on_commit_callbacks
):
    member = UserFactory(organisation=app.organisation)
    staff = CityStaffFactory(centre=app.organisation.centre)
    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, member)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.IN_REVIEW, staff)
        set_state(app, Status.VERIFIED, staff)
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.RECOMMENDED, staff)
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "已推荐" in mail.outbox[0].subject


def test_missing_expert_fields_are_named_column_by_column(app):
    expert = app.experts.get()
    expert.gender = ""
    expert.title = ""
    expert.save()
    (message,) = [m for m in submission_errors(app)["experts"] if "请填写" in m]
    assert message.endswith("请填写“性别”、“职称、职业资格”。")
