import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from applications.models import Application, Event, Status
from applications.templatetags.applications_tags import deadline_text
from applications.workflow import record_creation, set_state
from tests.factories import (
    ApplicationFactory,
    CentreFactory,
    CityStaffFactory,
    ExpertFactory,
    OrganisationFactory,
    ProvinceStaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
INSIDE_DEADLINE = dt.datetime(2023, 6, 20, 10, 0, tzinfo=BEIJING)
AFTER_DEADLINE = dt.datetime(2023, 6, 24, 0, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def inside_deadline():
    with time_machine.travel(INSIDE_DEADLINE, tick=False):
        yield


@pytest.fixture
def ladder():
    hangzhou = CentreFactory(code="hangzhou", name="杭州市职业技能鉴定指导中心")
    org = OrganisationFactory(centre=hangzhou)
    owner = UserFactory(organisation=org)
    app = ApplicationFactory(complete=True, organisation=org, created_by=owner)
    record_creation(app, owner)
    return {
        "app": app,
        "owner": owner,
        "other_applicant": UserFactory(organisation=OrganisationFactory(centre=hangzhou)),
        "other_city": CityStaffFactory(centre=CentreFactory(code="ningbo")),
        "own_city": CityStaffFactory(centre=hangzhou),
        "province": ProvinceStaffFactory(),
    }


def url(name, app):
    return reverse(f"applications:{name}", args=[app.pk])


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def response_checklist(client, app) -> list[dict]:
    return client.get(url("submit", app)).context["checklist"]


# --- who may see and act -----------------------------------------------------------------------


def test_detail_permission_ladder(client, ladder):
    detail = url("detail", ladder["app"])
    response = client.get(detail)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    # A draft is its unit's own: the centre and the province do not even learn it exists.
    for outsider in ("other_applicant", "other_city", "own_city", "province"):
        client.force_login(ladder[outsider])
        assert client.get(detail).status_code == 404, outsider
    client.force_login(ladder["owner"])
    assert client.get(detail).status_code == 200
    Application.objects.filter(pk=ladder["app"].pk).update(status=Status.SUBMITTED)
    for reader in ("own_city", "province", "owner"):
        client.force_login(ladder[reader])
        assert client.get(detail).status_code == 200, reader
    for outsider in ("other_applicant", "other_city"):
        client.force_login(ladder[outsider])
        assert client.get(detail).status_code == 404, outsider


@pytest.mark.parametrize(
    ("name", "method"), [("submit", "get"), ("submit", "post"), ("withdraw", "post")]
)
def test_submit_and_withdraw_permission_ladder(client, ladder, name, method):
    target = url(name, ladder["app"])
    send = getattr(client, method)
    response = send(target)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    for outsider in ("other_applicant", "other_city", "own_city", "province"):
        client.force_login(ladder[outsider])
        assert send(target).status_code == 404, outsider
    ladder["app"].refresh_from_db()
    assert ladder["app"].status == Status.DRAFT and Event.objects.count() == 1
    # Once submitted the centre and the province read it, but never act for the unit.
    Application.objects.filter(pk=ladder["app"].pk).update(status=Status.SUBMITTED)
    for reader in ("own_city", "province"):
        client.force_login(ladder[reader])
        assert send(target).status_code == 403, reader
    assert Event.objects.count() == 1


def test_readers_see_no_applicant_buttons(client, ladder):
    app = ladder["app"]
    Application.objects.filter(pk=app.pk).update(status=Status.RETURNED)
    client.force_login(ladder["own_city"])
    response = client.get(url("detail", app))
    assert response.status_code == 200
    body = page(response)
    assert url("submit", app) not in body and url("edit", app) not in body
    client.force_login(ladder["owner"])
    body = page(client.get(url("detail", app)))
    assert url("submit", app) in body and url("edit", app) in body


def test_withdraw_needs_post(client, ladder):
    client.force_login(ladder["owner"])
    assert client.get(url("withdraw", ladder["app"])).status_code == 405


# --- the detail page ---------------------------------------------------------------------------


def test_detail_shows_every_section_in_form_order(client, ladder):
    app = ladder["app"]
    client.force_login(ladder["owner"])
    body = page(client.get(url("detail", app)))
    # As on the edit page: the 附页 with 一 under 附件2's own wording, then the conditions.
    order = [
        "一、基本信息",
        "附页：项目优势说明",
        "申报单位条件声明",
        "二、项目信息",
        f"三、{app.call.section_three_title}",
        "四、申报意见",
        'data-testid="attachments"',
        "办理记录",
    ]
    positions = [body.index(marker) for marker in order]
    assert positions == sorted(positions)
    for value in (
        app.organisation.name,
        app.title,
        "6-25-04-09",
        "五级/初级工、四级/中级工、三级/高级工",
        "意愿为牵头单位",
        "参与单位：互联网营销师，2020年",
        "有：电子商务师/三级/2019年",
        "设立专项经费，实行项目负责人制。",
        "项目负责人乙",
        "leader@example.com",
        app.experts.get().name,
        "具备开发场地和经费保障。",
        "单位负责人丙",
        "2023年6月1日",
        "2023年6月23日24时（北京时间）",
        "创建草稿",
    ):
        assert str(value) in body, value
    assert 'data-testid="status">草稿<' in body


def test_detail_after_deadline_says_the_draft_cannot_be_submitted(client, ladder):
    with time_machine.travel(AFTER_DEADLINE):
        client.force_login(ladder["owner"])
        body = page(client.get(url("detail", ladder["app"])))
    assert "申报已于2023年6月23日24时（北京时间）截止，草稿不能再提交" in body


def test_detail_query_count_does_not_grow_with_experts_and_events(
    client, ladder, django_assert_num_queries
):
    app, owner = ladder["app"], ladder["owner"]
    client.force_login(owner)
    set_state(app, Status.SUBMITTED, owner)
    with django_assert_num_queries(10):
        client.get(url("detail", app))

    ExpertFactory.create_batch(2, application=app, with_certificate=True)
    set_state(app, Status.DRAFT, owner, "撤回")
    set_state(app, Status.SUBMITTED, owner)
    assert app.experts.count() == 3 and app.events.count() == 4
    with django_assert_num_queries(10):
        response = client.get(url("detail", app))
    assert page(response).count('data-testid="history-row"') == 4


# --- submitting --------------------------------------------------------------------------------


def test_submit_complete_application_inside_the_deadline(client, ladder):
    app, owner = ladder["app"], ladder["owner"]
    client.force_login(owner)

    body = page(client.get(url("submit", app)))
    assert f"提交后将报送至{app.organisation.centre.name}，" in body
    assert "提交后不能修改，在中心开始审核前可以撤回" in body

    response = client.post(url("submit", app), follow=True)

    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.submitted_at == INSIDE_DEADLINE
    event = Event.objects.filter(application=app).last()
    assert (event.actor, event.from_status, event.to_status) == (
        owner,
        Status.DRAFT,
        Status.SUBMITTED,
    )
    assert response.redirect_chain[-1][0] == url("detail", app)
    assert "已提交" in messages_of(response)
    assert 'data-testid="status">已提交<' in page(response)
    assert url("withdraw", app) in page(response)


def test_incomplete_application_lists_what_is_missing(client, ladder):
    app = ApplicationFactory(organisation=ladder["app"].organisation)
    client.force_login(ladder["owner"])

    body = page(client.get(url("submit", app)))

    assert 'data-testid="checklist"' in body and 'data-testid="confirmation"' not in body
    assert "一、基本信息" in body and "二、项目信息" in body and "附件材料" in body
    edit = url("edit", app)
    assert f'href="{edit}?check=1#id_contact_name"' in body
    assert f'href="{edit}?check=1#experts"' in body
    assert "专家团队至少需要一名专家" in body
    assert "请上传法人证书或营业执照复印件" in body

    # The checklist follows the edit page: 附页 and the conditions come before 二.
    titles = [group["title"] for group in response_checklist(client, app)]
    assert titles.index("附页：项目优势说明") < titles.index("申报单位条件声明")
    assert titles.index("申报单位条件声明") < titles.index("二、项目信息")

    response = client.post(url("submit", app), follow=True)
    assert response.redirect_chain[-1][0] == url("submit", app)
    assert "尚未填写完整" in messages_of(response)
    app.refresh_from_db()
    assert app.status == Status.DRAFT


def test_condition_6_is_explained_and_blocks_submission(client, ladder):
    app = ladder["app"]
    app.cond_violation = True
    app.save()
    client.force_login(ladder["owner"])

    body = page(client.get(url("submit", app)))

    assert 'data-testid="violation"' in body and "贵单位不符合申报条件" in body
    assert "此类机构不得申报" in body
    assert 'data-testid="confirmation"' not in body and "确认提交" not in body
    client.post(url("submit", app))
    app.refresh_from_db()
    assert app.status == Status.DRAFT


def test_submit_after_deadline_is_refused_and_page_says_so(client, ladder):
    app = ladder["app"]
    with time_machine.travel(AFTER_DEADLINE):
        client.force_login(ladder["owner"])
        body = page(client.get(url("submit", app)))
        response = client.post(url("submit", app), follow=True)
    assert "申报已于2023年6月23日24时（北京时间）截止，草稿不能再提交" in body
    assert "确认提交" not in body
    assert "截止" in messages_of(response)
    app.refresh_from_db()
    assert app.status == Status.DRAFT and Event.objects.count() == 1


def test_already_submitted_application_offers_no_second_submit(client, ladder):
    app, owner = ladder["app"], ladder["owner"]
    set_state(app, Status.SUBMITTED, owner)
    client.force_login(owner)
    body = page(client.get(url("submit", app)))
    assert "无需提交" in body and "确认提交" not in body
    response = client.post(url("submit", app), follow=True)
    assert "不能变为" in messages_of(response)
    assert Event.objects.count() == 2


# --- withdrawing -------------------------------------------------------------------------------


def test_withdraw_before_review_returns_to_draft_with_history(client, ladder):
    app, owner = ladder["app"], ladder["owner"]
    set_state(app, Status.SUBMITTED, owner)
    client.force_login(owner)

    response = client.post(url("withdraw", app), follow=True)

    app.refresh_from_db()
    assert app.status == Status.DRAFT
    event = Event.objects.order_by("pk").last()
    assert (event.actor, event.from_status, event.to_status, event.comment) == (
        owner,
        Status.SUBMITTED,
        Status.DRAFT,
        "申报单位撤回",
    )
    assert "已撤回" in messages_of(response)
    assert 'data-testid="status">草稿<' in page(response)


def test_withdraw_after_review_started_is_refused(client, ladder):
    app, owner = ladder["app"], ladder["owner"]
    set_state(app, Status.SUBMITTED, owner)
    set_state(app, Status.IN_REVIEW, ladder["own_city"])
    client.force_login(owner)

    assert url("withdraw", app) not in page(client.get(url("detail", app)))
    response = client.post(url("withdraw", app), follow=True)

    assert response.status_code == 200
    assert "已开始审核" in messages_of(response) and "不能撤回" in messages_of(response)
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW and Event.objects.count() == 3


# --- the applicant dashboard -------------------------------------------------------------------


def test_dashboard_lists_the_organisations_applications(client, ladder):
    app, owner = ladder["app"], ladder["owner"]
    set_state(app, Status.SUBMITTED, owner)
    ApplicationFactory()  # another organisation's
    client.force_login(owner)

    body = page(client.get(reverse("accounts:dashboard")))

    assert body.count('data-testid="application-item"') == 1
    assert app.reference in body and app.title in body and url("detail", app) in body
    assert "条件1" in body and "意愿为牵头单位" in body and "已提交" in body
    assert "提交于 2023年6月20日 10:00" in body and "历史记录（2）" in body
    assert reverse("applications:start") in body


def test_every_page_words_the_deadline_the_same_way(client, ladder):
    app, owner = ladder["app"], ladder["owner"]
    client.force_login(owner)
    wording = "2023年6月23日24时（北京时间）"
    for address in (
        reverse("accounts:dashboard"),
        reverse("applications:start"),
        url("edit", app),
        url("detail", app),
        url("submit", app),
    ):
        assert wording in page(client.get(address)), address


def test_deadline_text_filter():
    assert deadline_text(dt.date(2027, 2, 1)) == "2027年2月1日24时（北京时间）"
    assert deadline_text(None) == ""


def test_dashboard_without_applications(client, ladder):
    client.force_login(UserFactory())
    body = page(client.get(reverse("accounts:dashboard")))
    assert "尚无申报书" in body and reverse("applications:start") in body


def test_dashboard_query_count_does_not_grow_with_applications(
    client, ladder, django_assert_num_queries
):
    app, owner = ladder["app"], ladder["owner"]
    client.force_login(owner)
    set_state(app, Status.SUBMITTED, owner)
    # One query more than before 公示: the banner asks whether the call's results are on notice.
    with django_assert_num_queries(11):
        client.get(reverse("accounts:dashboard"))

    for other in ApplicationFactory.create_batch(2, organisation=app.organisation):
        record_creation(other, owner)
    with django_assert_num_queries(11):
        response = client.get(reverse("accounts:dashboard"))
    assert page(response).count('data-testid="application-item"') == 3


def test_an_undivided_occupation_reads_as_such_not_as_missing(client, ladder):
    client.force_login(ladder["own_city"])
    set_state(ladder["app"], Status.SUBMITTED, ladder["owner"])
    body = page(client.get(url("detail", ladder["app"])))
    row = body.split("申报工种名称")[1].split("</dd>")[0]
    assert "（不细分工种）" in row and "未填写" not in row
