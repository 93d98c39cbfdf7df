"""The centre's review: its queue, the zip of PDFs, and start / return / verify / recommend."""

import datetime as dt
import io
import re
import threading
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from applications.models import Application, Basis, Event, Intention, Snapshot, Status
from applications.pdf import pdf_input_hash
from applications.views.detail import sections
from applications.workflow import set_state
from documents.models import Document
from documents.services import request_application_pdf
from reviews.models import Batch, Recommendation, Review
from reviews.services import BATCH_SENT_MESSAGE, ReviewConflict, save_decision
from tests.factories import (
    AdminFactory,
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

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
INSIDE_DEADLINE = dt.datetime(2023, 6, 20, 10, 0, tzinfo=BEIJING)
LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def inside_deadline():
    with time_machine.travel(INSIDE_DEADLINE):
        yield


def submitted(member, **fields):
    """A complete application of the member's unit, submitted by the member."""
    app = ApplicationFactory(complete=True, organisation=member.organisation, **fields)
    set_state(app, Status.SUBMITTED, member)
    return app


@pytest.fixture
def w():
    """Hangzhou with one submitted application, Ningbo, and the province with its own unit."""
    call = CallFactory()
    hangzhou = CentreFactory(code="hangzhou", region="杭州", name="杭州市职业技能鉴定指导中心")
    ningbo = CentreFactory(code="ningbo", region="宁波", name="宁波市职业技能鉴定指导中心")
    owner = UserFactory(organisation=OrganisationFactory(centre=hangzhou, name="杭州甲单位"))
    province = ProvinceStaffFactory()
    direct = UserFactory(organisation=OrganisationFactory(centre=province.centre))
    return SimpleNamespace(
        call=call,
        hangzhou=hangzhou,
        ningbo=ningbo,
        owner=owner,
        app=submitted(owner, call=call),
        staff=CityStaffFactory(centre=hangzhou, name="杭州审核员甲"),
        colleague=CityStaffFactory(centre=hangzhou, name="杭州审核员乙"),
        other_city=CityStaffFactory(centre=ningbo),
        province=province,
        direct=direct,
        direct_app=submitted(direct, call=call),
    )


def url(name, app=None):
    return reverse(f"reviews:{name}", args=[app.pk] if app else [])


def body(response) -> str:
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def status_of(app) -> str:
    app.refresh_from_db()
    return app.status


def decide(client, app, version=1, **fields):
    data = {"version": version, "reason": "", "differs_reason": "", "opinion": "", **fields}
    return client.post(url("recommend", app), data)


# --- the queue ---------------------------------------------------------------------------------


def test_queue_permission_ladder(client, w):
    response = client.get(url("queue"))
    assert response.status_code == 302 and LOGIN in response.url
    for outsider in (w.owner, AdminFactory()):
        client.force_login(outsider)
        assert client.get(url("queue")).status_code == 403
    for staff in (w.staff, w.province):
        client.force_login(staff)
        assert client.get(url("queue")).status_code == 200


def test_queue_shows_only_the_own_centres_submitted_applications_of_the_open_call(client, w):
    ningbo_app = submitted(UserFactory(organisation__centre=w.ningbo), call=w.call)
    draft = ApplicationFactory(complete=True, call=w.call, organisation=w.owner.organisation)
    closed = CallFactory()
    old = submitted(UserFactory(organisation__centre=w.hangzhou), call=closed)
    type(closed).objects.filter(pk=closed.pk).update(is_open=False)

    client.force_login(w.staff)
    shown = [app.pk for app in client.get(url("queue")).context["applications"]]
    assert shown == [w.app.pk]
    assert not {ningbo_app.pk, draft.pk, old.pk, w.direct_app.pk} & set(shown)

    # The province, acting as a centre, sees the units reporting to it directly, and only those.
    client.force_login(w.province)
    shown = [app.pk for app in client.get(url("queue")).context["applications"]]
    assert shown == [w.direct_app.pk]


def test_queue_filters_and_counts_per_status(client, w):
    second = UserFactory(organisation=OrganisationFactory(centre=w.hangzhou, name="杭州乙单位"))
    participant = submitted(second, call=w.call, intention=Intention.PARTICIPANT)
    in_review = submitted(second, call=w.call, unit__entry__occupation="无人机驾驶员")
    set_state(in_review, Status.IN_REVIEW, w.staff)
    client.force_login(w.staff)

    def shown(**params):
        response = client.get(url("queue"), params)
        assert response.status_code == 200
        return {app.pk for app in response.context["applications"]}, response

    everything, response = shown()
    assert everything == {w.app.pk, participant.pk, in_review.pk}
    counts = {row["status"]: row["count"] for row in response.context["counts"]}
    assert counts[Status.SUBMITTED] == 2 and counts[Status.IN_REVIEW] == 1
    assert counts[Status.VERIFIED] == 0 and response.context["total"] == 3
    assert 'data-testid="count-submitted">2<' in body(response)

    assert shown(status=Status.IN_REVIEW)[0] == {in_review.pk}
    assert shown(q="无人机")[0] == {in_review.pk}
    assert shown(intention=Intention.PARTICIPANT)[0] == {participant.pk}
    assert shown(organisation=second.organisation.name)[0] == {participant.pk, in_review.pk}
    assert shown(organisation=second.organisation.credit_code.lower())[0] == {
        participant.pk,
        in_review.pk,
    }

    # Counts follow the other filters, so each status link says what it would show.
    found, response = shown(organisation=second.organisation.name, status=Status.IN_REVIEW)
    counts = {row["status"]: row["count"] for row in response.context["counts"]}
    assert found == {in_review.pk}
    assert counts[Status.SUBMITTED] == 1 and counts[Status.IN_REVIEW] == 1


def test_queue_search_finds_no_unit_of_another_centre(client, w):
    ningbo_app = submitted(UserFactory(organisation__centre=w.ningbo), call=w.call)
    client.force_login(w.staff)
    response = client.get(url("queue"), {"organisation": ningbo_app.organisation.name})
    assert response.status_code == 200
    assert list(response.context["applications"]) == []
    # The filter is a search field: the centre's units are not listed as options in the page.
    assert 'type="search" name="organisation"' in body(response)
    assert '<select name="organisation"' not in body(response)


def test_queue_is_sorted_by_submission_time(client, w):
    member = UserFactory(organisation__centre=w.hangzhou)
    with time_machine.travel(INSIDE_DEADLINE - dt.timedelta(days=3)):
        earliest = submitted(member, call=w.call)
    with time_machine.travel(INSIDE_DEADLINE + dt.timedelta(hours=2)):
        latest = submitted(member, call=w.call)
    client.force_login(w.staff)
    shown = [app.pk for app in client.get(url("queue")).context["applications"]]
    assert shown == [earliest.pk, w.app.pk, latest.pk]


def test_queue_query_count_does_not_grow_with_applications(client, w, django_assert_num_queries):
    client.force_login(w.staff)
    with django_assert_num_queries(8):
        response = client.get(url("queue"))
    assert len(response.context["applications"]) == 1
    member = UserFactory(organisation__centre=w.hangzhou)
    second, third = submitted(member, call=w.call), submitted(member, call=w.call)
    set_state(second, Status.VERIFIED, w.staff)
    Review.objects.create(application=second, recommendation=Recommendation.LEAD)
    set_state(third, Status.IN_REVIEW, w.staff)
    with django_assert_num_queries(8):
        response = client.get(url("queue"))
    assert len(response.context["applications"]) == 3


@pytest.fixture
def crowded(w):
    """Hangzhou's queue at 120 applications: w.app last, 119 submitted before it.

    Every other one (60 in all, w.app not among them) is a participant's.
    """
    organisations = OrganisationFactory.create_batch(4, centre=w.hangzhou)
    units = UnitFactory.create_batch(30, entry__call=w.call)
    earlier = INSIDE_DEADLINE - dt.timedelta(days=10)
    Application.objects.bulk_create(
        Application(
            call=w.call,
            organisation=organisations[n % 4],
            unit=units[n // 4],
            basis=Basis.CATALOG,
            levels=[5, 4, 3],
            intention=Intention.PARTICIPANT if n % 2 == 0 else Intention.LEAD,
            status=Status.SUBMITTED,
            submitted_at=earlier + dt.timedelta(minutes=n),
            centre=w.hangzhou,
        )
        for n in range(119)
    )
    ids = list(
        Application.objects.filter(organisation__in=organisations)
        .order_by("submitted_at")
        .values_list("pk", flat=True)
    )
    participants = list(
        Application.objects.filter(organisation__in=organisations, intention=Intention.PARTICIPANT)
        .order_by("submitted_at")
        .values_list("pk", flat=True)
    )
    return SimpleNamespace(ids=[*ids, w.app.pk], participants=participants)


def rows(response) -> list[int]:
    """The ids of the rows of the table, as rendered."""
    return [
        int(pk) for pk in re.findall(r'data-testid="queue-row" data-id="(\d+)"', body(response))
    ]


def test_queue_is_paginated_50_a_page_with_counts_of_the_whole_queue(client, w, crowded):
    client.force_login(w.staff)
    response = client.get(url("queue"))
    assert rows(response) == crowded.ids[:50]
    assert [app.pk for app in response.context["applications"]] == crowded.ids[:50]
    page = body(response)
    # The counts and the zip speak of the whole queue, not of the page.
    assert 'data-testid="count-all">120<' in page and 'data-testid="count-submitted">120<' in page
    assert "未勾选时打包列表全部 120 份（含其他页）" in page
    assert "第 1–50 份，共 120 份" in page
    assert f'href="{url("queue")}?page=3"' in page and 'rel="next"' in page
    assert rows(client.get(url("queue"), {"page": 2})) == crowded.ids[50:100]
    response = client.get(url("queue"), {"page": 3})
    assert rows(response) == crowded.ids[100:] and len(rows(response)) == 20
    assert "第 101–120 份，共 120 份" in body(response)
    # A page number alone is no filter.
    assert not response.context["filtered"] and ">清除</a>" not in body(response)


@pytest.mark.parametrize(
    ("value", "shown"), [("abc", 1), ("", 1), ("2.5", 1), ("99", 3), ("0", 3), ("-1", 3)]
)
def test_queue_bad_page_shows_the_first_or_the_last_page(client, w, crowded, value, shown):
    client.force_login(w.staff)
    response = client.get(url("queue"), {"page": value})
    assert response.status_code == 200
    assert response.context["page"].number == shown
    start = (shown - 1) * 50
    assert rows(response) == crowded.ids[start : start + 50]


def test_queue_page_links_keep_the_filters(client, w, crowded):
    client.force_login(w.staff)
    response = client.get(url("queue"), {"status": Status.SUBMITTED, "intention": "participant"})
    assert rows(response) == crowded.participants[:50]
    page = body(response)
    assert 'data-testid="count-all">60<' in page
    assert "未勾选时打包筛选结果全部 60 份（含其他页）" in page
    second = f"{url('queue')}?status=submitted&amp;intention=participant&amp;page=2"
    assert f'href="{second}"' in page
    response = client.get(second.replace("&amp;", "&"))
    assert rows(response) == crowded.participants[50:]
    page = body(response)
    # Back to page 1 without ?page=, still filtered; the status links start again at page 1.
    assert f'href="{url("queue")}?status=submitted&amp;intention=participant" rel="prev"' in page
    assert f'href="{url("queue")}?intention=participant">' in page
    assert "page=" not in "".join(re.findall(r'data-testid="queue-counts".*?</nav>', page, re.S))
    # The filter form sends no page: a new filter starts at page 1.
    form = re.search(r'<form method="get".*?</form>', page, re.S).group()
    assert 'name="page"' not in form


def zip_form_data(response) -> dict:
    """What the queue's zip form posts without ticked rows: its hidden inputs (token included)."""
    form = re.search(r'<form method="post"[^>]*id="zip-form".*?</form>', body(response), re.S)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group()))


