"""The province's selection board, the comparison of one unit's applicants, and scoring."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from applications.models import Basis, Status
from catalog.models import Entry, Series, Unit
from reviews.board import AT_PROVINCE, Flag, parse_key
from reviews.models import Review, Score, Selection, Weights, unit_key_for
from reviews.scoring import save_score, weighted_total
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

BOARD = reverse("reviews:board")
COMPARE = reverse("reviews:compare")
OUT_OF_RANGE = "请输入0至100之间的整数。"


@pytest.fixture
def province(client):
    staff = ProvinceStaffFactory()
    client.force_login(staff)
    return staff


def applied(call, unit=None, *, status=Status.SENT, recommendation="lead", centre=None, **kw):
    """A complete application in `status` with its centre's recommendation (status set directly)."""
    if centre is not None:
        kw["organisation"] = OrganisationFactory(centre=centre)
    if unit is None:
        kw.setdefault("basis", Basis.STANDARD)
        kw.setdefault("standard_year", 2020)
    app = ApplicationFactory(complete=True, call=call, unit=unit, status=status, **kw)
    if recommendation:
        Review.objects.create(application=app, recommendation=recommendation, reason="团队较强")
    return app


def decide_lead(app):
    return Selection.objects.create(
        application=app,
        call=app.call,
        unit=app.unit,
        unit_key=unit_key_for(app),
        outcome=Selection.Outcome.LEAD,
    )


def flags_of(response) -> dict:
    return {flag.value: count for flag, count, _css in response.context["flags"]}


def rows_by_key(response) -> dict:
    return {row.key: row for row in response.context["rows"]}


def first_units(call, n) -> list[Unit]:
    return list(Unit.objects.filter(entry__call=call).order_by("entry__number", "position")[:n])


def compare_url(key) -> str:
    return f"{COMPARE}?key={key}"


# --- the board ---------------------------------------------------------------------------------


def test_board_lists_all_120_catalog_units_even_without_applicants(client, province, catalog):
    response = client.get(BOARD)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 120
    assert flags_of(response) == {"none": 120, "competing": 0, "pending": 0, "decided": 0}
    body = response.content.decode()
    assert body.count('data-testid="board-row"') == 120
    assert "互联网营销师" in body and "选品员" in body


def test_board_counts_and_flags(client, province, catalog):
    competing, pending, at_centre, decided, drafted = first_units(catalog, 5)
    applied(catalog, competing)
    applied(catalog, competing)
    applied(catalog, competing, recommendation="participant")
    applied(catalog, pending)
    # Recommended as lead but not yet sent: counted as an applicant, not as a candidate.
    applied(catalog, at_centre, status=Status.RECOMMENDED)
    applied(catalog, at_centre, status=Status.RECOMMENDED)
    winner = applied(catalog, decided, status=Status.SELECTED)
    applied(catalog, decided, status=Status.NOT_SELECTED)
    decide_lead(winner)
    applied(catalog, drafted, status=Status.DRAFT, recommendation="")

    response = client.get(BOARD)

    assert flags_of(response) == {"none": 116, "competing": 1, "pending": 2, "decided": 1}
    rows = rows_by_key(response)
    row = rows[f"u{competing.pk}"]
    assert (row.applied, row.sent, row.leads, row.participants, row.flag) == (
        3,
        3,
        2,
        1,
        Flag.COMPETING,
    )
    row = rows[f"u{pending.pk}"]
    assert (row.applied, row.leads, row.flag) == (1, 1, Flag.PENDING)
    row = rows[f"u{at_centre.pk}"]
    assert (row.applied, row.sent, row.leads, row.flag) == (2, 0, 0, Flag.PENDING)
    row = rows[f"u{decided.pk}"]
    assert row.flag == Flag.DECIDED and row.lead_organisation == winner.organisation.name
    assert rows[f"u{drafted.pk}"].flag == Flag.NONE
    assert rows[f"u{drafted.pk}"].applied == 0


def test_a_unit_is_decided_only_when_every_received_applicant_has_its_outcome(
    client, province, catalog
):
    (unit,) = first_units(catalog, 1)
    winner = applied(catalog, unit)
    rival = applied(catalog, unit)
    key = f"u{unit.pk}"
    assert rows_by_key(client.get(BOARD))[key].flag == Flag.COMPETING

    # The lead is chosen but the rival still waits: no longer competing, not yet decided.
    decide_lead(winner)
    response = client.get(BOARD)
    row = rows_by_key(response)[key]
    assert (row.flag, row.undecided) == (Flag.PENDING, 1)
    assert flags_of(response)["pending"] == 1 and flags_of(response)["decided"] == 0

    Selection.objects.create(
        application=rival,
        call=catalog,
        unit=unit,
        unit_key=key,
        outcome=Selection.Outcome.PARTICIPANT,
        reason="参与开发",
    )
    row = rows_by_key(client.get(BOARD))[key]
    assert (row.flag, row.undecided) == (Flag.DECIDED, 0)


