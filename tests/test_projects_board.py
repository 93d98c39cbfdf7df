"""The province's board of all projects: flags, filters, money, chart data, Excel export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from documents.models import Document
from documents.services import build
from projects import services
from tests.factories import (
    CentreFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    SeriesFactory,
    UserFactory,
)
from tests.test_projects_milestones import first, make_project


@pytest.fixture
def province(db):
    return ProvinceStaffFactory()


@pytest.fixture
def two(db):
    with time_machine.travel(dt.datetime(2023, 10, 9, 2, tzinfo=dt.UTC)):
        hz = CentreFactory(code="hz", region="杭州")
        a = make_project(lead_centre=hz)
        b = make_project(call=a.call)
    return a, b


def board(client, call, **params):
    return client.get(reverse("projects:board"), {"call": call.slug, **params})


@pytest.mark.parametrize("factory", [CityStaffFactory, UserFactory])
def test_board_is_the_provinces(two, client, factory):
    assert board(client, two[0].call).status_code == 302
    client.force_login(factory())
    assert board(client, two[0].call).status_code == 403


def test_board_flags_overdue_and_awaiting_and_money(two, province, client):
    a, b = two
    lead = UserFactory(organisation=a.lead.organisation)
    services.set_milestone_state(first(a), "reported", lead, "完成")
    client.force_login(province)
    due = first(b).step.due_on
    with time_machine.travel(
        dt.datetime.combine(due + dt.timedelta(days=1), dt.time(2), tzinfo=dt.UTC)
    ):
        page = board(client, a.call).content.decode()
    assert page.count('data-testid="awaiting"') == 1
    # a's first milestone is reported (awaiting the province), still open past its date: both flagged.
    assert page.count('data-testid="overdue"') == 2
    services.set_milestone_state(first(a), "accepted", province)
    services.record_payment(a, province, dt.date(2023, 11, 1), Decimal("20"))
    response = board(client, a.call)
    assert response.context["totals"]["paid"] == Decimal("20")
    assert response.context["chart"]["accepted"][0] == 1


def test_board_filters_by_city_series_and_industry(two, province, client):
    a, b = two
    series = SeriesFactory(industry=3)
    entry = b.lead.unit.entry
    entry.series = series
    entry.save()
    client.force_login(province)
    assert len(board(client, a.call, city="hz").context["rows"]) == 1
    rows = board(client, a.call, series=series.number).context["rows"]
    assert [r["project"] for r in rows] == [b]
    assert len(board(client, a.call, industry=3).context["rows"]) == 1
    assert len(board(client, a.call, industry="x", series="';--").context["rows"]) == 2


def test_board_queries_do_not_grow(province, client, django_assert_num_queries):
    client.force_login(province)
    p = make_project()
    # The first page of a process caches the current call's lookup; measure warm pages.
    board(client, p.call)
    with django_assert_num_queries(11):
        board(client, p.call)
    make_project(call=p.call), make_project(call=p.call)
    with django_assert_num_queries(11):
        response = board(client, p.call)
    assert response.content.decode().count('data-testid="board-row"') == 3


def test_export_is_a_workbook_of_text_cells(two, province, client):
    from openpyxl import load_workbook

    a, _ = two
    org = a.lead.organisation
    org.name = '=HYPERLINK("http://x")'
    org.save()
    client.force_login(province)
    response = client.post(reverse("projects:board_export"), {"call": a.call.slug, "city": "hz"})
    assert response.status_code == 302
    doc = build(Document.objects.get(kind=Document.Kind.PROJECTS_XLSX).pk)
    assert doc.state == Document.State.DONE, doc.error
    with doc.file.open("rb") as fh:
        ws = load_workbook(io.BytesIO(fh.read())).active
    assert ws.max_row == 2
    assert ws["C2"].value == org.name and ws["C2"].data_type == "s"


def test_export_is_the_provinces(two, client):
    client.force_login(CityStaffFactory())
    assert (
        client.post(reverse("projects:board_export"), {"call": two[0].call.slug}).status_code == 403
    )