def filters(data) -> dict:
    return {name: value for name, value in data.items() if name != "csrfmiddlewaretoken"}


def test_zip_from_any_page_covers_the_whole_filtered_queue(client, w, crowded):
    client.force_login(w.staff)

    def zipped(data):
        client.post(url("zip"), data)
        doc = Document.objects.filter(kind=Document.Kind.PDF_ZIP).order_by("-pk").first()
        return doc.params["application_ids"]

    # From page 3 of the whole queue: every application, not the page's 20.
    data = zip_form_data(client.get(url("queue"), {"page": 3}))
    assert filters(data) == {}
    assert zipped(data) == crowded.ids
    # From page 2 of a filtered queue: the filter goes along, the page does not.
    response = client.get(url("queue"), {"intention": "participant", "page": 2})
    data = zip_form_data(response)
    assert filters(data) == {"intention": "participant"}
    assert zipped(data) == crowded.participants
    # Ticked rows of the page narrow it, within the filter.
    ticked = rows(response)[:3]
    assert zipped({**data, "ids": [*ticked, crowded.ids[1]]}) == ticked


def test_dashboard_shows_the_queue_summary(client, w):
    client.force_login(w.staff)
    page = body(client.get(reverse("accounts:dashboard")))
    assert f'href="{url("queue")}"' in page and f"{url('queue')}?part=counts" in page
    # The dashboard loads the counts from the queue with htmx.
    set_state(w.app, Status.VERIFIED, w.staff)
    submitted(w.owner, call=w.call)
    response = client.get(url("queue"), {"part": "counts"}, HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "reviews/_queue_counts.html"
    page = body(response)
    assert 'data-testid="count-submitted">1<' in page and 'data-testid="count-verified">1<' in page
    assert "待审核 <strong>1</strong> 份" in page and "待填写推荐意见 <strong>1</strong> 份" in page


# --- the zip of PDFs ---------------------------------------------------------------------------


def test_zip_ladder(client, w):
    response = client.post(url("zip"))
    assert response.status_code == 302 and LOGIN in response.url
    client.force_login(w.owner)
    assert client.post(url("zip")).status_code == 403
    client.force_login(w.staff)
    assert client.get(url("zip")).status_code == 405


def test_zip_request_holds_the_filtered_ids_of_the_own_centre_only(client, w):
    ningbo_app = submitted(UserFactory(organisation__centre=w.ningbo), call=w.call)
    in_review = submitted(w.owner, call=w.call)
    set_state(in_review, Status.IN_REVIEW, w.staff)
    client.force_login(w.staff)

    response = client.post(url("zip"), {"status": Status.SUBMITTED})
    doc = Document.objects.get(kind=Document.Kind.PDF_ZIP)
    assert response.status_code == 302 and response.url == reverse(
        "documents:detail", args=[doc.pk]
    )
    assert doc.params["application_ids"] == [w.app.pk]
    assert doc.params["filename"] == "杭州市职业技能鉴定指导中心-申报表PDF-已提交-2023-06-20.zip"
    assert doc.requested_by == w.staff

    # Ticked rows narrow the list; another centre's ids are dropped, never added.
    client.post(url("zip"), {"ids": [in_review.pk, ningbo_app.pk, w.direct_app.pk]})
    doc = Document.objects.filter(kind=Document.Kind.PDF_ZIP).order_by("-pk").first()
    assert doc.params["application_ids"] == [in_review.pk]
    assert doc.params["filename"] == "杭州市职业技能鉴定指导中心-申报表PDF-2023-06-20.zip"
    # The documents page shows its progress (it polls itself while queued).
    assert "打包进度" in body(client.get(reverse("documents:detail", args=[doc.pk])))


def test_zip_of_nothing_creates_no_document(client, w):
    ningbo_app = submitted(UserFactory(organisation__centre=w.ningbo), call=w.call)
    client.force_login(w.staff)
    response = client.post(url("zip"), {"status": Status.VERIFIED, "ids": [ningbo_app.pk]})
    assert response.url == f"{url('queue')}?status=verified"
    response = client.get(response.url)
    assert "没有可打包的申报书" in messages_of(response)
    response = client.post(url("zip"), {"organisation": ningbo_app.organisation.name}, follow=True)
    assert "没有可打包的申报书" in messages_of(response)
    assert not Document.objects.filter(kind=Document.Kind.PDF_ZIP).exists()


# --- who may review ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("review", "get"),
        ("start", "post"),
        ("return", "post"),
        ("verify", "post"),
        ("recommend", "post"),
    ],
)
def test_review_permission_ladder(client, w, name, method):
    send = getattr(client, method)
    target = url(name, w.app)
    response = send(target)
    assert response.status_code == 302 and LOGIN in response.url
    client.force_login(w.owner)
    assert send(target).status_code == 403
    client.force_login(w.other_city)
    assert send(target).status_code == 404
    client.force_login(w.province)
    assert send(target).status_code == 403
    assert status_of(w.app) == Status.SUBMITTED
    client.force_login(w.staff)
    assert send(target).status_code in (200, 302)
    client.force_login(w.province)
    assert send(url(name, w.direct_app)).status_code in (200, 302)