def test_a_unit_whose_applicants_were_all_turned_down_is_decided_without_a_lead(
    client, province, catalog
):
    (unit,) = first_units(catalog, 1)
    applied(catalog, unit, status=Status.NOT_SELECTED)
    row = rows_by_key(client.get(BOARD))[f"u{unit.pk}"]
    assert row.flag == Flag.DECIDED and row.lead_organisation == ""


def test_board_filters_by_flag_keeping_the_counts(client, province, catalog):
    unit = first_units(catalog, 1)[0]
    applied(catalog, unit)
    applied(catalog, unit)
    response = client.get(BOARD, {"flag": "competing"})
    assert [row.key for row in response.context["rows"]] == [f"u{unit.pk}"]
    # The counts at the top still describe the whole board, so the other flags stay reachable.
    assert flags_of(response)["none"] == 119
    response = client.get(BOARD, {"flag": "none"})
    assert len(response.context["rows"]) == 119


def test_board_filters_by_series_and_industry(client, province, catalog):
    entry = Entry.objects.filter(call=catalog, series__isnull=False).first()
    series = entry.series
    expected = Unit.objects.filter(entry__call=catalog, entry__series=series).count()
    rows = client.get(BOARD, {"series": series.pk}).context["rows"]
    assert len(rows) == expected > 0
    assert {row.series for row in rows} == {series.name}

    industry = Series.Industry.TERTIARY
    expected = Unit.objects.filter(entry__call=catalog, entry__series__industry=industry).count()
    rows = client.get(BOARD, {"industry": industry}).context["rows"]
    assert len(rows) == expected > 0
    assert {row.industry for row in rows} == {industry.label}


@pytest.mark.parametrize(
    ("tag", "field", "label"),
    [("green", "is_green", "绿色职业"), ("digital", "is_digital", "数字职业")],
)
def test_board_filters_by_tag(client, province, catalog, tag, field, label):
    expected = Unit.objects.filter(entry__call=catalog, **{f"entry__{field}": True}).count()
    rows = client.get(BOARD, {"tag": tag}).context["rows"]
    assert len(rows) == expected > 0
    assert all(label in row.tags for row in rows)


def test_board_filters_by_the_applicants_centre(client, province, catalog):
    hangzhou, ningbo = CentreFactory(code="hangzhou"), CentreFactory(code="ningbo")
    both, only_ningbo = first_units(catalog, 2)
    applied(catalog, both, centre=hangzhou)
    applied(catalog, both, centre=ningbo)
    applied(catalog, only_ningbo, centre=ningbo)
    rows = client.get(BOARD, {"centre": hangzhou.pk}).context["rows"]
    assert [row.key for row in rows] == [f"u{both.pk}"]
    # Competition is province-wide: the row still counts the other city's applicant.
    assert rows[0].applied == 2 and rows[0].flag == Flag.COMPETING
    rows = client.get(BOARD, {"centre": ningbo.pk}).context["rows"]
    assert {row.key for row in rows} == {f"u{both.pk}", f"u{only_ningbo.pk}"}


