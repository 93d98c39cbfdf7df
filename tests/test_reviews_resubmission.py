"""The review page of a resubmitted application: its version and what the centre asked last."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from applications.models import Status
from applications.workflow import set_state
from documents.services import request_application_pdf
from tests.factories import ApplicationFactory, CityStaffFactory, UserFactory

pytestmark = pytest.mark.django_db

INSIDE_DEADLINE = dt.datetime(2023, 6, 20, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def inside_deadline():
    with time_machine.travel(INSIDE_DEADLINE):
        yield


@pytest.fixture
def app():
    app = ApplicationFactory(complete=True)
    app.member = UserFactory(organisation=app.organisation)
    app.staff = CityStaffFactory(centre=app.organisation.centre)
    set_state(app, Status.SUBMITTED, app.member)
    return app


def submit_again(app, comment):
    """The centre returns the application with `comment`; the applicant submits it again."""
    set_state(app, Status.RETURNED, app.staff, comment)
    set_state(app, Status.SUBMITTED, app.member)


def page(client, app) -> str:
    # The PDF of each version is asked for after the commit, which a test never reaches.
    for snapshot in app.snapshots.all():
        request_application_pdf(snapshot)
    client.force_login(app.staff)
    return client.get(reverse("reviews:review", args=[app.pk])).content.decode()


def test_first_submission_is_not_marked(client, app):
    html = page(client, app)
    assert "重新提交" not in html and "上次退回意见" not in html


def test_resubmission_shows_its_version_and_the_return_it_answers(client, app):
    submit_again(app, "请补充专家证书。")
    submit_again(app, "请核对负责人出生年月。")
    html = page(client, app)
    assert 'data-testid="resubmission">重新提交（第3版）<' in html
    box = html.split('data-testid="previous-return"')[1].split('data-testid="review-actions"')[0]
    assert "上次退回意见" in box and "请核对负责人出生年月。" in box
    assert "请补充专家证书。" not in box


def test_returned_again_is_not_called_a_resubmission(client, app):
    submit_again(app, "请补充专家证书。")
    set_state(app, Status.RETURNED, app.staff, "请核对负责人出生年月。")
    html = page(client, app)
    assert "重新提交（" not in html and "上次退回意见" not in html
    # The actions block repeats the return the applicant is working on.
    assert 'data-testid="last-return"' in html


def test_resubmission_costs_no_extra_query(client, app, django_assert_num_queries):
    submit_again(app, "请补充专家证书。")
    for snapshot in app.snapshots.all():
        request_application_pdf(snapshot)
    client.force_login(app.staff)
    # As tests/test_reviews_review.py counts the page of a first submission.
    with django_assert_num_queries(14):
        response = client.get(reverse("reviews:review", args=[app.pk]))
    assert response.context["resubmission"] == 2