def test_action_urls_need_post(client, w):
    client.force_login(w.staff)
    for name in ("start", "return", "verify", "recommend"):
        assert client.get(url(name, w.app)).status_code == 405, name


def test_review_page_shows_the_whole_application(client, w):
    request_application_pdf(w.app.snapshots.get())
    client.force_login(w.staff)
    page = body(client.get(url("review", w.app)))
    # The applicant's detail page's sections, every one of them.
    for section in sections(w.app):
        assert f'id="section-{section.key}"' in page and section.title in page, section.key
    for text in (
        w.app.statement_team,
        w.app.leader_name,
        "专家团队",
        "附件材料",
        "复印件.pdf",
        "第1版",
        "排队中",
        "办理记录",
        "意愿为牵头单位",
        "开始审核",
        "退回申报单位修改",
    ):
        assert text in page, text
    assert 'data-testid="decision-form"' not in page


def test_review_page_query_count_does_not_grow_with_experts_and_history(
    client, w, django_assert_num_queries
):
    client.force_login(w.staff)
    with django_assert_num_queries(14):
        client.get(url("review", w.app))
    ExpertFactory.create_batch(2, application=w.app, with_certificate=True)
    set_state(w.app, Status.IN_REVIEW, w.staff)
    set_state(w.app, Status.VERIFIED, w.staff)
    request_application_pdf(w.app.snapshots.get())
    Review.objects.create(application=w.app, recommendation="", updated_by=w.colleague)
    with django_assert_num_queries(14):
        response = client.get(url("review", w.app))
    assert len(response.context["experts"]) == 3 and len(response.context["events"]) == 3