def test_a_bad_filter_value_falls_back_to_all(client, province, catalog):
    response = client.get(BOARD, {"flag": "nonsense", "series": "x", "tag": "blue"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 120


def test_out_of_catalog_applications_are_grouped_in_rows_of_their_own(client, province, catalog):
    applied(catalog, custom_occupation="碳排放管理员", custom_work_type="")
    # Stray spaces do not split the group (unit_key_for strips them).
    applied(catalog, custom_occupation="碳排放管理员 ", custom_work_type="", recommendation="lead")
    applied(
        catalog,
        custom_occupation="碳排放管理员",
        custom_work_type="",
        status=Status.SUBMITTED,
        recommendation="",
    )
    applied(catalog, custom_occupation="数据标注员", custom_work_type="", status=Status.DRAFT)

    response = client.get(BOARD)

    rows = rows_by_key(response)
    assert len(response.context["rows"]) == 121
    row = rows["c:碳排放管理员|"]
    assert (row.number, row.applied, row.sent, row.leads, row.flag) == (
        None,
        3,
        2,
        2,
        Flag.COMPETING,
    )
    assert "c:数据标注员|" not in rows
    assert "目录外" in response.content.decode()
    # Series, industry and tag belong to catalog entries: those filters leave such rows out.
    series = Series.objects.filter(entries__call=catalog).first()
    assert "c:碳排放管理员|" not in rows_by_key(client.get(BOARD, {"series": series.pk}))


def test_decided_out_of_catalog_row(client, province, catalog):
    app = applied(catalog, custom_occupation="碳排放管理员", custom_work_type="碳核算")
    decide_lead(app)
    row = rows_by_key(client.get(BOARD))["c:碳排放管理员|碳核算"]
    assert row.flag == Flag.DECIDED


def _board_queries(client, catalog, per_unit, django_assert_num_queries, expected):
    for unit in first_units(catalog, 4):
        for _ in range(per_unit):
            applied(catalog, unit)
    applied(catalog, custom_occupation=f"目录外职业{per_unit}", custom_work_type="")
    with django_assert_num_queries(expected):
        response = client.get(BOARD, {"industry": 2, "tag": "digital", "flag": "pending"})
    assert response.status_code == 200


# session, user, call, series choices, centre choices, decided leads, counts per unit, units,
# out-of-catalog groups, and the user's centre for the page header.
BOARD_QUERIES = 10


# Filtered by series, industry or tag: out-of-catalog groups are not queried.
BOARD_QUERIES_FILTERED = 9


@pytest.mark.parametrize("per_unit", [1, 3])
def test_board_query_count_does_not_grow_with_applications(
    client, province, catalog, per_unit, django_assert_num_queries
):
    _board_queries(client, catalog, per_unit, django_assert_num_queries, BOARD_QUERIES_FILTERED)


@pytest.mark.parametrize("per_unit", [1, 3])
def test_board_query_count_unfiltered(
    client, province, catalog, per_unit, django_assert_num_queries
):
    hangzhou = CentreFactory(code="hangzhou")
    for unit in first_units(catalog, 4):
        for _ in range(per_unit):
            applied(catalog, unit, centre=hangzhou)
        applied(catalog, custom_occupation=f"目录外职业{unit.pk}", custom_work_type="")
    decide_lead(applied(catalog, first_units(catalog, 5)[-1]))
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(BOARD)
    assert len(response.context["rows"]) == 124
    with django_assert_num_queries(BOARD_QUERIES):
        client.get(BOARD, {"centre": hangzhou.pk})


def test_board_without_any_call(client, province):
    response = client.get(BOARD)
    assert response.status_code == 200
    assert "暂无征集批次" in response.content.decode()


# --- access ------------------------------------------------------------------------------------


@pytest.fixture
def sent_app(db):
    unit = UnitFactory()
    return applied(unit.entry.call, unit)


@pytest.mark.parametrize(
    "who",
    [
        lambda: CityStaffFactory(),
        lambda: UserFactory(),
        # Administrators manage data; selecting is the provincial centre's.
        lambda: AdminFactory(),
    ],
    ids=["city", "applicant", "admin"],
)
def test_only_provincial_staff_reach_the_selection_pages(client, sent_app, who):
    client.force_login(who())
    key = unit_key_for(sent_app)
    assert client.get(BOARD).status_code == 403
    assert client.get(compare_url(key)).status_code == 403
    assert client.get(BOARD, {"part": "summary"}).status_code == 403
    response = client.post(reverse("reviews:score", args=[sent_app.pk]), {"team": 90})
    assert response.status_code == 403
    assert not Score.objects.exists()


def test_city_staff_of_the_applicants_own_centre_cannot_score_either(client, sent_app):
    client.force_login(CityStaffFactory(centre=sent_app.organisation.centre))
    response = client.post(reverse("reviews:score", args=[sent_app.pk]), {"team": 90})
    assert response.status_code == 403
    assert client.get(compare_url(unit_key_for(sent_app))).status_code == 403


def test_anonymous_users_are_sent_to_login(client, sent_app):
    for url in (BOARD, compare_url(unit_key_for(sent_app))):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    response = client.post(reverse("reviews:score", args=[sent_app.pk]), {"team": 90})
    assert response.status_code == 302 and not Score.objects.exists()


# --- the comparison ----------------------------------------------------------------------------


@pytest.fixture
def contest(db):
    """One unit with two sent applicants, one still at its centre, a draft, and another unit's."""
    call = CallFactory()
    unit = UnitFactory(entry__call=call, entry__occupation="电子商务师", name="跨境电商")
    first = applied(call, unit, statement_guarantee="设立专项经费200万元。")
    second = applied(call, unit, recommendation="participant", exp_national_bank=True)
    ExpertFactory(application=second, title="教授", qualification_level="")
    at_centre = applied(call, unit, status=Status.VERIFIED, recommendation="")
    draft = applied(call, unit, status=Status.DRAFT, recommendation="")
    other = applied(call, UnitFactory(entry__call=call))
    return SimpleNamespace(
        call=call,
        unit=unit,
        key=f"u{unit.pk}",
        first=first,
        second=second,
        at_centre=at_centre,
        draft=draft,
        other=other,
    )


def score(app, team, funding, experience):
    return Score.objects.create(application=app, team=team, funding=funding, experience=experience)


def compared_pks(response) -> list[int]:
    return [a.application.pk for a in response.context["compared"]]


def test_compare_shows_the_units_applicants_that_reached_the_province(client, province, contest):
    response = client.get(compare_url(contest.key))
    assert response.status_code == 200
    assert set(compared_pks(response)) == {contest.first.pk, contest.second.pk}
    assert [a.application.pk for a in response.context["elsewhere"]] == [contest.at_centre.pk]
    body = response.content.decode()
    assert "电子商务师（跨境电商）" in body
    assert contest.first.organisation.name in body
    assert contest.at_centre.organisation.name in body
    assert contest.draft.organisation.name not in body
    assert contest.other.organisation.name not in body
    assert "设立专项经费200万元。" in body
    assert "团队较强" in body and "推荐为牵头单位" in body and "推荐为参与单位" in body
    assert "教授" in body and "高级技师（一级）" in body
    assert reverse("applications:detail", args=[contest.first.pk]) in body
    assert reverse("reviews:score", args=[contest.first.pk]) in body
    assert reverse("reviews:decide", args=[contest.first.pk]) in body
    # The one still at its centre is listed, not scored or decided.
    assert reverse("reviews:score", args=[contest.at_centre.pk]) not in body


def test_compare_links_the_latest_pdf(client, province, contest):
    from django.utils import timezone

    from applications.snapshot import take_snapshot
    from documents.models import Document

    docs = [
        Document.objects.create(
            kind=Document.Kind.APPLICATION_PDF,
            application=contest.first,
            snapshot=take_snapshot(contest.first, timezone.now()),
            state=Document.State.DONE,
        )
        for _ in range(2)
    ]
    response = client.get(compare_url(contest.key))
    column = next(a for a in response.context["compared"] if a.application == contest.first)
    assert column.pdf == docs[1]
    body = response.content.decode()
    assert reverse("documents:download", args=[docs[1].pk]) in body
    assert reverse("documents:download", args=[docs[0].pk]) not in body


def test_compare_sorts_by_weighted_total_unscored_last(client, province, contest):
    third = applied(contest.call, contest.unit)
    score(contest.first, 60, 60, 60)
    score(contest.second, 90, 80, 70)
    # Partly scored counts as unscored: no total until all three criteria have a score.
    Score.objects.create(application=third, team=100)
    response = client.get(compare_url(contest.key))
    assert compared_pks(response) == [contest.second.pk, contest.first.pk, third.pk]
    totals = [a.total for a in response.context["compared"]]
    assert totals == [Decimal("81.00"), Decimal("60.00"), None]
    assert [a.rank for a in response.context["compared"]] == [1, 2, None]


def test_unscored_applicants_follow_their_centres_recommendation(client, province, contest):
    # Named to come first alphabetically: the recommendation must outrank the name.
    refused = applied(
        contest.call, contest.unit, recommendation="none", organisation__name="一号不推荐单位"
    )
    order = compared_pks(client.get(compare_url(contest.key)))
    # No scores yet: recommended as lead, then as participant, then not recommended.
    assert order == [contest.first.pk, contest.second.pk, refused.pk]


def test_compare_creates_the_default_weights(client, province, contest):
    assert not Weights.objects.exists()
    response = client.get(compare_url(contest.key))
    weights = Weights.objects.get(call=contest.call)
    assert (weights.team, weights.funding, weights.experience) == (40, 30, 30)
    assert "专业团队力量 × 40%" in response.content.decode()


def test_weights_change_the_order(client, province, contest):
    score(contest.first, 100, 0, 0)
    score(contest.second, 0, 100, 100)
    assert compared_pks(client.get(compare_url(contest.key))) == [
        contest.second.pk,
        contest.first.pk,
    ]
    Weights.objects.filter(call=contest.call).update(team=100, funding=0, experience=0)
    assert compared_pks(client.get(compare_url(contest.key))) == [
        contest.first.pk,
        contest.second.pk,
    ]


def test_compare_of_an_out_of_catalog_occupation(client, province, catalog):
    a = applied(catalog, custom_occupation="碳排放管理员", custom_work_type="")
    b = applied(catalog, custom_occupation=" 碳排放管理员", custom_work_type="")
    applied(catalog, custom_occupation="数据标注员", custom_work_type="")
    response = client.get(COMPARE, {"key": "c:碳排放管理员|"})
    assert response.status_code == 200
    assert set(compared_pks(response)) == {a.pk, b.pk}


@pytest.mark.parametrize("key", ["", "x1", "u999999", "c:|"])
def test_compare_with_an_unknown_key_is_404(client, province, contest, key):
    assert client.get(COMPARE, {"key": key}).status_code == 404


def test_compare_without_applicants_at_the_province(client, province, catalog):
    unit = first_units(catalog, 1)[0]
    applied(catalog, unit, status=Status.SUBMITTED, recommendation="")
    response = client.get(compare_url(f"u{unit.pk}"))
    assert response.status_code == 200
    assert "尚无报送省中心的申报单位" in response.content.decode()


# session, user, call, unit, weights, the ranking of applications, then for the page shown:
# whole rows, experts, PDFs; and the user's centre for the page header.
COMPARE_QUERIES = 10


@pytest.mark.parametrize("n", [1, 3])
def test_compare_query_count_does_not_grow_with_applicants(
    client, province, n, django_assert_num_queries
):
    unit = UnitFactory()
    for i in range(n):
        app = applied(unit.entry.call, unit)
        ExpertFactory(application=app)
        score(app, 50 + i, 60, 70)
        if i == 0:
            decide_lead(app)
    applied(unit.entry.call, unit, status=Status.SUBMITTED, recommendation="")
    url = compare_url(f"u{unit.pk}")
    client.get(url)
    with django_assert_num_queries(COMPARE_QUERIES):
        response = client.get(url)
    assert len(response.context["compared"]) == n


# --- scoring -----------------------------------------------------------------------------------


def score_url(app):
    return reverse("reviews:score", args=[app.pk])


def test_scoring_saves_and_returns_to_the_comparison(client, province, contest):
    response = client.post(
        score_url(contest.first),
        {"team": "85", "funding": "70", "experience": "90", "notes": "专家团队结构合理"},
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#applicant-{contest.first.pk}")
    assert f"key={contest.key}" in response.url
    saved = Score.objects.get(application=contest.first)
    assert (saved.team, saved.funding, saved.experience) == (85, 70, 90)
    assert saved.notes == "专家团队结构合理" and saved.scored_by == province
    # Scoring again updates the one row.
    client.post(score_url(contest.first), {"team": "80", "funding": "70", "experience": "90"})
    assert Score.objects.get(application=contest.first).team == 80
    assert Score.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"), [("team", "101"), ("funding", "-1"), ("experience", "abc")]
)
def test_scoring_rejects_out_of_range_values_in_chinese(client, province, contest, field, value):
    data = {"team": "80", "funding": "70", "experience": "90", "notes": "待复核"}
    data[field] = value
    response = client.post(score_url(contest.first), data)
    assert response.status_code == 200
    assert not Score.objects.exists()
    form = next(
        a.score_form for a in response.context["compared"] if a.application == contest.first
    )
    assert form.errors[field] == [OUT_OF_RANGE]
    body = response.content.decode()
    assert OUT_OF_RANGE in body
    assert 'data-testid="score-unsaved"' in body
    # Nothing typed is lost: the bad value and the rest come back in the form.
    assert "待复核" in body
    for name in ("team", "funding", "experience"):
        assert f'name="{name}" value="{data[name]}"' in body


def test_scoring_an_application_still_at_its_centre_is_refused(client, province, contest):
    response = client.post(score_url(contest.at_centre), {"team": "80"}, follow=True)
    assert response.status_code == 200
    assert "尚未报送省中心" in response.content.decode()
    assert not Score.objects.exists()


def test_save_score_validates_itself(contest):
    staff = ProvinceStaffFactory()
    with pytest.raises(ValidationError) as exc:
        save_score(contest.first, staff, {"team": 101, "funding": -1, "experience": "abc"})
    assert exc.value.message_dict == {
        "team": [OUT_OF_RANGE],
        "funding": [OUT_OF_RANGE],
        "experience": [OUT_OF_RANGE],
    }
    with pytest.raises(PermissionDenied):
        save_score(contest.first, CityStaffFactory(), {"team": 50})
    with pytest.raises(ValidationError):
        save_score(contest.at_centre, staff, {"team": 50})
    saved = save_score(contest.first, staff, {"team": "100", "funding": 0, "experience": None})
    assert (saved.team, saved.funding, saved.experience, saved.scored_by) == (100, 0, None, staff)
    assert saved.scored_at is not None


def test_weighted_total():
    weights = SimpleNamespace(team=40, funding=30, experience=30)
    full = SimpleNamespace(team=90, funding=80, experience=75)
    assert weighted_total(full, weights) == Decimal("82.50")
    assert weighted_total(SimpleNamespace(team=90, funding=None, experience=75), weights) is None
    assert weighted_total(None, weights) is None
    # Weights that do not add up to 100 still give a score out of 100.
    assert weighted_total(full, SimpleNamespace(team=1, funding=1, experience=1)) == Decimal(
        "81.67"
    )
    assert weighted_total(full, SimpleNamespace(team=0, funding=0, experience=0)) is None


def test_parse_key_round_trips_unit_key_for():
    assert parse_key("u12").unit_id == 12
    key = parse_key("c: 碳排放管理员 |碳核算")
    assert (key.unit_id, key.occupation, key.work_type, key.raw) == (
        None,
        "碳排放管理员",
        "碳核算",
        "c:碳排放管理员|碳核算",
    )
    assert parse_key("u") is None and parse_key("c:abc") is None


def test_at_province_statuses():
    assert set(AT_PROVINCE) == {Status.SENT, Status.SELECTED, Status.NOT_SELECTED}


# --- the province's dashboard ------------------------------------------------------------------


def test_province_dashboard_links_the_selection_pages(client, province, catalog):
    body = client.get(reverse("accounts:dashboard")).content.decode()
    for name in ("reviews:board", "reviews:batch_list", "reviews:charts", "reviews:publish"):
        assert reverse(name) in body
    assert f"{BOARD}?part=summary" in body


def test_board_summary_for_the_dashboard(client, province, catalog):
    unit = first_units(catalog, 1)[0]
    applied(catalog, unit)
    applied(catalog, unit)
    applied(catalog, custom_occupation="碳排放管理员", custom_work_type="")
    response = client.get(BOARD, {"part": "summary"})
    summary = response.context["summary"]
    assert (summary.catalog_units, summary.custom_units, summary.applied, summary.sent) == (
        120,
        1,
        3,
        3,
    )
    assert {flag.value: n for flag, n, _ in summary.flags} == {
        "none": 119,
        "competing": 1,
        "pending": 1,
        "decided": 0,
    }
    assert 'data-testid="summary-competing"' in response.content.decode()


def test_compare_after_publication_shows_the_results_without_more_queries(
    client, province, contest, django_assert_num_queries
):
    from reviews.models import Publication

    decide_lead(contest.first)
    Publication.objects.create(call=contest.call, published_by=province)
    client.get(compare_url(contest.key))
    with django_assert_num_queries(COMPARE_QUERIES):
        response = client.get(compare_url(contest.key))
    body = response.content.decode()
    assert "结果已发布" in body
    assert reverse("reviews:decide", args=[contest.first.pk]) not in body


def test_the_decision_form_returns_to_the_applicants_column(client, province, contest):
    body = client.get(compare_url(contest.key)).content.decode()
    back = f"key={contest.key}&amp;call={contest.call.slug}#applicant-{contest.first.pk}"
    assert f'name="next" value="{reverse("reviews:compare")}?{back}"' in body


def test_admin_dashboard_does_not_offer_the_selection_pages(client, catalog):
    client.force_login(AdminFactory())
    body = client.get(reverse("accounts:dashboard")).content.decode()
    assert "全省总览" in body
    assert f"{BOARD}?part=summary" not in body and reverse("reviews:publish") not in body


def test_dashboard_fragments_stay_fragments_without_any_call(client, province):
    response = client.get(BOARD, {"part": "summary"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and "暂无征集批次" in body
    client.force_login(CityStaffFactory())
    response = client.get(
        reverse("reviews:queue"), {"part": "counts"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
