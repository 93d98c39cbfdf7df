"""Search and Excel exports of the review screens; the province's combined 附件3; bulk actions."""

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications.models import Event, Status
from applications.workflow import set_state
from documents.models import Document
from reviews import selection as sel
from reviews.models import Batch, Review, Score, Selection
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    ExpertFactory,
    OrganisationFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INSIDE_DEADLINE = dt.datetime(2023, 6, 20, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def inside_deadline():
    with time_machine.travel(INSIDE_DEADLINE):
        yield


@pytest.fixture
def world():
    call = CallFactory()
    hangzhou = CentreFactory(code="hangzhou", region="杭州", name="杭州市技能评价中心")
    ningbo = CentreFactory(code="ningbo", region="宁波", name="宁波市技能评价中心")
    unit = UnitFactory(entry__call=call, entry__occupation="互联网营销师", name="直播销售员")
    other_unit = UnitFactory(entry__call=call, entry__occupation="咖啡师", name="")

    def app(centre, name, status, unit=unit, recommendation="lead", reason="理由"):
        a = ApplicationFactory(
            complete=True,
            call=call,
            unit=unit,
            status=status,
            organisation=OrganisationFactory(centre=centre, name=name),
        )
        if recommendation:
            Review.objects.create(
                application=a, recommendation=recommendation, reason=reason, opinion="同意推荐"
            )
        return a

    class W:
        pass

    w = W()
    w.call, w.hangzhou, w.ningbo, w.unit, w.other_unit = call, hangzhou, ningbo, unit, other_unit
    w.staff = CityStaffFactory(centre=hangzhou)
    w.ningbo_staff = CityStaffFactory(centre=ningbo)
    w.province = ProvinceStaffFactory()
    w.a = app(hangzhou, "=杭州甲公司", Status.SENT, reason="=1+1 团队强")
    w.b = app(hangzhou, "杭州乙学院", Status.SENT, unit=other_unit, recommendation="participant")
    w.c = app(ningbo, "宁波丙技师学院", Status.SENT)
    for centre in (hangzhou, ningbo):
        Batch.objects.create(
            call=call,
            centre=centre,
            state=Batch.State.SENT,
            sent_at=timezone.now(),
            contact_person="联系人",
        )
    return w


def built(client, capture, name, data=None):
    """Post to the export view and return the built document."""
    with capture(execute=True):
        response = client.post(reverse(f"reviews:{name}"), data or {})
    doc = Document.objects.order_by("-pk").first()
    assert response.status_code == 302 and response.url == reverse(
        "documents:detail", args=[doc.pk]
    )
    doc.refresh_from_db()
    assert doc.state == Document.State.DONE, doc.error
    return doc


def sheet_rows(doc, sheet=None, first=4):
    wb = load_workbook(io.BytesIO(doc.file.read()))
    ws = wb[sheet] if sheet else wb.active
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first)], ws, wb


# --- the queue ----------------------------------------------------------------------------------


def test_queue_search_finds_unit_names(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("reviews:queue"), {"q": "乙学院"})
    assert [a.pk for a in response.context["applications"]] == [world.b.pk]
    response = client.get(reverse("reviews:queue"), {"q": "直播"})
    assert [a.pk for a in response.context["applications"]] == [world.a.pk]


def test_queue_export_as_filtered_hides_unpublished_decisions(
    client, world, django_capture_on_commit_callbacks
):
    sel.decide(world.a, world.province, Selection.Outcome.LEAD, "最强")
    client.force_login(world.staff)
    doc = built(client, django_capture_on_commit_callbacks, "queue_export", {"q": "直播"})
    rows, ws, _ = sheet_rows(doc)
    assert [(r[1], r[5], r[7]) for r in rows] == [
        (world.a.reference, "=杭州甲公司", "已报送省中心")
    ]
    # User text is a text cell, never a formula; Chinese fonts and print setup as 附件3.
    assert ws["F4"].data_type == "s"
    assert ws["A1"].font.name == "黑体" and ws["B4"].font.name == "宋体"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    # Another centre's staff cannot read the file.
    client.force_login(world.ningbo_staff)
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404


def test_queue_export_shows_decisions_once_published(
    client, world, django_capture_on_commit_callbacks
):
    sel.decide(world.a, world.province, Selection.Outcome.LEAD, "最强")
    for app in (world.b, world.c):
        sel.decide(app, world.province, Selection.Outcome.NOT_SELECTED, "不足")
    sel.publish(world.call, world.province)
    client.force_login(world.staff)
    rows, _, _ = sheet_rows(built(client, django_capture_on_commit_callbacks, "queue_export"))
    assert {r[5]: r[7] for r in rows} == {"=杭州甲公司": "已入选", "杭州乙学院": "未入选"}


