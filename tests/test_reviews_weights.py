"""The province's scoring weights: who may change them, the 100% rule, and publication."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reviews.models import Publication, Score, Weights
from reviews.scoring import set_weights
from tests.factories import (
    AdminFactory,
    ApplicationFactory,
    CallFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WEIGHTS = reverse("reviews:weights")


@pytest.fixture
def call():
    return CallFactory()


@pytest.fixture
def province(client):
    staff = ProvinceStaffFactory()
    client.force_login(staff)
    return staff


def post(client, call, team, funding, experience):
    data = {"call": call.slug, "team": team, "funding": funding, "experience": experience}
    return client.post(WEIGHTS, data)


def stored(call):
    weights = Weights.objects.get(call=call)
    return (weights.team, weights.funding, weights.experience)


def test_anonymous_users_are_sent_to_login(client, call):
    response = client.get(WEIGHTS)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "who",
    [lambda: UserFactory(), lambda: CityStaffFactory(), lambda: AdminFactory()],
    ids=["applicant", "city", "admin"],
)
def test_only_provincial_staff_see_or_change_the_weights(client, call, who):
    client.force_login(who())
    assert client.get(WEIGHTS).status_code == 403
    assert post(client, call, 50, 25, 25).status_code == 403
    assert not Weights.objects.filter(call=call, team=50).exists()


def test_page_shows_the_default_weights(client, province, call):
    response = client.get(WEIGHTS, {"call": call.slug})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="team" value="40"' in body and 'name="funding" value="30"' in body
    assert "当前为默认权重，尚未修改。" in body


def test_province_changes_the_weights_and_the_change_is_recorded(client, province, call):
    response = post(client, call, 50, 20, 30)

    assert response.status_code == 302
    assert stored(call) == (50, 20, 30)
    weights = Weights.objects.get(call=call)
    assert weights.updated_by == province and weights.updated_at is not None
    page = client.get(response.url).content.decode()
    assert "评分权重已保存" in page and "最近修改" in page


def test_new_weights_reorder_the_comparison(client, province, call):
    unit = UnitFactory(entry__call=call)
    team_strong = ApplicationFactory(complete=True, call=call, unit=unit, status="sent")
    funding_strong = ApplicationFactory(complete=True, call=call, unit=unit, status="sent")
    Score.objects.create(application=team_strong, team=100, funding=0, experience=0)
    Score.objects.create(application=funding_strong, team=0, funding=100, experience=100)
    compare = f"{reverse('reviews:compare')}?key=u{unit.pk}&call={call.slug}"

    def order():
        return [a.application.pk for a in client.get(compare).context["compared"]]

    assert order() == [funding_strong.pk, team_strong.pk]
    post(client, call, 80, 10, 10)
    assert order() == [team_strong.pk, funding_strong.pk]
    assert "专业团队力量 × 80%" in client.get(compare).content.decode()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((50, 30, 30), "三项权重之和须为100%，现在是110%。"),
        ((40, 30, "abc"), "请输入0至100之间的整数。"),
        ((120, -10, -10), "请输入0至100之间的整数。"),
        ((40, 30, ""), "请填写题库开发经验的权重。"),
        ((40.5, 29.5, 30), "请输入0至100之间的整数。"),
    ],
)
def test_bad_weights_are_refused_in_chinese_keeping_what_was_typed(
    client, province, call, values, message
):
    response = post(client, call, *values)

    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    for value in values:
        assert f'value="{value}"' in body or value == ""
    assert not Weights.objects.filter(call=call).exclude(team=40).exists()
    assert stored(call) == (40, 30, 30)


def test_weights_cannot_change_after_publication(client, province, call):
    Publication.objects.create(call=call, published_by=province)

    page = client.get(WEIGHTS, {"call": call.slug}).content.decode()
    assert "本批次遴选结果已发布，评分权重不能再修改" in page
    assert 'data-testid="weights-form"' not in page

    response = post(client, call, 50, 20, 30)
    assert response.status_code == 200
    assert "本批次遴选结果已发布，评分权重不能再修改" in response.content.decode()
    assert stored(call) == (40, 30, 30)


def test_set_weights_checks_the_role_and_the_total(call):
    with pytest.raises(PermissionDenied):
        set_weights(call, CityStaffFactory(), {"team": 50, "funding": 25, "experience": 25})
    with pytest.raises(ValidationError, match="现在是90%"):
        set_weights(call, ProvinceStaffFactory(), {"team": 30, "funding": 30, "experience": 30})
    assert not Weights.objects.exists()


def test_the_compare_page_and_the_board_link_to_the_weights(client, province, call):
    unit = UnitFactory(entry__call=call)
    ApplicationFactory(complete=True, call=call, unit=unit, status="sent")
    compare = client.get(f"{reverse('reviews:compare')}?key=u{unit.pk}&call={call.slug}")
    assert f"{WEIGHTS}?call={call.slug}" in compare.content.decode()
    assert WEIGHTS in client.get(reverse("reviews:board")).content.decode()
