"""Every list page runs the same number of queries with 1 and with 3 rows (issue 12).

Each row is one applicant unit with three applications of the call: one submitted (the queues
and the batch form), one recommended (the 附件3 rows) and one sent to the province for the same
contested unit (the board, comparison and publish pages). Applications are made by the
factory in the state named, as the bench seeds them; set_state has its own tests.
"""

import datetime as dt

import pytest
import time_machine

from accounts.models import Centre
from applications.models import Snapshot, Status
from reviews.models import Batch, Recommendation, Review

from .factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    EntryFactory,
    ExpertFactory,
    OrganisationFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

# Inside the call's deadline (2023-06-23): the batch form is open.
INSIDE_DEADLINE = dt.datetime(2023, 6, 1, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def inside_deadline():
    with time_machine.travel(INSIDE_DEADLINE, tick=False):
        yield


class World:
    def __init__(self, rows: int):
        self.call = CallFactory(slug="2023-2024")
        self.city = CentreFactory(code="hangzhou", region="杭州", name="杭州市中心")
        self.province_user = ProvinceStaffFactory()
        self.province = Centre.objects.get(kind=Centre.Kind.PROVINCE)
        self.city_user = CityStaffFactory(centre=self.city)
        entry = EntryFactory(call=self.call)
        self.contested = UnitFactory(entry=entry, name="工种甲")
        others = [UnitFactory(entry=entry, name="工种乙"), UnitFactory(entry=entry, name="工种丙")]
        self.applicant = None
        for n in range(rows):
            # Units reporting to the city, and as many reporting to the province directly.
            for centre in (self.city, self.province):
                org = OrganisationFactory(centre=centre)
                user = UserFactory(organisation=org)
                self.applicant = self.applicant or user
                self._apps(org, others, n)
        for centre in (self.city, self.province):
            Batch.objects.create(call=self.call, centre=centre)

    def _apps(self, org, others, n):
        for unit, status, recommendation in (
            (others[0], Status.SUBMITTED, ""),
            (others[1], Status.RECOMMENDED, Recommendation.LEAD),
            (self.contested, Status.SENT, Recommendation.LEAD),
        ):
            app = ApplicationFactory(
                call=self.call,
                organisation=org,
                unit=unit,
                status=status,
                submitted_at=INSIDE_DEADLINE,
            )
            ExpertFactory.create_batch(2, application=app)
            Review.objects.create(
                application=app,
                recommendation=recommendation,
                left_out=n == 1 and not recommendation,
            )


PAGES = {
    "catalog": (None, "/catalog/", {}),
    "applicant_dashboard": ("applicant", "/accounts/dashboard/", {}),
    "city_dashboard": ("city", "/accounts/dashboard/", {}),
    "province_dashboard": ("province", "/accounts/dashboard/", {}),
    "city_queue": ("city", "/review/", {}),
    "city_queue_counts": ("city", "/review/?part=counts", {"HX-Request": "true"}),
    "province_queue": ("province", "/review/", {}),
    "board": ("province", "/review/board/", {}),
    "board_summary": ("province", "/review/board/?part=summary", {"HX-Request": "true"}),
    "compare": ("province", "/review/board/compare/?key=u{contested}", {}),
    "charts": ("province", "/review/charts/", {}),
    "publish": ("province", "/review/publish/", {}),
    "city_batch": ("city", "/review/batch/", {}),
    "province_batch_list": ("province", "/review/batches/", {}),
}
# The literal count of each page, the same at 1 and at 3 rows.
# The dashboards read the centre's own deadline and the batch page the decided applications
# still lacking paper (issue 14): one query each, and the batch page counts them (one more).
EXPECTED = {
    "catalog": 5,
    "applicant_dashboard": 11,
    "city_dashboard": 8,
    "province_dashboard": 9,
    "city_queue": 8,
    "city_queue_counts": 4,
    "province_queue": 8,
    "board": 10,
    "board_summary": 7,
    "compare": 10,
    "charts": 9,
    "publish": 12,
    "city_batch": 14,
    "province_batch_list": 11,
}


def _get(client, world, page):
    role, path, headers = PAGES[page]
    user = {
        None: None,
        "applicant": world.applicant,
        "city": world.city_user,
        "province": world.province_user,
    }[role]
    if user is not None:
        client.force_login(user)
    path = path.format(contested=world.contested.pk)
    # Once to warm what is cached per process (content types, the session), then counted.
    assert client.get(path, headers=headers).status_code == 200
    return path, headers


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("page", list(PAGES))
def test_list_page_queries_do_not_grow_with_rows(client, db, django_assert_num_queries, page, rows):
    world = World(rows)
    path, headers = _get(client, world, page)
    with django_assert_num_queries(EXPECTED[page]):
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    # The rows are on the page: a count that stayed flat because nothing was listed proves nothing.
    shown = {
        "city_queue": 'data-testid="queue-row"',
        "compare": 'data-testid="applicant"',
        "publish": 'data-testid="undecided-row"',
        "city_batch": 'data-testid="undecided-row"',
    }.get(page)
    if shown:
        assert response.content.decode().count(shown) >= rows


# --- long lists are paged or capped, with the whole count said ---------------------------------


def _many(world, n, status, unit, centre=None):
    """n more applications in one state, each from a new unit of the centre (bulk, no experts)."""
    centre = centre or world.city
    orgs = OrganisationFactory.create_batch(n, centre=centre)
    return [
        ApplicationFactory(
            call=world.call,
            organisation=org,
            unit=unit,
            status=status,
            submitted_at=INSIDE_DEADLINE,
        )
        for org in orgs
    ]


def test_publish_page_lists_the_first_50_undecided_and_counts_all(client, db):
    world = World(1)
    _many(world, 50, Status.SENT, world.contested)
    client.force_login(world.province_user)
    page = client.get("/review/publish/").content.decode()
    # 2 from the world (city and province) and 50 more.
    assert page.count('data-testid="undecided-row"') == 50
    assert "以下 52 份已报送省中心的申报书尚未确定遴选结果" in page and "此处列出前 50 份" in page


def test_compare_page_shows_ten_applicants_a_page(client, db):
    world = World(1)
    _many(world, 9, Status.SENT, world.contested)
    client.force_login(world.province_user)
    url = f"/review/board/compare/?key=u{world.contested.pk}"
    first = client.get(url).content.decode()
    assert first.count('data-testid="applicant"') == 10 and "11</strong> 家" in first
    second = client.get(url + "&page=2").content.decode()
    assert second.count('data-testid="applicant"') == 1


def test_batch_form_is_paged_and_saves_the_page_posted(client, db):
    world = World(1)
    extra = _many(world, 50, Status.SUBMITTED, world.contested)
    client.force_login(world.city_user)
    first = client.get("/review/batch/").content.decode()
    assert first.count('data-testid="undecided-row"') == 50 and "共 51 份" in first
    last = extra[-1]
    assert client.get("/review/batch/?page=2").content.decode().count("undecided-row") == 1
    response = client.post(
        "/review/batch/",
        {
            "call": world.call.slug,
            "page": 2,
            "contact_person": "张老师",
            "contact_phone": "0571-88888888",
            f"leave_out_{last.pk}": "on",
            f"reason_{last.pk}": "材料不全",
        },
    )
    assert response.status_code == 302 and response.url.endswith("page=2")
    assert Review.objects.get(application=last).left_out


def test_dashboard_organisations_are_paged(client, db):
    world = World(1)
    OrganisationFactory.create_batch(50, centre=world.city)
    client.force_login(world.city_user)
    page = client.get("/accounts/dashboard/").content.decode()
    assert "共 51 家单位" in page and 'data-testid="organisation-pages"' in page


def test_batch_page_lists_20_applications_lacking_paper_and_counts_the_rest(client, db):
    world = World(1)
    # The world's recommended one, and 22 more: none has its paper copy yet.
    _many(world, 22, Status.RECOMMENDED, world.contested)
    client.force_login(world.city_user)
    page = client.get("/review/batch/").content.decode()
    gaps = page.split('data-testid="paper-gaps"')[1].split("</ul>")[0]
    assert gaps.count("<li>") == 20 and "缺申报单位盖章页、纸质材料登记、第五部分盖章页" in gaps
    assert "共 23 份，列出前 20 份" in page and "另有 3 份未列出" in page


def test_batch_page_leaves_out_applications_whose_paper_is_complete(client, db):
    world = World(1)
    (done,) = _many(world, 1, Status.RECOMMENDED, world.contested)
    Snapshot.objects.create(application=done, number=1, data={})
    done.stamped_version, done.paper_received_on = 1, INSIDE_DEADLINE.date()
    done.section_five_stamped_at = INSIDE_DEADLINE
    done.save()
    client.force_login(world.city_user)
    page = client.get("/review/batch/").content.decode()
    gaps = page.split('data-testid="paper-gaps"')[1].split("</ul>")[0]
    assert gaps.count("<li>") == 1 and done.reference not in gaps
    assert 'data-testid="paper-gaps-more"' not in page
