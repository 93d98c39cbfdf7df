"""Nobody but the province and admins learns a decision before publication: rule 1 of issue 10.

Every page and message an applicant or a city can reach, before and after the province reopens
a batch, and after publication (when they do see it).
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Event, Status
from applications.workflow import TransitionError, set_state
from reviews.batch import reopen_batch, send_batch
from reviews.models import Batch, Recommendation, Selection
from reviews.selection import decide, publish
from tests.factories import (
    AttachmentFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UserFactory,
)
from tests.test_reviews_batch import BEFORE
from tests.test_reviews_batch import city as city  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

DECISIONS = ("已入选", "未入选", "遴选结果", "确定为")


def shown(response) -> str:
    """The page and every message it carries."""
    body = response.content.decode()
    return (
        body + " ".join(str(m) for m in response.context["messages"]) if response.context else body
    )


def assert_no_decision(text, where):
    for word in DECISIONS:
        assert word not in text, f"{where} shows “{word}”"


@pytest.fixture
def sent(city):  # noqa: F811
    """The city's batch sent; the province selected the lead and left the participant undecided."""
    send_batch(city["centre"], city["call"], city["staff"], now=BEFORE)
    province = ProvinceStaffFactory()
    with time_machine.travel(BEFORE, tick=False):
        decide(city["lead"], province, Selection.Outcome.LEAD, "团队最强")
        decide(city["refused"], province, Selection.Outcome.NOT_SELECTED, "经验不足")
    city["province"] = province
    return city


def test_get_status_display_is_refused_so_no_page_can_bypass_status_for(sent):
    with pytest.raises(TypeError, match="status_for"):
        sent["lead"].get_status_display()


def test_a_citys_refusal_reads_the_same_for_a_decided_and_an_undecided_application(sent):
    staff = sent["staff"]
    messages = []
    for app in (sent["lead"], sent["participant"], sent["refused"]):
        with pytest.raises(TransitionError) as exc:
            set_state(app, Status.VERIFIED, staff)
        messages.append(str(exc.value))
        with pytest.raises(TransitionError) as exc:
            set_state(app, Status.RECOMMENDED, staff)
        messages.append(str(exc.value))
    assert messages[0::2] == [messages[0]] * 3 and messages[1::2] == [messages[1]] * 3
    assert "已报送省中心" in messages[0]
    assert_no_decision(" ".join(messages), "set_state refusal")


def test_the_province_reads_the_true_status_in_its_refusal(sent):
    with pytest.raises(TransitionError, match="已入选"):
        set_state(sent["lead"], Status.VERIFIED, sent["province"])


def applicant_pages(client, app):
    """Every page and action an applicant can reach for its application, with its message."""
    member = UserFactory(organisation=app.organisation)
    client.force_login(member)
    licence = AttachmentFactory(application=app, kind="licence")
    texts = {}
    for name, method in [
        ("detail", "get"),
        ("edit", "get"),
        ("edit", "post"),
        ("submit", "get"),
        ("submit", "post"),
        ("withdraw", "post"),
        ("attachment_upload", "post"),
    ]:
        url = reverse(f"applications:{name}", args=[app.pk])
        texts[f"{method} {name}"] = shown(getattr(client, method)(url, follow=True))
    url = reverse("applications:attachment_delete", args=[app.pk, licence.pk])
    texts["post attachment_delete"] = shown(client.post(url, follow=True))
    texts["dashboard"] = shown(client.get(reverse("accounts:dashboard")))
    return texts


def test_applicant_pages_and_refusals_show_no_decision_before_publication(sent, client):
    for app in (sent["lead"], sent["refused"]):
        for where, text in applicant_pages(client, app).items():
            assert_no_decision(text, where)
            if where != "dashboard":
                assert "已报送省中心" in text or where in ("get edit",), where


def test_start_pages_already_applied_notice_shows_no_decision(sent, client):
    app = sent["lead"]
    client.force_login(UserFactory(organisation=app.organisation))
    data = {
        "basis": "catalog",
        "unit": app.unit_id,
        "levels": app.levels,
        "intention": "lead",
    }
    with time_machine.travel(BEFORE, tick=False):
        response = client.post(reverse("applications:start"), data)
    text = shown(response)
    assert app.reference in text and "已报送省中心" in text
    assert_no_decision(text, "start page")


