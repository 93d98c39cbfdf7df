"""The province's selection: one lead per unit, decisions with history, publication, charts."""

import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from applications.models import Event, Status
from documents.models import Document
from reviews import selection as sel
from reviews.models import Publication, Review, Selection, unit_key_for
from reviews.results import TITLE
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    SeriesFactory,
    UnitFactory,
    UserFactory,
)

LEAD, PARTICIPANT, NOT_SELECTED = (
    Selection.Outcome.LEAD,
    Selection.Outcome.PARTICIPANT,
    Selection.Outcome.NOT_SELECTED,
)


def hangzhou():
    return CentreFactory(code="hangzhou", region="杭州", name="杭州市技能评价（鉴定）中心")


def ningbo():
    return CentreFactory(code="ningbo", region="宁波", name="宁波市技能评价（鉴定）中心")


def sent(unit, *, centre=None, recommendation="lead", status=Status.SENT, **kwargs):
    """An application the province received, with its centre's recommendation."""
    org = {"organisation__centre": centre} if centre else {}
    app = ApplicationFactory(
        complete=True, call=unit.entry.call, unit=unit, status=status, **org, **kwargs
    )
    Review.objects.create(application=app, recommendation=recommendation, reason="推荐理由")
    return app


@pytest.fixture
def province(db):
    return ProvinceStaffFactory()


@pytest.fixture
def unit(db):
    return UnitFactory(entry__occupation="互联网营销师", name="直播销售员")


@pytest.fixture
def rivals(unit):
    """Two applicants recommended as lead for the same unit, and a third as participant."""
    a = sent(unit, centre=hangzhou(), organisation__name="杭州甲职业技能培训学校")
    b = sent(unit, centre=ningbo(), organisation__name="宁波乙技师学院")
    c = sent(unit, centre=hangzhou(), recommendation="participant", organisation__name="杭州丙公司")
    return a, b, c


# --- one lead per unit ----------------------------------------------------------------------


def test_database_refuses_a_second_lead_for_the_same_unit(rivals):
    a, b, _ = rivals
    key = unit_key_for(a)
    Selection.objects.create(application=a, call=a.call, unit=a.unit, unit_key=key, outcome=LEAD)
    with pytest.raises(IntegrityError), transaction.atomic():
        Selection.objects.create(
            application=b, call=b.call, unit=b.unit, unit_key=key, outcome=LEAD
        )


def test_database_refuses_a_subsidy_for_a_participant(rivals):
    a, *_ = rivals
    with pytest.raises(IntegrityError), transaction.atomic():
        Selection.objects.create(
            application=a,
            call=a.call,
            unit=a.unit,
            unit_key=unit_key_for(a),
            outcome=PARTICIPANT,
            subsidy=Decimal("1"),
        )


def test_second_lead_through_decide_gets_a_clear_message(rivals, province):
    a, b, _ = rivals
    sel.decide(a, province, LEAD, "团队力量最强", Decimal("20"))
    with pytest.raises(sel.SelectionError) as exc:
        sel.decide(b, province, LEAD, "经验丰富")
    assert str(exc.value) == (
        "该职业（工种）已确定牵头单位：杭州甲职业技能培训学校，如需更换请先撤销其牵头单位决定。"
    )
    b.refresh_from_db()
    assert b.status == Status.SENT and not Selection.objects.filter(application=b).exists()
    assert not Event.objects.filter(application=b).exists()


def test_lead_can_change_hands_after_the_first_is_revoked(rivals, province):
    a, b, _ = rivals
    sel.decide(a, province, LEAD, "团队力量最强")
    sel.revoke(a, province, "改选宁波乙")
    sel.decide(b, province, LEAD, "经验丰富")
    a.refresh_from_db()
    assert a.status == Status.SENT and not Selection.objects.filter(application=a).exists()
    assert Selection.objects.get(outcome=LEAD).application == b


def test_participants_any_number_beside_one_lead(rivals, province, unit):
    a, b, c = rivals
    d = sent(unit, recommendation="participant")
    sel.decide(a, province, LEAD, "牵头")
    for app in (b, c, d):
        sel.decide(app, province, PARTICIPANT, "参与开发")
    assert Selection.objects.filter(outcome=PARTICIPANT).count() == 3
    assert {app.status for app in (a, b, c, d)} == {Status.SELECTED}