def test_queue_export_is_for_centre_staff_only(client, world):
    url = reverse("reviews:queue_export")
    assert client.post(url).status_code == 302
    client.force_login(UserFactory())
    assert client.post(url).status_code == 403
    client.force_login(world.ningbo_staff)
    # Ningbo exports Ningbo's queue: never Hangzhou's rows.
    client.post(url)
    assert Document.objects.get().centre == world.ningbo


def test_queue_export_of_another_centre_has_only_its_own_rows(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.ningbo_staff)
    rows, _, _ = sheet_rows(built(client, django_capture_on_commit_callbacks, "queue_export"))
    assert [r[5] for r in rows] == ["宁波丙技师学院"]


# --- the board ----------------------------------------------------------------------------------


def test_board_search_by_occupation_work_type_and_unit_name(client, world):
    client.force_login(world.province)
    for q, keys in (
        ("咖啡", {f"u{world.other_unit.pk}"}),
        ("直播", {f"u{world.unit.pk}"}),
        ("丙技师", {f"u{world.unit.pk}"}),
        ("没有这个", set()),
    ):
        response = client.get(reverse("reviews:board"), {"q": q})
        assert {row.key for row in response.context["rows"]} == keys, q


def test_board_export_as_filtered(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.province)
    doc = built(client, django_capture_on_commit_callbacks, "board_export", {"q": "直播"})
    rows, _, _ = sheet_rows(doc)
    assert [(r[1], r[2], r[5], r[6]) for r in rows] == [("互联网营销师", "直播销售员", 2, 2)]


@pytest.mark.parametrize("name", ["board_export", "scores_export", "combined_summary"])
def test_province_exports_refuse_other_roles(client, world, name):
    url = reverse(f"reviews:{name}")
    assert client.post(url).status_code == 302
    for user in (world.staff, UserFactory()):
        client.force_login(user)
        assert client.post(url).status_code == 403
    assert not Document.objects.exists()


def test_scores_export_has_every_score_with_notes(
    client, world, django_capture_on_commit_callbacks
):
    Score.objects.create(
        application=world.a,
        team=80,
        funding=70,
        experience=90,
        notes="=团队强",
        scored_by=world.province,
    )
    Score.objects.create(application=world.c, team=60, notes="资金待核实")
    client.force_login(world.province)
    rows, ws, _ = sheet_rows(built(client, django_capture_on_commit_callbacks, "scores_export"))
    by_org = {r[4]: r for r in rows}
    assert by_org["=杭州甲公司"][7:12] == [80, 70, 90, 80.0, "=团队强"]
    assert by_org["宁波丙技师学院"][10] is None and by_org["宁波丙技师学院"][11] == "资金待核实"
    assert all(c.data_type == "s" for c in ws["L"][3:])


def test_combined_summary_has_a_sheet_per_centre_and_all_rows(
    client, world, django_capture_on_commit_callbacks
):
    # Sent by Hangzhou and Ningbo; a third centre has not sent and is not in it.
    CentreFactory(code="wenzhou", region="温州", name="温州市技能评价中心")
    client.force_login(world.province)
    doc = built(client, django_capture_on_commit_callbacks, "combined_summary")
    rows, ws, wb = sheet_rows(doc)
    assert wb.sheetnames == ["全部汇总", "杭州市技能评价中心", "宁波市技能评价中心"]
    assert sorted((r[1], r[5], r[6]) for r in rows) == [
        ("宁波市技能评价中心", "宁波丙技师学院", "牵头单位"),
        ("杭州市技能评价中心", "=杭州甲公司", "牵头单位"),
        ("杭州市技能评价中心", "杭州乙学院", "参与单位"),
    ]
    reason = next(c for c in ws["H"][3:] if c.value and "1+1" in c.value)
    assert reason.data_type == "s"
    hangzhou = wb["杭州市技能评价中心"]
    assert hangzhou["A1"].value == "浙江省技能人才评价省级题库开发申报情况汇总表"
    assert hangzhou["E5"].value in ("=杭州甲公司", "杭州乙学院")
    assert hangzhou["E5"].data_type == "s"


# --- the comparison page ------------------------------------------------------------------------


def test_compare_shows_opinion_reason_and_the_expert_team(client, world):
    ExpertFactory(application=world.a, name="张专家", title="教授", qualification_level="一级")
    client.force_login(world.province)
    response = client.get(reverse("reviews:compare"), {"key": f"u{world.unit.pk}"})
    html = response.content.decode()
    assert 'data-testid="opinion"' in html and "同意推荐" in html
    assert 'data-testid="reason"' in html and "=1+1 团队强" in html
    assert "张专家</span>，教授（一级）" in html
    assert "专家名单" not in html  # no toggle: the names are on the page
    assert 'data-col="1" data-label="评价中心意见"' in html


