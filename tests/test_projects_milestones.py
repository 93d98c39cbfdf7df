"""Projects after confirmation: who sees them, milestone reports and reviews, money, reminders."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from applications.models import Status
from projects import services
from projects.models import Milestone, MilestoneEvent, MilestoneStep, Payment, Project
from projects.tasks import send_reminders
from reviews.models import Selection
from tests.factories import (
    ApplicationFactory,
    CentreFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = dt.date(2023, 10, 9)


def make_project(call=None, subsidy=Decimal("40"), lead_centre=None, part_centre=None):
    """A confirmed lead with one participant; projects made as confirmation makes them."""
    unit = UnitFactory(**({"entry__call": call} if call else {}))
    call = unit.entry.call
    lead = ApplicationFactory(
        call=call,
        unit=unit,
        status=Status.SELECTED,
        organisation__centre=lead_centre or CentreFactory(),
    )
    part = ApplicationFactory(
        call=call,
        unit=unit,
        status=Status.SELECTED,
        organisation__centre=part_centre or CentreFactory(),
    )
    key = f"u{unit.pk}"
    Selection.objects.create(
        application=lead, call=call, unit=unit, unit_key=key, outcome="lead", subsidy=subsidy
    )
    Selection.objects.create(
        application=part, call=call, unit=unit, unit_key=key, outcome="participant"
    )
    services.create_projects(call)
    return Project.objects.get(lead=lead)


@pytest.fixture
def project(db):
    with time_machine.travel(dt.datetime(2023, 10, 9, 2, tzinfo=dt.UTC)):
        return make_project()


@pytest.fixture
def lead_user(project):
    return UserFactory(organisation=project.lead.organisation)


@pytest.fixture
def province(db):
    return ProvinceStaffFactory()


def first(project):
    return project.milestones.select_related("step").first()


def pdf(name="签字确认单.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- the template ---------------------------------------------------------------------------


def test_default_template_has_seven_steps_and_two_stages(project):
    names = list(MilestoneStep.objects.filter(call=project.call).values_list("name", flat=True))
    assert names == ["签订开发任务书", "鉴定要素细目表", "命题", "审题", "组卷", "试测", "验收"]
    stages = services.money_for(project).stages
    assert [(s.stage.step.name, s.amount) for s in stages] == [
        ("签订开发任务书", Decimal("20.00")),
        ("验收", Decimal("20.00")),
    ]


def test_an_edited_due_date_applies_to_every_project(project):
    step = MilestoneStep.objects.get(call=project.call, position=1)
    step.due_on = dt.date(2024, 1, 31)
    step.save()
    assert first(project).step.due_on == dt.date(2024, 1, 31)


# --- who sees the project -------------------------------------------------------------------


def test_access_by_role(project, client):
    url = reverse("projects:detail", args=[project.pk])
    assert client.get(url).status_code == 302
    cases = [
        (UserFactory(), 404),  # another unit
        (CityStaffFactory(), 404),  # another city
        (UserFactory(organisation=project.lead.organisation), 200),
        (UserFactory(organisation=project.participants.get().organisation), 200),
        (CityStaffFactory(centre=project.lead.organisation.centre), 200),
        (CityStaffFactory(centre=project.participants.get().organisation.centre), 200),
        (ProvinceStaffFactory(), 200),
    ]
    for user, code in cases:
        client.force_login(user)
        assert client.get(url).status_code == code, user.role
        assert client.get(reverse("projects:list")).status_code == 200


def test_participants_and_centres_read_but_do_not_report(project, client):
    milestone = first(project)
    for user in (
        UserFactory(organisation=project.participants.get().organisation),
        CityStaffFactory(centre=project.lead.organisation.centre),
        ProvinceStaffFactory(),
    ):
        client.force_login(user)
        response = client.post(reverse("projects:report", args=[milestone.pk]), {"note": "完成"})
        assert response.status_code == 403
    client.force_login(UserFactory())
    assert (
        client.post(reverse("projects:report", args=[milestone.pk]), {"note": "x"}).status_code
        == 404
    )
    assert Milestone.objects.get(pk=milestone.pk).state == "pending"


def test_list_shows_only_visible_projects(project, client, django_assert_num_queries):
    other = make_project(call=project.call)
    client.force_login(UserFactory(organisation=other.lead.organisation))
    with django_assert_num_queries(5):
        page = client.get(reverse("projects:list")).content.decode()
    assert page.count('data-testid="project-row"') == 1
    assert other.lead.organisation.name in page and project.lead.organisation.name not in page


def test_list_queries_do_not_grow(province, client, django_assert_num_queries):
    client.force_login(province)
    p = make_project()
    with django_assert_num_queries(5):
        client.get(reverse("projects:list"))
    make_project(call=p.call), make_project(call=p.call)
    with django_assert_num_queries(5):
        page = client.get(reverse("projects:list")).content.decode()
    assert page.count('data-testid="project-row"') == 3


# --- reporting and reviewing ----------------------------------------------------------------


def test_report_with_evidence_then_return_then_accept(project, lead_user, province, client):
    milestone = first(project)
    client.force_login(lead_user)
    response = client.post(
        reverse("projects:report", args=[milestone.pk]),
        {"note": "任务书已签订", "files": [pdf(), pdf("会议纪要.png".replace("png", "pdf"))]},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.state == "reported" and milestone.evidence.count() == 2
    evidence = milestone.evidence.first()
    assert "签字" not in evidence.file.name
    assert client.get(reverse("projects:evidence", args=[evidence.pk])).status_code == 200

    client.force_login(province)
    response = client.post(reverse("projects:review", args=[milestone.pk]), {"decision": "return"})
    assert response.status_code == 400 and "退回须填写意见" in response.content.decode()
    client.post(
        reverse("projects:review", args=[milestone.pk]), {"decision": "return", "comment": "缺盖章"}
    )
    assert Milestone.objects.get(pk=milestone.pk).state == "returned"

    client.force_login(lead_user)
    client.post(reverse("projects:report", args=[milestone.pk]), {"note": "已补盖章"})
    client.force_login(province)
    client.post(reverse("projects:review", args=[milestone.pk]), {"decision": "accept"})
    milestone.refresh_from_db()
    assert milestone.state == "accepted"
    history = list(
        MilestoneEvent.objects.filter(milestone=milestone).values_list("to_state", "comment")
    )
    assert history == [
        ("reported", "任务书已签订"),
        ("returned", "缺盖章"),
        ("reported", "已补盖章"),
        ("accepted", "审核通过"),
    ]


def test_history_rows_are_append_only(project, lead_user):
    event = services.set_milestone_state(first(project), "reported", lead_user, "完成")
    with pytest.raises(ValueError):
        event.save()


def test_transitions_the_rules_refuse(project, lead_user, province):
    milestone = first(project)
    with pytest.raises(services.ProjectError):
        services.set_milestone_state(milestone, "accepted", province)
    with pytest.raises(PermissionDenied):
        services.set_milestone_state(milestone, "reported", province, "x")
    services.set_milestone_state(milestone, "reported", lead_user, "完成")
    with pytest.raises(PermissionDenied):
        services.set_milestone_state(milestone, "accepted", lead_user)
    with pytest.raises(services.ProjectError):
        services.set_milestone_state(milestone, "reported", lead_user, "again")


@pytest.mark.parametrize(
    "files,message",
    [
        ([SimpleUploadedFile("试题.docx", b"PK\x03\x04")], "格式不受支持"),
        ([pdf(f"{i}.pdf") for i in range(6)], "最多上传5个"),
    ],
)
def test_bad_reports_are_refused_and_keep_the_note(project, lead_user, client, files, message):
    milestone = first(project)
    client.force_login(lead_user)
    response = client.post(
        reverse("projects:report", args=[milestone.pk]), {"note": "细目表已完成", "files": files}
    )
    page = response.content.decode()
    assert response.status_code == 400 and message in page and "细目表已完成" in page
    assert Milestone.objects.get(pk=milestone.pk).state == "pending"


def test_report_and_review_emails(project, lead_user, province, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_milestone_state(first(project), "reported", lead_user, "完成")
    assert mail.outbox[-1].to == [province.email]
    with django_capture_on_commit_callbacks(execute=True):
        services.set_milestone_state(first(project), "accepted", province)
    assert mail.outbox[-1].to == [lead_user.email]


# --- money ----------------------------------------------------------------------------------


def test_money_paid_and_due(project, lead_user, province, client):
    services.set_milestone_state(first(project), "reported", lead_user, "完成")
    services.set_milestone_state(first(project), "accepted", province)
    client.force_login(province)
    response = client.post(
        reverse("projects:pay", args=[project.pk]), {"paid_on": "2023-11-01", "amount": "15"}
    )
    assert response.status_code == 302
    money = services.money_for(project)
    assert (money.due, money.paid, money.outstanding) == (
        Decimal("20.00"),
        Decimal("15"),
        Decimal("5.00"),
    )
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "15.00" in page and "5.00" in page


@pytest.mark.parametrize(
    "data,message",
    [
        ({"paid_on": "2023-11-01", "amount": "-1"}, "拨付金额必须大于0"),
        ({"paid_on": "不是日期", "amount": "1"}, "请输入有效的日期"),
        ({"paid_on": "2023-11-01", "amount": "41"}, "将超过财政经费补助"),
    ],
)
def test_bad_payments_are_refused(project, province, client, data, message):
    client.force_login(province)
    response = client.post(reverse("projects:pay", args=[project.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize("factory", [CityStaffFactory, UserFactory])
def test_only_the_province_records_payments(project, client, factory):
    user = (
        factory(centre=project.lead.organisation.centre)
        if factory is CityStaffFactory
        else factory(organisation=project.lead.organisation)
    )
    client.force_login(user)
    response = client.post(
        reverse("projects:pay", args=[project.pk]), {"paid_on": "2023-11-01", "amount": "1"}
    )
    assert response.status_code == 403


# --- reminders ------------------------------------------------------------------------------


def test_reminders_before_the_due_date_and_when_overdue_once_each(project, lead_user):
    due = first(project).step.due_on
    with time_machine.travel(
        dt.datetime.combine(due - dt.timedelta(days=8), dt.time(1), tzinfo=dt.UTC)
    ):
        assert send_reminders() == 0
    with time_machine.travel(
        dt.datetime.combine(due - dt.timedelta(days=6), dt.time(1), tzinfo=dt.UTC)
    ):
        assert send_reminders() == 1
        assert send_reminders() == 0
    assert "即将到期" in mail.outbox[-1].subject and mail.outbox[-1].to == [lead_user.email]
    with time_machine.travel(
        dt.datetime.combine(due + dt.timedelta(days=1), dt.time(1), tzinfo=dt.UTC)
    ):
        call_command("send_milestone_reminders", stdout=io.StringIO())
    assert "已逾期" in mail.outbox[-1].subject
    assert len(mail.outbox) == 2


def test_no_reminder_for_a_reported_milestone(project, lead_user):
    services.set_milestone_state(first(project), "reported", lead_user, "完成")
    due = first(project).step.due_on
    with time_machine.travel(
        dt.datetime.combine(due + dt.timedelta(days=1), dt.time(1), tzinfo=dt.UTC)
    ):
        assert send_reminders() == 0


def test_evidence_is_read_by_whoever_reads_the_project(project, lead_user, client):
    milestone = first(project)
    services.report_milestone(milestone, lead_user, "完成", [pdf()])
    url = reverse("projects:evidence", args=[milestone.evidence.get().pk])
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(organisation=project.participants.get().organisation))
    assert client.get(url).status_code == 200