def test_subsidy_only_with_lead_and_never_negative(rivals, province):
    a, b, _ = rivals
    with pytest.raises(sel.SelectionError, match="只有牵头单位可以安排财政经费补助"):
        sel.decide(b, province, PARTICIPANT, "参与", Decimal("5"))
    with pytest.raises(sel.SelectionError, match="财政经费补助不能为负数"):
        sel.decide(a, province, LEAD, "牵头", Decimal("-1"))
    sel.decide(a, province, LEAD, "牵头", Decimal("12.5"))
    assert Selection.objects.get(application=a).subsidy == Decimal("12.50")


def test_reason_is_required(rivals, province):
    a, *_ = rivals
    with pytest.raises(sel.SelectionError, match="请填写遴选理由"):
        sel.decide(a, province, LEAD, "   ")
    assert not Selection.objects.exists()


def test_only_applications_the_province_received_can_be_decided(unit, province):
    at_city = sent(unit, status=Status.RECOMMENDED)
    with pytest.raises(sel.SelectionError, match="只有已报送省中心的申报书"):
        sel.decide(at_city, province, LEAD, "牵头")


def test_only_provincial_staff_decide(rivals):
    a, *_ = rivals
    city = CityStaffFactory(centre=a.organisation.centre)
    member = UserFactory(organisation=a.organisation)
    for user in (city, member):
        with pytest.raises(PermissionDenied):
            sel.decide(a, user, LEAD, "牵头")
    assert not Selection.objects.exists()


def test_every_change_of_decision_is_in_the_history(rivals, province):
    a, *_ = rivals
    sel.decide(a, province, LEAD, "团队力量最强", Decimal("10"))
    sel.decide(a, province, PARTICIPANT, "改为参与单位")
    sel.decide(a, province, NOT_SELECTED, "经费保障不足")
    # The same decision again changes nothing and writes nothing.
    sel.decide(a, province, NOT_SELECTED, "经费保障不足")
    rows = list(
        Event.objects.filter(application=a).values_list("from_status", "to_status", "comment")
    )
    assert rows == [
        ("sent", "selected", "确定为牵头单位（财政经费补助10万元）：团队力量最强"),
        ("selected", "sent", "变更遴选结果"),
        ("sent", "selected", "确定为参与单位：改为参与单位"),
        ("selected", "sent", "变更遴选结果"),
        ("sent", "not_selected", "未入选：经费保障不足"),
    ]
    selection = Selection.objects.get(application=a)
    assert (selection.outcome, selection.reason, selection.subsidy) == (
        NOT_SELECTED,
        "经费保障不足",
        None,
    )
    assert selection.decided_by == province and selection.unit_key == unit_key_for(a)


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_leads_for_one_unit_exactly_one_wins(unit):
    a = sent(unit, organisation__name="甲单位")
    b = sent(unit, organisation__name="乙单位")
    province = ProvinceStaffFactory()
    outcomes = {}

    def attempt(app, barrier=None):
        try:
            if barrier is not None:
                barrier.wait(timeout=10)
            sel.decide(app, province, LEAD, f"{app.organisation.name}牵头")
            outcomes[app.pk] = "won"
        except sel.SelectionError as exc:
            outcomes[app.pk] = str(exc)
        finally:
            if barrier is not None:
                connection.close()

    if connection.vendor == "postgresql":
        # Two threads, two connections, released together.
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=attempt, args=(app, barrier)) for app in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        # SQLite serialises writes: the first decision commits, the second meets it.
        attempt(a)
        attempt(b)

    assert sorted(outcomes.values(), key=len)[0] == "won"
    assert list(outcomes.values()).count("won") == 1
    loser = next(pk for pk, result in outcomes.items() if result != "won")
    winner = a if loser == b.pk else b
    assert outcomes[loser].startswith(f"该职业（工种）已确定牵头单位：{winner.organisation.name}")
    lead = Selection.objects.get(outcome=LEAD)
    assert lead.application_id == winner.pk
    assert Selection.objects.filter(application_id=loser).count() == 0


