"""公示: the working-day calendar, the public page, objections, confirmation and its e-mails."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Status
from projects import services
from projects.calendar import add_working_days
from projects.models import CalendarDay, Notice, Objection, Project
from reviews import selection as sel
from reviews.models import Publication, Review, Selection
from reviews.results import stage_label
from tests.factories import (
    ApplicationFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
START = dt.date(2023, 9, 25)  # a Monday; 2023-09-29..10-06 were holidays, 10-07/08 worked


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()


@pytest.fixture
def province(db):
    return ProvinceStaffFactory()


def received(unit, name, recommendation="lead"):
    app = ApplicationFactory(
        complete=True, call=unit.entry.call, unit=unit, status=Status.SENT, organisation__name=name
    )
    Review.objects.create(application=app, recommendation=recommendation, reason="推荐理由")
    return app


@pytest.fixture
def decided(province):
    """A lead (with subsidy), a participant and an unsuccessful applicant for one unit."""
    unit = UnitFactory(entry__occupation="互联网营销师", name="直播销售员")
    lead = received(unit, "杭州甲学校")
    part = received(unit, "宁波乙学院", "participant")
    lost = received(unit, "温州丙公司")
    with time_machine.travel(dt.datetime(2023, 9, 20, 10, tzinfo=dt.UTC)):
        sel.decide(lead, province, Selection.Outcome.LEAD, "团队最强", 30)
        sel.decide(part, province, Selection.Outcome.PARTICIPANT, "可参与")
        sel.decide(lost, province, Selection.Outcome.NOT_SELECTED, "经验不足")
    return unit.entry.call, lead, part, lost


@pytest.fixture
def running(decided, province):
    call = decided[0]
    with time_machine.travel(dt.datetime(2023, 9, 25, 2, tzinfo=dt.UTC)):
        services.start_notice(call, province, START, dt.date(2023, 9, 29))
    mail.outbox.clear()
    return decided


# --- the calendar ---------------------------------------------------------------------------


def test_five_working_days_skip_weekends(db):
    assert add_working_days(dt.date(2023, 6, 1), 5) == dt.date(2023, 6, 7)


def test_holidays_and_worked_weekends_come_from_the_calendar(db):
    for day in range(29, 31):
        CalendarDay.objects.create(date=dt.date(2023, 9, day), is_workday=False, note="中秋国庆")
    for day in range(1, 7):
        CalendarDay.objects.create(date=dt.date(2023, 10, day), is_workday=False, note="国庆")
    CalendarDay.objects.create(date=dt.date(2023, 10, 7), is_workday=True, note="调休")
    # 9-25..9-28 are four working days, then the holiday, then Saturday 10-07 is worked.
    assert add_working_days(START, 5) == dt.date(2023, 10, 7)


# --- starting the notice --------------------------------------------------------------------


def test_start_defaults_to_five_working_days_and_makes_a_draft_sheet(decided, province):
    notice = services.start_notice(decided[0], province, START)
    assert notice.ends_on == dt.date(2023, 9, 29)
    assert "公示稿" in stage_label(decided[0])


def test_only_the_province_starts_a_notice(decided):
    with pytest.raises(PermissionDenied):
        services.start_notice(decided[0], CityStaffFactory(), START)


def test_undecided_applications_block_the_notice(decided, province):
    received(UnitFactory(entry=decided[1].unit.entry), "未决定单位")
    with pytest.raises(services.ProjectError, match="尚未确定"):
        services.start_notice(decided[0], province, START)
    assert not Notice.objects.exists()


def test_start_page_refuses_an_end_before_the_start(decided, province, client):
    client.force_login(province)
    response = client.post(
        reverse("projects:notice"),
        {"call": decided[0].slug, "starts_on": "2023-09-25", "ends_on": "2023-09-20"},
    )
    assert response.status_code == 400
    assert "公示截止日期不能早于开始日期" in response.content.decode()


@pytest.mark.parametrize("factory", [CityStaffFactory, UserFactory])
def test_notice_page_is_the_provinces(decided, client, factory):
    client.force_login(factory())
    assert client.get(reverse("projects:notice")).status_code == 403


def test_notice_page_asks_anonymous_to_log_in(decided, client):
    assert client.get(reverse("projects:notice")).status_code == 302


# --- the public page ------------------------------------------------------------------------


def test_public_page_lists_units_without_scores_or_people(running, client):
    call, lead, part, lost = running
    lead.organisation.members.create(email="x@example.com", name="李联系人")
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        page = client.get(reverse("projects:public", args=[call.slug])).content.decode()
    assert "杭州甲学校" in page and "宁波乙学院" in page
    for secret in ("温州丙公司", "团队最强", "30.00", "万元", "李联系人", "推荐理由"):
        assert secret not in page


def test_a_changed_decision_shows_on_the_public_page_with_history(running, province, client):
    call, lead, part, _ = running
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        sel.decide(part, province, Selection.Outcome.NOT_SELECTED, "异议属实")
        page = client.get(reverse("projects:public", args=[call.slug])).content.decode()
    assert "宁波乙学院" not in page
    assert part.events.filter(comment__contains="异议属实").exists()


def test_applicants_see_no_decision_during_the_notice(running):
    _, lead, _, _ = running
    lead.refresh_from_db()
    assert (
        lead.status_for(lead.organisation.members.create(email="a@x.cn", name="甲")) == Status.SENT
    )


def test_unknown_call_has_no_public_page(db, client):
    assert client.get(reverse("projects:public", args=["nope"])).status_code == 404


# --- objections -----------------------------------------------------------------------------


def objection_data(app, **extra):
    return {
        "name": "王某",
        "phone": "13800000000",
        "application": app.pk,
        "text": "该单位业绩不实",
        **extra,
    }


def test_objection_gives_a_receipt_that_can_be_looked_up(running, client):
    call, lead, *_ = running
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        evidence = SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")
        response = client.post(
            reverse("projects:object", args=[call.slug]), objection_data(lead, evidence=evidence)
        )
    assert response.status_code == 200
    objection = Objection.objects.get()
    assert objection.receipt in response.content.decode()
    assert objection.evidence.name.endswith(".pdf") and "证明" not in objection.evidence.name
    found = client.get(
        reverse("projects:receipt"), {"receipt": objection.receipt, "phone": "13800000000"}
    )
    assert "已受理" in found.content.decode()
    wrong = client.get(
        reverse("projects:receipt"), {"receipt": objection.receipt, "phone": "13900000000"}
    )
    assert "未找到" in wrong.content.decode()


def test_objections_only_during_the_period(running, client):
    call, lead, *_ = running
    for day in (
        dt.datetime(2023, 9, 24, 2, tzinfo=dt.UTC),
        dt.datetime(2023, 9, 30, 2, tzinfo=dt.UTC),
    ):
        with time_machine.travel(day):
            response = client.post(
                reverse("projects:object", args=[call.slug]), objection_data(lead)
            )
        assert response.status_code == 403
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("a.exe", b"MZ\x90\x00", "格式不受支持"),
        ("a.pdf", b"\x89PNG\r\n\x1a\n....", "与扩展名不符"),
        ("a.pdf", b"", "空文件"),
    ],
)
def test_bad_evidence_files_are_refused_with_a_chinese_error(
    running, client, name, content, message
):
    call, lead, *_ = running
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        upload = SimpleUploadedFile(name, content)
        response = client.post(
            reverse("projects:object", args=[call.slug]), objection_data(lead, evidence=upload)
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "该单位业绩不实" in page
    assert not Objection.objects.exists()


def test_evidence_over_the_size_limit_is_refused(running, client, settings):
    settings.ATTACHMENT_MAX_MB = 1
    call, lead, *_ = running
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        upload = SimpleUploadedFile("a.pdf", PDF + b"0" * (1024 * 1024))
        response = client.post(
            reverse("projects:object", args=[call.slug]), objection_data(lead, evidence=upload)
        )
    assert response.status_code == 400
    assert "超过了1 MB的上限" in response.content.decode()


def test_bad_fields_keep_what_was_typed(running, client):
    call, lead, *_ = running
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        response = client.post(
            reverse("projects:object", args=[call.slug]),
            objection_data(lead, phone="abc", application=999999),
        )
    page = response.content.decode()
    assert response.status_code == 400
    assert "请填写有效的联系电话" in page and "请从公示名单中选择单位" in page and "王某" in page


def test_unsuccessful_applicants_are_not_objectable(running, client):
    call, _, _, lost = running
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        response = client.post(reverse("projects:object", args=[call.slug]), objection_data(lost))
    assert response.status_code == 400


def test_objections_are_rate_limited_per_address(running, client):
    call, lead, *_ = running
    url = reverse("projects:object", args=[call.slug])
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        codes = [client.post(url, objection_data(lead)).status_code for _ in range(6)]
        other = client.post(url, objection_data(lead), REMOTE_ADDR="10.0.0.9").status_code
    assert codes == [200] * 5 + [429]
    assert other == 200
    assert Objection.objects.count() == 6


# --- handling, confirmation -----------------------------------------------------------------


@pytest.fixture
def lodged(running):
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        return services.lodge_objection(
            Notice.objects.get(),
            {"name": "王某", "phone": "13800000000", "application": running[1].pk, "text": "不实"},
        )


def test_closing_an_objection_needs_an_outcome_and_keeps_history(lodged, province, client):
    client.force_login(province)
    url = reverse("projects:objection", args=[lodged.pk])
    response = client.post(url, {"state": "closed", "handling": "已核查", "outcome": ""})
    assert response.status_code == 400 and "办结异议须填写处理结果" in response.content.decode()
    client.post(url, {"state": "handling", "handling": "已联系单位核查"})
    client.post(url, {"state": "closed", "handling": "核查完毕", "outcome": "异议不成立"})
    lodged.refresh_from_db()
    assert lodged.state == "closed" and lodged.outcome == "异议不成立"
    assert [e.state for e in lodged.events.all()] == ["received", "handling", "closed"]


@pytest.mark.parametrize("factory", [CityStaffFactory, UserFactory])
def test_objections_are_the_provinces_only(lodged, client, factory):
    client.force_login(factory())
    assert client.get(reverse("projects:objection", args=[lodged.pk])).status_code == 403
    assert client.get(reverse("projects:objection_evidence", args=[lodged.pk])).status_code == 403


def test_objection_list_queries(running, province, client, django_assert_num_queries):
    call, lead, *_ = running
    client.force_login(province)
    notice = Notice.objects.get()
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        services.lodge_objection(
            notice, {"name": "甲", "phone": "13800000000", "application": lead.pk, "text": "x"}
        )
        with django_assert_num_queries(9):
            client.get(reverse("projects:notice"), {"call": call.slug})
        for _ in range(2):
            services.lodge_objection(
                notice, {"name": "乙", "phone": "13800000000", "application": lead.pk, "text": "y"}
            )
        with django_assert_num_queries(9):
            response = client.get(reverse("projects:notice"), {"call": call.slug})
    assert response.content.decode().count('data-testid="objection-row"') == 3


def test_publish_is_refused_while_the_notice_runs(running, province):
    with (
        time_machine.travel(dt.datetime(2023, 9, 27, 2, tzinfo=dt.UTC)),
        pytest.raises(sel.SelectionError, match="正在公示"),
    ):
        sel.publish(running[0], province)


def test_confirmation_waits_for_the_end_date_then_emails_and_opens_projects(
    running, province, django_capture_on_commit_callbacks
):
    call, lead, part, lost = running
    for org in (lead.organisation, part.organisation, lost.organisation):
        UserFactory(organisation=org)
    notice = Notice.objects.get()
    with (
        time_machine.travel(dt.datetime(2023, 9, 29, 8, tzinfo=dt.UTC)),
        pytest.raises(services.ProjectError, match="期满后才能正式公布"),
    ):
        services.confirm(notice, province)
    assert mail.outbox == [] and not Publication.objects.exists()
    with (
        time_machine.travel(dt.datetime(2023, 9, 30, 2, tzinfo=dt.UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.confirm(notice, province)
    assert len(mail.outbox) == 3
    assert "正式公布" in stage_label(call)
    project = Project.objects.get()
    assert project.lead == lead and list(project.participants.all()) == [part]
    assert project.subsidy == 30 and project.milestones.count() == 7
    lead.refresh_from_db()
    assert lead.status_for(lead.organisation.members.first()) == Status.SELECTED


def test_open_objections_block_confirmation(lodged, province):
    with (
        time_machine.travel(dt.datetime(2023, 9, 30, 2, tzinfo=dt.UTC)),
        pytest.raises(services.ProjectError, match="尚未办结"),
    ):
        services.confirm(Notice.objects.get(), province)


def test_results_workbook_says_draft_during_the_notice_and_final_after(running, province):
    from io import BytesIO

    from openpyxl import load_workbook

    from reviews.results import render_results

    call = running[0]
    draft = load_workbook(BytesIO(render_results(call))).active["A2"].value
    assert "公示稿" in draft and "2023年9月25日至2023年9月29日" in draft
    with time_machine.travel(dt.datetime(2023, 9, 30, 2, tzinfo=dt.UTC)):
        services.confirm(Notice.objects.get(), province)
    final = load_workbook(BytesIO(render_results(call))).active["A2"].value
    assert "正式公布" in final and "公示稿" not in final


def test_province_downloads_objection_evidence_under_a_safe_name(running, province, client):
    call, lead, *_ = running
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        objection = services.lodge_objection(
            Notice.objects.get(),
            {"name": "王", "phone": "13800000000", "application": lead.pk, "text": "x"},
            SimpleUploadedFile("../../etc/passwd.pdf", PDF),
        )
    client.force_login(province)
    response = client.get(reverse("projects:objection_evidence", args=[objection.pk]))
    assert response.status_code == 200
    assert objection.receipt in response["Content-Disposition"]
    assert "passwd" not in objection.evidence.name


def test_admin_edits_the_calendar_and_templates(db, client):
    from tests.factories import AdminFactory

    client.force_login(AdminFactory())
    for name in ("calendarday", "milestonestep", "paymentstage", "notice", "project"):
        assert client.get(reverse(f"admin:projects_{name}_changelist")).status_code == 200
    response = client.post(
        reverse("admin:projects_calendarday_add"),
        {"date": "2023-10-07", "is_workday": "on", "note": "调休"},
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get().is_workday


def test_pages_without_a_call(db, client):
    client.force_login(ProvinceStaffFactory())
    assert client.get(reverse("projects:notice")).status_code == 200
    assert client.get(reverse("projects:board")).status_code == 200


def test_a_decision_revoked_during_the_notice_blocks_confirmation(running, province):
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        sel.revoke(running[2], province, "异议属实，重新研究")
    with (
        time_machine.travel(dt.datetime(2023, 9, 30, 2, tzinfo=dt.UTC)),
        pytest.raises(services.ProjectError, match="尚未确定遴选结果"),
    ):
        services.confirm(Notice.objects.get(), province)
    assert not Project.objects.exists()


def test_a_lead_changed_during_the_notice_gets_the_project(running, province):
    call, lead, part, _ = running
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        sel.revoke(lead, province, "异议属实")
        sel.decide(lead, province, Selection.Outcome.NOT_SELECTED, "异议属实")
        sel.decide(part, province, Selection.Outcome.LEAD, "改为牵头", 25)
    with time_machine.travel(dt.datetime(2023, 9, 30, 2, tzinfo=dt.UTC)):
        services.confirm(Notice.objects.get(), province)
    project = Project.objects.get()
    assert project.lead == part and project.subsidy == 25 and not project.participants.exists()


def test_applicant_dashboard_links_the_public_list_during_the_notice(running, client):
    call, lead, *_ = running
    client.force_login(UserFactory(organisation=lead.organisation))
    with time_machine.travel(dt.datetime(2023, 9, 26, 2, tzinfo=dt.UTC)):
        page = client.get(reverse("accounts:dashboard")).content.decode()
    assert reverse("projects:public", args=[call.slug]) in page
    assert "已入选" not in page and "已确定为牵头单位" not in page