# --- bulk actions --------------------------------------------------------------------------------


@pytest.fixture
def waiting():
    hangzhou = CentreFactory(code="hangzhou", region="杭州", name="杭州市技能评价中心")
    call = CallFactory()
    apps = []
    for n in range(3):
        member = UserFactory(organisation=OrganisationFactory(centre=hangzhou, name=f"单位{n}"))
        app = ApplicationFactory(complete=True, call=call, organisation=member.organisation)
        set_state(app, Status.SUBMITTED, member)
        apps.append(app)
    return hangzhou, apps, CityStaffFactory(centre=hangzhou)


def bulk(client, action, apps):
    return client.post(
        reverse("reviews:bulk"), {"action": action, "ids": [a.pk for a in apps]}, follow=True
    )


def test_bulk_start_review_each_through_set_state(client, waiting):
    _, apps, staff = waiting
    client.force_login(staff)
    response = bulk(client, "start", apps[:2])
    for app in apps[:2]:
        app.refresh_from_db()
        assert app.status == Status.IN_REVIEW
        assert Event.objects.filter(
            application=app, to_status=Status.IN_REVIEW, actor=staff
        ).exists()
    apps[2].refresh_from_db()
    assert apps[2].status == Status.SUBMITTED
    assert "已开始审核 2 份申报书" in " ".join(str(m) for m in response.context["messages"])


def test_bulk_verify_reports_the_ones_it_could_not(client, waiting):
    _, apps, staff = waiting
    set_state(apps[0], Status.RETURNED, staff, "请修改")
    client.force_login(staff)
    response = bulk(client, "verify", apps)
    statuses = [type(a).objects.get(pk=a.pk).status for a in apps]
    assert statuses == [Status.RETURNED, Status.VERIFIED, Status.VERIFIED]
    text = " ".join(str(m) for m in response.context["messages"])
    assert "已核实 2 份" in text and f"{apps[0].reference}（退回修改）" in text
    # Verifying a submitted one starts its review first: both steps are in the history.
    assert list(Event.objects.filter(application=apps[1]).values_list("to_status", flat=True))[
        -2:
    ] == [Status.IN_REVIEW, Status.VERIFIED]


def test_bulk_ignores_another_centres_applications(client, waiting):
    _, apps, _ = waiting
    client.force_login(CityStaffFactory())
    response = bulk(client, "verify", apps)
    assert all(type(a).objects.get(pk=a.pk).status == Status.SUBMITTED for a in apps)
    assert "不在本中心的审核队列中" in " ".join(str(m) for m in response.context["messages"])


def test_bulk_refuses_other_roles_and_bad_actions(client, waiting):
    _, apps, staff = waiting
    url = reverse("reviews:bulk")
    assert client.post(url, {"action": "start"}).status_code == 302
    client.force_login(UserFactory())
    assert client.post(url, {"action": "start", "ids": [apps[0].pk]}).status_code == 403
    client.force_login(staff)
    # Decisions needing reasons are not bulk actions.
    for action in ("return", "recommend", ""):
        response = client.post(url, {"action": action, "ids": [apps[0].pk]}, follow=True)
        assert "请选择要执行的批量操作" in response.content.decode()
    response = client.post(url, {"action": "start"}, follow=True)
    assert "请先勾选" in response.content.decode()
    assert all(type(a).objects.get(pk=a.pk).status == Status.SUBMITTED for a in apps)


def test_bulk_refused_once_the_batch_is_sent(client, waiting):
    hangzhou, apps, staff = waiting
    Batch.objects.create(call=apps[0].call, centre=hangzhou, state=Batch.State.SENT)
    client.force_login(staff)
    response = bulk(client, "start", apps)
    assert all(type(a).objects.get(pk=a.pk).status == Status.SUBMITTED for a in apps)
    assert "本中心已报送省中心" in " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize("rows", [1, 3])
def test_board_search_query_count_is_flat(client, world, django_assert_num_queries, rows):
    for n in range(rows):
        unit = UnitFactory(entry__call=world.call, entry__occupation=f"职业{n}")
        ApplicationFactory(
            complete=True,
            call=world.call,
            unit=unit,
            status=Status.SUBMITTED,
            organisation__name=f"搜索单位{n}",
        )
    client.force_login(world.province)
    # The board counts by unit id, then reads the units (issue 12): one more than a joined count.
    with django_assert_num_queries(11):
        response = client.get(reverse("reviews:board"), {"q": "搜索单位"})
    assert len(response.context["rows"]) == rows