def test_after_publication_the_applicant_sees_its_outcome(sent, client):
    with time_machine.travel(BEFORE, tick=False):
        decide(sent["participant"], sent["province"], Selection.Outcome.PARTICIPANT, "可参与")
        publish(sent["call"], sent["province"])
    client.force_login(UserFactory(organisation=sent["refused"].organisation))
    page = shown(client.get(reverse("applications:detail", args=[sent["refused"].pk])))
    assert "未入选" in page


# --- the province reopens the batch -----------------------------------------------------------


def test_reopening_returns_decided_and_undecided_applications_alike(sent):
    apps = sent["apps"]
    reopen_batch(Batch.objects.get(), sent["province"], "请补充材料")
    for app in apps:
        app.refresh_from_db()
    # As recommended, whatever the province had decided; its decisions are void.
    assert [a.status for a in apps] == [
        Status.RECOMMENDED,
        Status.RECOMMENDED,
        Status.NOT_RECOMMENDED,
    ]
    assert not Selection.objects.exists()
    # What the city reads of the history is the same for each: one step back with the reason.
    city_staff = sent["staff"]
    tails = [
        [
            (e.from_status, e.to_status, e.comment)
            for e in Event.objects.visible_to(city_staff).filter(application=a)
        ][-1]
        for a in apps
    ]
    assert tails[0] == tails[1] == (Status.SENT, Status.RECOMMENDED, "重新开放报送：请补充材料")
    # The province's own history keeps the revoked decision.
    lead_history = Event.objects.visible_to(sent["province"]).filter(application=apps[0])
    assert lead_history.filter(
        from_status=Status.SELECTED, comment__contains="撤销遴选结果"
    ).exists()


def test_after_a_reopen_the_city_cannot_tell_decided_from_undecided(sent, client):
    reopen_batch(Batch.objects.get(), sent["province"], "请补充材料")
    lead, participant = sent["lead"], sent["participant"]
    client.force_login(sent["staff"])

    def city_view(app):
        review = shown(client.get(reverse("reviews:review", args=[app.pk])))
        start = shown(client.post(reverse("reviews:start", args=[app.pk]), follow=True))
        verify = shown(client.post(reverse("reviews:verify", args=[app.pk]), follow=True))
        return review, start, verify

    decided, undecided = city_view(lead), city_view(participant)
    for text in (*decided, *undecided):
        assert_no_decision(text, "city page after reopen")
    # The refusals name the same status for both.
    assert "已推荐" in decided[1] and "已推荐" in undecided[1]
    queue = shown(client.get(reverse("reviews:queue")))
    assert_no_decision(queue, "queue after reopen")


def test_reopen_then_resend_lets_the_province_decide_again(sent):
    reopen_batch(Batch.objects.get(), sent["province"], "请补充材料")
    send_batch(sent["centre"], sent["call"], sent["staff"])
    lead = Application.objects.get(pk=sent["lead"].pk)
    assert lead.status == Status.SENT
    decide(lead, sent["province"], Selection.Outcome.LEAD, "团队最强")
    assert Application.objects.get(pk=lead.pk).status == Status.SELECTED


def test_city_staff_of_another_centre_still_gets_404(sent, client):
    client.force_login(CityStaffFactory())
    assert client.get(reverse("reviews:review", args=[sent["lead"].pk])).status_code == 404


def test_recommendation_refusal_masks_the_status(sent, client):
    """The city's recommendation form posted on a decided application (e.g. an old tab)."""
    client.force_login(sent["staff"])
    data = {
        "version": 1,
        "recommendation": Recommendation.LEAD,
        "reason": "理由",
        "opinion": "同意",
    }
    Batch.objects.update(state=Batch.State.OPEN)
    text = shown(client.post(reverse("reviews:recommend", args=[sent["lead"].pk]), data))
    assert_no_decision(text, "recommend refusal")


def test_a_decision_does_not_move_the_last_updated_time_applicants_see(city, client):  # noqa: F811
    send_batch(city["centre"], city["call"], city["staff"], now=BEFORE)
    app = city["lead"]
    before = Application.objects.get(pk=app.pk).updated_at
    province = ProvinceStaffFactory()
    with time_machine.travel(BEFORE + dt.timedelta(hours=5), tick=False):
        decide(app, province, Selection.Outcome.LEAD, "团队最强")
        decide(app, province, Selection.Outcome.PARTICIPANT, "改为参与")
    assert Application.objects.get(pk=app.pk).updated_at == before
    client.force_login(UserFactory(organisation=app.organisation))
    page = shown(client.get(reverse("applications:detail", args=[app.pk])))
    assert timezone.localtime(before).strftime("%Y年%-m月%-d日 %H:%M") in page