# --- the decide view --------------------------------------------------------------------------


def test_decide_view_records_and_returns_to_the_compare_page(client, rivals, province):
    a, *_ = rivals
    client.force_login(province)
    response = client.post(
        reverse("reviews:decide", args=[a.pk]),
        {"outcome": "lead", "reason": "团队力量最强", "subsidy": "15"},
    )
    assert response.status_code == 302
    assert reverse("reviews:compare") in response.url and f"#applicant-{a.pk}" in response.url
    selection = Selection.objects.get(application=a)
    assert (selection.outcome, selection.subsidy) == (LEAD, Decimal("15"))


def test_decide_view_confirms_each_outcome_in_a_whole_sentence(client, rivals, province):
    a, b, c = rivals
    client.force_login(province)
    said = {}
    for app, outcome in ((a, "lead"), (b, "participant"), (c, "not_selected")):
        response = client.post(
            reverse("reviews:decide", args=[app.pk]),
            {"outcome": outcome, "reason": "理由", "subsidy": ""},
            follow=True,
        )
        said[outcome] = [str(m) for m in response.context["messages"]][-1]
    assert said["lead"] == f"已将“{a.organisation.name}”确定为牵头单位。"
    assert said["participant"] == f"已将“{b.organisation.name}”确定为参与单位。"
    assert said["not_selected"] == f"已将“{c.organisation.name}”确定为未入选。"