# --- start, return, verify ---------------------------------------------------------------------


def test_start_review_writes_history(client, w):
    client.force_login(w.staff)
    response = client.post(url("start", w.app), follow=True)
    assert "已开始审核" in messages_of(response)
    event = w.app.events.last()
    assert (event.from_status, event.to_status, event.actor) == ("submitted", "in_review", w.staff)
    # Twice is refused with the rule's message, not a server error.
    response = client.post(url("start", w.app), follow=True)
    assert response.status_code == 200 and "不能变为" in messages_of(response)


def test_return_needs_sections_and_text(client, w):
    client.force_login(w.staff)
    response = client.post(url("return", w.app), {"text": "  "})
    page = body(response)
    assert response.status_code == 200
    assert "请勾选需要修改的部分" in page and "请写明需要申报单位修改的内容" in page
    assert status_of(w.app) == Status.SUBMITTED
    response = client.post(url("return", w.app), {"sections": ["project"], "text": ""})
    ticked = re.findall(
        r'<input type="checkbox" name="sections" value="(\w+)"[^>]* checked', body(response)
    )
    assert ticked == ["project"]


def test_return_with_comment_reaches_the_applicant_who_resubmits_a_second_version(
    client, w, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        app = submitted(w.owner, call=w.call)
    client.force_login(w.staff)
    response = client.post(
        url("return", app),
        {"sections": ["attachments", "project"], "text": "专家证书不全：请补充专家证书复印件。"},
    )
    assert response.status_code == 302
    assert status_of(app) == Status.RETURNED
    comment = "【二、项目信息】【附件材料】专家证书不全：请补充专家证书复印件。"
    # The first action also started the review, so the history says who took it up.
    moves = list(app.events.values_list("from_status", "to_status", "comment"))[-2:]
    assert moves == [("submitted", "in_review", "开始审核"), ("in_review", "returned", comment)]

    assert comment in body(client.get(url("review", app)))
    client.force_login(w.owner)
    assert comment in body(client.get(reverse("applications:detail", args=[app.pk])))

    app.leader_title = "正高级工程师"
    app.save(update_fields=["leader_title"])
    with django_capture_on_commit_callbacks(execute=True):
        set_state(app, Status.SUBMITTED, w.owner)
    assert list(Snapshot.objects.filter(application=app).values_list("number", flat=True)) == [
        2,
        1,
    ]
    pdfs = Document.objects.filter(application=app, kind=Document.Kind.APPLICATION_PDF)
    assert sorted(pdfs.values_list("snapshot__number", flat=True)) == [1, 2]
    assert set(pdfs.values_list("state", flat=True)) == {Document.State.DONE}


def test_verify_starts_the_review_if_needed(client, w):
    client.force_login(w.staff)
    response = client.post(url("verify", w.app), follow=True)
    assert "已核实" in messages_of(response)
    assert status_of(w.app) == Status.VERIFIED
    assert list(w.app.events.values_list("to_status", flat=True))[-2:] == ["in_review", "verified"]
    # Verified: no return any more, the decision form instead, with the intention beside it.
    page = body(response)
    assert 'data-testid="return-form"' not in page and 'data-testid="decision-form"' in page
    assert 'data-testid="intention"' in page


# --- the decision ------------------------------------------------------------------------------


@pytest.fixture
def verified(client, w):
    set_state(w.app, Status.VERIFIED, w.staff)
    client.force_login(w.staff)
    return w.app


def test_recommend_lead_with_reason(client, w, verified):
    response = decide(
        client, verified, recommendation="lead", reason="专家团队强。", opinion="同意推荐。"
    )
    assert response.status_code == 302
    assert status_of(verified) == Status.RECOMMENDED
    review = Review.objects.get(application=verified)
    assert (review.recommendation, review.reason, review.opinion) == (
        "lead",
        "专家团队强。",
        "同意推荐。",
    )
    assert (review.version, review.updated_by) == (2, w.staff)
    page = body(client.get(url("review", verified)))
    assert "推荐意见最后由 杭州审核员甲 保存于" in page


def test_recommend_without_reason_is_refused(client, verified):
    response = decide(client, verified, recommendation="lead", opinion="同意推荐。")
    assert response.status_code == 200
    assert "须填写推荐理由概要" in body(response) and "同意推荐。" in body(response)
    assert status_of(verified) == Status.VERIFIED and not Review.objects.exists()


def test_recommend_otherwise_than_the_intention_needs_a_reason(client, verified):
    response = decide(client, verified, recommendation="participant", reason="经验不足。")
    assert response.status_code == 200
    assert "与申报单位的开发意向（意愿为牵头单位）不一致，请说明理由" in body(response)
    assert status_of(verified) == Status.VERIFIED

    response = decide(
        client,
        verified,
        recommendation="participant",
        reason="经验不足。",
        differs_reason="同一工种已有更强的牵头单位。",
    )
    assert response.status_code == 302 and status_of(verified) == Status.RECOMMENDED
    assert Review.objects.get().differs_reason == "同一工种已有更强的牵头单位。"


def test_changing_between_recommended_and_not_goes_through_verified(client, verified):
    assert decide(client, verified, recommendation="none", opinion="材料不足。").status_code == 302
    assert status_of(verified) == Status.NOT_RECOMMENDED
    response = decide(client, verified, version=2, recommendation="lead", reason="补充后符合。")
    assert response.status_code == 302 and status_of(verified) == Status.RECOMMENDED
    moves = list(verified.events.values_list("to_status", flat=True))[-3:]
    assert moves == ["not_recommended", "verified", "recommended"]
    # The same decision again changes the review, not the status.
    events = verified.events.count()
    response = decide(client, verified, version=3, recommendation="lead", reason="改写理由。")
    assert response.status_code == 302 and verified.events.count() == events
    assert (Review.objects.get().reason, Review.objects.get().version) == ("改写理由。", 4)


def test_decision_before_verification_is_refused_keeping_the_text(client, w):
    client.force_login(w.staff)
    response = decide(client, w.app, recommendation="lead", reason="很好的单位。")
    assert response.status_code == 200
    assert "须先核实" in messages_of(response) and "很好的单位。" in body(response)
    assert status_of(w.app) == Status.SUBMITTED and not Review.objects.exists()


def test_concurrent_edit_is_refused_showing_the_other_persons_values(client, w, verified):
    first, second = client, type(client)()
    second.force_login(w.colleague)
    loaded = [c.get(url("review", verified)).context["decision_form"] for c in (first, second)]
    assert [form["version"].value() for form in loaded] == [1, 1]

    response = decide(
        first, verified, recommendation="lead", reason="甲的理由。", opinion="甲的意见。"
    )
    assert response.status_code == 302
    response = decide(
        second, verified, recommendation="none", reason="", opinion="乙的意见，不予推荐。"
    )
    page = body(response)
    assert response.status_code == 409
    assert "杭州审核员甲" in page and "甲的理由。" in page and "甲的意见。" in page
    assert "推荐为牵头单位" in page and "乙的意见，不予推荐。" in page
    review = Review.objects.get()
    assert (review.reason, review.opinion, review.version) == ("甲的理由。", "甲的意见。", 2)
    assert status_of(verified) == Status.RECOMMENDED

    # Having seen the other's values, the second may replace them on purpose.
    response = decide(
        second, verified, recommendation="none", opinion="乙的意见，不予推荐。", overwrite_version=2
    )
    assert response.status_code == 302 and status_of(verified) == Status.NOT_RECOMMENDED
    assert Review.objects.get().updated_by == w.colleague


def test_the_recommendation_goes_into_the_pdf(client, w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        app = submitted(w.owner, call=w.call)
    pdf = Document.objects.get(application=app, kind=Document.Kind.APPLICATION_PDF)
    before = pdf.input_hash
    set_state(app, Status.VERIFIED, w.staff)
    client.force_login(w.staff)
    with django_capture_on_commit_callbacks(execute=True):
        decide(
            client, app, recommendation="lead", reason="团队力量强。", opinion="经核实，同意推荐。"
        )

    app.refresh_from_db()
    opinion = app.centre_opinion()
    assert (opinion["recommendation"], opinion["reason"], opinion["opinion"]) == (
        "lead",
        "团队力量强。",
        "经核实，同意推荐。",
    )
    pdf.refresh_from_db()
    assert pdf.state == Document.State.DONE and pdf.input_hash != before
    assert pdf.input_hash == pdf_input_hash(pdf.snapshot, opinion)
    with pdf.file.open("rb") as fh:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)
    assert "经核实，同意推荐。" in "".join(text.split())


@pytest.mark.django_db(transaction=True)
def test_two_first_saves_at_once_create_one_review_and_one_wins():
    staff = CityStaffFactory(name="审核员甲")
    colleague = CityStaffFactory(centre=staff.centre, name="审核员乙")
    # Verified without a submission: no snapshot, so no PDF is rendered by the threads.
    app = ApplicationFactory(
        complete=True, organisation__centre=staff.centre, status=Status.VERIFIED
    )
    outcomes = {}

    def attempt(actor, recommendation, barrier=None):
        own = type(app).objects.select_related("organisation").get(pk=app.pk)
        try:
            if barrier is not None:
                barrier.wait(timeout=10)
            save_decision(
                own,
                actor,
                version=1,
                recommendation=recommendation,
                reason=f"{actor.name}的理由",
                differs_reason="",
                opinion="",
            )
            outcomes[actor.name] = "saved"
        except ReviewConflict as exc:
            outcomes[actor.name] = exc.review
        finally:
            if barrier is not None:
                connection.close()

    if connection.vendor == "postgresql":
        # Two threads, two connections, released together.
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=attempt, args=(staff, "lead", barrier)),
            threading.Thread(target=attempt, args=(colleague, "none", barrier)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        # SQLite serialises writes: the first save commits, the second meets it.
        attempt(staff, "lead")
        attempt(colleague, "none")

    assert list(outcomes.values()).count("saved") == 1
    winner = next(name for name, result in outcomes.items() if result == "saved")
    loser_saw = next(result for result in outcomes.values() if result != "saved")
    review = Review.objects.get(application=app)
    assert review.version == 2 and review.reason == f"{winner}的理由"
    assert loser_saw.reason == review.reason and str(loser_saw.updated_by) == winner
    expected = Status.RECOMMENDED if review.recommendation == "lead" else Status.NOT_RECOMMENDED
    assert status_of(app) == expected


# --- a sent batch ------------------------------------------------------------------------------


def test_every_action_is_refused_once_the_batch_is_sent(client, w):
    set_state(w.app, Status.VERIFIED, w.staff)
    other = submitted(w.owner, call=w.call)
    Batch.objects.create(call=w.call, centre=w.hangzhou, state=Batch.State.SENT)
    client.force_login(w.staff)

    for name, app in (("start", other), ("verify", other)):
        response = client.post(url(name, app), follow=True)
        assert BATCH_SENT_MESSAGE in messages_of(response), name
    response = client.post(url("return", other), {"sections": ["basic"], "text": "请修改。"})
    assert BATCH_SENT_MESSAGE in messages_of(response) and "请修改。" in body(response)
    response = decide(client, w.app, recommendation="lead", reason="理由。")
    assert BATCH_SENT_MESSAGE in messages_of(response) and "理由。" in body(response)

    assert status_of(other) == Status.SUBMITTED and status_of(w.app) == Status.VERIFIED
    assert not Review.objects.exists()
    assert not Event.objects.filter(actor=w.staff, to_status__in=["in_review", "returned"]).exists()
    page = body(client.get(url("review", other)))
    assert BATCH_SENT_MESSAGE in page and 'data-testid="return-form"' not in page
    # Another centre's batch changes nothing here.
    Batch.objects.update(centre=w.ningbo)
    assert client.post(url("start", other)).status_code == 302
    assert status_of(other) == Status.IN_REVIEW