def test_decide_view_shows_errors_and_keeps_what_was_typed(client, rivals, province):
    a, b, _ = rivals
    client.force_login(province)
    response = client.post(
        reverse("reviews:decide", args=[b.pk]),
        {"outcome": "participant", "reason": "", "subsidy": "8.5"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "请填写遴选理由" in page and "只有牵头单位可以安排财政经费补助" in page
    assert 'value="8.5"' in page
    # In place on the comparison, the other applicants' columns around it.
    assert 'data-testid="compare-title"' in page and a.organisation.name in page
    assert f"对“{b.organisation.name}”的遴选结果未保存" in page

    sel.decide(a, province, LEAD, "牵头")
    response = client.post(
        reverse("reviews:decide", args=[b.pk]), {"outcome": "lead", "reason": "经验丰富"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "该职业（工种）已确定牵头单位：杭州甲职业技能培训学校" in page and "经验丰富" in page


def test_decide_view_revokes(client, rivals, province):
    a, *_ = rivals
    sel.decide(a, province, LEAD, "牵头")
    client.force_login(province)
    response = client.post(
        reverse("reviews:decide", args=[a.pk]), {"action": "revoke", "reason": "重新比较"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == Status.SENT and not Selection.objects.exists()
    assert Event.objects.filter(application=a).last().comment == "撤销遴选结果：重新比较"


@pytest.mark.parametrize("who", ["city", "applicant"])
def test_other_roles_get_403(client, rivals, who):
    a, *_ = rivals
    if who == "city":
        user = CityStaffFactory(centre=a.organisation.centre)
    else:
        user = UserFactory(organisation=a.organisation)
    client.force_login(user)
    decide = client.post(reverse("reviews:decide", args=[a.pk]), {"outcome": "lead", "reason": "x"})
    assert decide.status_code == 403
    assert client.get(reverse("reviews:publish")).status_code == 403
    assert client.post(reverse("reviews:publish")).status_code == 403
    assert client.get(reverse("reviews:charts")).status_code == 403
    assert not Selection.objects.exists() and not Publication.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, rivals):
    a, *_ = rivals
    for response in (
        client.post(reverse("reviews:decide", args=[a.pk])),
        client.get(reverse("reviews:publish")),
        client.get(reverse("reviews:charts")),
    ):
        assert response.status_code == 302 and reverse("accounts:login") in response.url


# --- publication ------------------------------------------------------------------------------


def test_publish_is_refused_while_a_received_application_is_undecided(client, rivals, province):
    a, b, c = rivals
    sel.decide(a, province, LEAD, "牵头")
    with pytest.raises(sel.UndecidedError) as exc:
        sel.publish(a.call, province)
    assert {app.pk for app in exc.value.applications} == {b.pk, c.pk}
    assert not Publication.objects.exists()

    client.force_login(province)
    page = client.get(reverse("reviews:publish"), {"call": a.call.slug}).content.decode()
    assert "宁波乙技师学院" in page and "杭州丙公司" in page and "尚未确定遴选结果" in page
    response = client.post(reverse("reviews:publish"), {"call": a.call.slug}, follow=True)
    assert "还有2份已报送省中心的申报书尚未确定遴选结果" in response.content.decode()
    assert not Publication.objects.exists()


def test_only_provincial_staff_publish(rivals):
    a, *_ = rivals
    with pytest.raises(PermissionDenied):
        sel.publish(a.call, CityStaffFactory(centre=a.organisation.centre))


def test_publish_is_refused_without_any_decision(province):
    with pytest.raises(sel.SelectionError, match="尚无确定遴选结果的申报书"):
        sel.publish(CallFactory(), province)
    assert not Publication.objects.exists()


def decide_all(rivals, province):
    a, b, c = rivals
    sel.decide(a, province, LEAD, "团队力量最强", Decimal("12.5"))
    sel.decide(b, province, PARTICIPANT, "参与开发")
    sel.decide(c, province, NOT_SELECTED, "经验不足")


def test_publish_creates_publication_emails_and_results_sheet(
    client, rivals, province, unit, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    a, b, c = rivals
    members = {app.pk: UserFactory(organisation=app.organisation) for app in rivals}
    other = sent(UnitFactory(entry__call=unit.entry.call, entry__occupation="咖啡师"))
    decide_all(rivals, province)
    sel.decide(other, province, PARTICIPANT, "参与开发")
    mail.outbox.clear()

    client.force_login(province)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:publish"), {"call": a.call.slug})
    assert response.status_code == 302

    publication = Publication.objects.get(call=a.call)
    assert publication.published_by == province

    outcome_mail = {m.to[0]: m for m in mail.outbox if m.subject.startswith("遴选结果")}
    assert set(outcome_mail) == {m.email for m in members.values()} | {
        u.email for u in other.organisation.members.all()
    }
    assert "已确定为牵头单位" in outcome_mail[members[a.pk].email].body
    assert "财政经费补助：12.50万元" in outcome_mail[members[a.pk].email].body
    assert "已确定为参与单位" in outcome_mail[members[b.pk].email].body
    assert "未入选" in outcome_mail[members[c.pk].email].body

    doc = Document.objects.get(kind=Document.Kind.RESULTS_XLSX, call=a.call)
    assert doc.state == Document.State.DONE and doc.filename.endswith("遴选结果表.xlsx")
    with doc.file.open("rb") as fh:
        wb = load_workbook(io.BytesIO(fh.read()))
    ws = wb.active
    assert ws["A1"].value == TITLE and "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    assert [cell.value for cell in ws[3]] == [
        "序号",
        "职业",
        "工种",
        "牵头单位",
        "参与单位",
        "所在市",
        "财政经费补助（万元）",
    ]
    rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=4)]
    # The catalog order: the fixture's unit was created before the 咖啡师 one.
    assert rows == [
        [
            1,
            "互联网营销师",
            "直播销售员",
            "杭州甲职业技能培训学校",
            "宁波乙技师学院",
            "杭州市",
            12.5,
        ],
        [
            2,
            "咖啡师",
            None,
            None,
            other.organisation.name,
            f"{other.organisation.centre.region}市",
            None,
        ],
    ]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws["D4"].border.left.style == "thin" and ws.column_dimensions["E"].width == 40

    page = client.get(reverse("reviews:publish"), {"call": a.call.slug}).content.decode()
    assert "遴选结果已于" in page and "doc-download" in page


def test_applicant_sees_nothing_before_publication_and_the_outcome_after(
    client, rivals, province, django_capture_on_commit_callbacks
):
    a, b, c = rivals
    member = UserFactory(organisation=a.organisation)
    decide_all(rivals, province)
    assert sel.outcome_for(a) is None

    client.force_login(member)
    before = client.get(reverse("accounts:dashboard")).content.decode()
    assert "已确定为牵头单位" not in before and 'data-testid="outcome"' not in before

    with django_capture_on_commit_callbacks(execute=True):
        sel.publish(a.call, province)
    a = type(a).objects.get(pk=a.pk)
    outcome = sel.outcome_for(a)
    assert (outcome.label, outcome.subsidy) == ("已确定为牵头单位", Decimal("12.50"))
    after = client.get(reverse("accounts:dashboard")).content.decode()
    assert "已确定为牵头单位" in after and "财政经费补助 12.50 万元" in after

    client.force_login(UserFactory(organisation=b.organisation))
    assert "已确定为参与单位" in client.get(reverse("accounts:dashboard")).content.decode()
    client.force_login(UserFactory(organisation=c.organisation))
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "未入选" in page and "已确定为" not in page


def test_no_trace_of_a_decision_reaches_the_applicant_before_publication(
    client, rivals, province, django_capture_on_commit_callbacks
):
    a, *_ = rivals
    member = UserFactory(organisation=a.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        sel.decide(a, province, LEAD, "团队力量最强")
    assert not [m for m in mail.outbox if member.email in m.to]
    client.force_login(member)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "已入选" not in page and "团队力量最强" not in page


def test_the_city_centre_learns_the_decisions_only_on_publication(
    client, rivals, province, django_capture_on_commit_callbacks
):
    a, b, c = rivals
    decide_all(rivals, province)
    staff = CityStaffFactory(centre=a.organisation.centre)
    client.force_login(staff)
    queue = reverse("reviews:queue")

    response = client.get(queue)
    page = response.content.decode()
    counts = {row["status"]: row["count"] for row in response.context["counts"]}
    assert counts["sent"] == 2 and "selected" not in counts and "not_selected" not in counts
    assert "已入选" not in page and "未入选" not in page
    # Filtering by 已报送省中心 finds them; asking for 已入选 is not offered.
    shown = client.get(queue, {"status": "sent"}).context["applications"]
    assert {app.pk for app in shown} == {a.pk, c.pk}
    review = client.get(reverse("reviews:review", args=[a.pk])).content.decode()
    assert "已入选" not in review and "团队力量最强" not in review

    with django_capture_on_commit_callbacks(execute=True):
        sel.publish(a.call, province)
    response = client.get(queue)
    counts = {row["status"]: row["count"] for row in response.context["counts"]}
    assert (counts["selected"], counts["not_selected"], counts["sent"]) == (1, 1, 0)
    assert "已入选" in response.content.decode()


def test_decisions_are_refused_after_publication(rivals, province):
    a, b, _ = rivals
    decide_all(rivals, province)
    sel.publish(a.call, province)
    with pytest.raises(sel.SelectionError, match="发布，不能再修改遴选结果"):
        sel.decide(b, province, LEAD, "改为牵头")
    with pytest.raises(sel.SelectionError, match="不能再修改遴选结果"):
        sel.revoke(a, province)
    with pytest.raises(sel.SelectionError, match="无需重复发布"):
        sel.publish(a.call, province)
    assert Selection.objects.get(application=b).outcome == PARTICIPANT


def test_decide_view_after_publication_shows_the_refusal(client, rivals, province):
    a, b, _ = rivals
    decide_all(rivals, province)
    sel.publish(a.call, province)
    client.force_login(province)
    response = client.post(
        reverse("reviews:decide", args=[b.pk]), {"outcome": "not_selected", "reason": "x"}
    )
    assert response.status_code == 400 and "不能再修改遴选结果" in response.content.decode()


# --- charts -----------------------------------------------------------------------------------


@pytest.fixture
def landscape(db, province):
    """Three catalog units: one contested and decided, one applied for, one with only a draft."""
    call = CallFactory()
    make = SeriesFactory(industry=2, name="设备制造")
    food = SeriesFactory(industry=3, name="美食制作")
    contested = UnitFactory(entry__call=call, entry__series=make)
    applied = UnitFactory(entry__call=call, entry__series=food)
    empty = UnitFactory(entry__call=call, entry__series=None)
    hz, nb = hangzhou(), ningbo()
    a = sent(contested, centre=hz)
    sent(contested, centre=hz)
    sent(contested, centre=nb, recommendation="participant")
    ApplicationFactory(call=call, unit=applied, organisation__centre=nb, status=Status.SUBMITTED)
    ApplicationFactory(call=call, unit=empty, organisation__centre=hz)
    sel.decide(a, province, LEAD, "牵头")
    return call


def test_chart_data_counts_with_a_fixed_number_of_queries(landscape, django_assert_num_queries):
    with django_assert_num_queries(5):
        data = sel.chart_data(landscape)
    assert data["coverage"] == {
        "total": 3,
        "applied": 2,
        "contested": 1,
        "decided": 1,
        "not_applied": 1,
    }
    cities = {c["name"]: (c["submitted"], c["received"]) for c in data["cities"]}
    assert cities["杭州"] == (2, 2) and cities["宁波"] == (2, 1)
    industries = {i["name"]: i["count"] for i in data["industries"]}
    assert industries == {"第一产业": 0, "第二产业": 3, "第三产业": 1}
    assert data["series"] == [
        {"name": "设备制造", "industry": "第二产业", "count": 3},
        {"name": "美食制作", "industry": "第三产业", "count": 1},
    ]


def test_charts_page_shows_the_numbers_as_tables_and_loads_chartjs(client, landscape, province):
    client.force_login(province)
    response = client.get(reverse("reviews:charts"), {"call": landscape.slug})
    page = response.content.decode()
    assert response.status_code == 200
    assert "vendor/chartjs/chart.umd.min.js" in page and 'id="chart-data"' in page
    for testid, number in [
        ("coverage-applied", 2),
        ("coverage-contested", 1),
        ("coverage-decided", 1),
        ("coverage-not-applied", 1),
    ]:
        assert f'data-testid="{testid}"' in page
        row = page.split(f'data-testid="{testid}"')[1].split("</tr>")[0]
        assert f'<td class="text-end">{number}</td>' in row
    assert "浙派工匠（设备制造）" in page and "第二产业" in page


def test_chartjs_is_loaded_only_on_the_charts_page(client, province, landscape):
    client.force_login(province)
    page = client.get(reverse("reviews:publish"), {"call": landscape.slug}).content.decode()
    assert "chart.umd.min.js" not in page


def test_publish_waits_for_centres_still_holding_applications_until_the_deadline(
    rivals, province, unit
):
    import datetime as dt

    import time_machine

    decide_all(rivals, province)
    wenzhou = CentreFactory(code="wenzhou", region="温州", name="温州市技能评价（鉴定）中心")
    sent(unit, centre=wenzhou, status=Status.VERIFIED)
    call = unit.entry.call
    with (
        time_machine.travel(dt.datetime(2023, 6, 20, 10, tzinfo=dt.UTC)),
        pytest.raises(sel.SelectionError, match="温州市技能评价（鉴定）中心尚未报送"),
    ):
        sel.publish(call, province)
    assert not Publication.objects.exists()
    with time_machine.travel(dt.datetime(2023, 6, 24, 10, tzinfo=dt.UTC)):
        sel.publish(call, province)
    call.refresh_from_db()
    assert Publication.objects.filter(call=call).exists()
    assert not call.is_open, "publishing ends the call"


def test_publish_page_warns_before_the_deadline_naming_centres_that_sent_nothing(
    client, rivals, province
):
    import time_machine

    from reviews.models import Batch

    a, b, _c = rivals
    decide_all(rivals, province)
    for app in (a, b):
        Batch.objects.get_or_create(call=a.call, centre=app.organisation.centre, state="sent")
    lishui = CentreFactory(code="lishui", region="丽水", name="丽水市技能评价（鉴定）中心")
    client.force_login(province)
    url = reverse("reviews:publish")

    with time_machine.travel(dt.datetime(2023, 6, 20, 10, tzinfo=dt.UTC)):
        page = client.get(url, {"call": a.call.slug}).content.decode()
    early = page.split('data-testid="early"')[1].split("</div>")[0]
    assert lishui.name in early and "在截止前发布遴选结果将提前结束本批次" in early
    assert a.organisation.centre.name not in early
    assert 'data-confirm="确认发布遴选结果吗' in page

    with time_machine.travel(dt.datetime(2023, 6, 24, 10, tzinfo=dt.UTC)):
        page = client.get(url, {"call": a.call.slug}).content.decode()
    assert 'data-testid="early"' not in page


def test_a_sent_batch_cannot_be_reopened_or_sent_after_publication(rivals, province):
    from reviews.batch import BatchError, reopen_batch
    from reviews.models import Batch

    a, *_ = rivals
    decide_all(rivals, province)
    sel.publish(a.call, province)
    batch = Batch.objects.create(call=a.call, centre=a.organisation.centre, state="sent")
    with pytest.raises(BatchError, match="已发布"):
        reopen_batch(batch, province, "补充材料")
    batch.refresh_from_db()
    assert batch.state == Batch.State.SENT


# --- which call the pages work on ---------------------------------------------------------------


def test_the_current_call_is_the_newest_open_or_published_one(db):
    from catalog.models import Call

    assert Call.objects.current() is None
    old_open = CallFactory(slug="old", notice_date=dt.date(2023, 5, 11), is_open=True)
    assert Call.objects.current() == old_open
    # Being prepared: newer, but neither open nor published, so it does not take over.
    CallFactory(slug="next", notice_date=dt.date(2026, 11, 1), is_open=False)
    assert Call.objects.current() == old_open
    published = CallFactory(slug="done", notice_date=dt.date(2026, 1, 5), is_open=False)
    Publication.objects.create(call=published)
    assert Call.objects.current() == published
    newer_open = CallFactory(slug="new", notice_date=dt.date(2026, 6, 1), is_open=True)
    assert Call.objects.current() == newer_open
    # Asked for by slug, any call; an unknown slug falls back to the current one.
    assert Call.objects.current("old") == old_open
    assert Call.objects.current("nope") == newer_open


def test_after_publishing_the_centre_still_sees_its_applications_not_an_older_open_call(
    client, rivals, province, django_capture_on_commit_callbacks
):
    a, b, c = rivals
    a.call.notice_date = dt.date(2026, 11, 1)
    a.call.save()
    # An older call left open, as the real 2023-2024 call is in the demo.
    CallFactory(slug="2023-2024", notice_date=dt.date(2023, 5, 11), is_open=True)
    decide_all(rivals, province)
    client.force_login(province)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:publish"), {"call": a.call.slug})

    client.force_login(CityStaffFactory(centre=a.organisation.centre))
    queue = client.get(reverse("reviews:queue"))
    assert queue.context["call"] == a.call
    assert {a.pk, c.pk} <= {app.pk for app in queue.context["page"].object_list}
    board = client.get(reverse("accounts:dashboard")).content.decode()
    assert a.call.name in board


def test_after_publishing_the_pages_say_the_call_has_ended(
    client, rivals, province, django_capture_on_commit_callbacks
):
    a, *_ = rivals
    decide_all(rivals, province)
    with django_capture_on_commit_callbacks(execute=True):
        sel.publish(a.call, province)
    ended = f"“{a.call.name}”已结束，遴选结果已发布"

    home = client.get(reverse("home")).content.decode()
    assert "遴选结果已发布" in home.split('data-testid="call-stage"')[1].split("</span>")[0]

    client.force_login(UserFactory(organisation=a.organisation))
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    start = reverse("applications:start")
    assert ended in dashboard and f'btn-primary" href="{start}">新建申报书' not in dashboard

    client.force_login(CityStaffFactory(centre=a.organisation.centre))
    assert ended in client.get(reverse("accounts:dashboard")).content.decode()
    batch = client.get(reverse("reviews:batch")).content.decode()
    assert f"“{a.call.name}”已结束，不能再报送。" in batch


def test_an_oversized_subsidy_is_refused_in_plain_chinese(client, rivals, province):
    a, *_ = rivals
    client.force_login(province)
    response = client.post(
        reverse("reviews:decide", args=[a.pk]),
        {"outcome": "lead", "reason": "团队力量最强", "subsidy": "123456789"},
    )
    assert response.status_code == 400
    assert "金额过大，请以万元为单位填写。" in response.content.decode()
    assert not Selection.objects.exists()
