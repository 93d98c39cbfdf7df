"""The 版本变化 page in a browser: changed sections open, unchanged ones folded away."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from applications.models import Status
from applications.workflow import set_state

from .factories import ApplicationFactory, CityStaffFactory, UserFactory
from .test_reviews_selection_browser import log_in


@pytest.fixture
def resubmitted(transactional_db):
    app = ApplicationFactory(complete=True, call__deadline="2099-12-31")
    member = UserFactory(organisation=app.organisation)
    staff = CityStaffFactory(centre=app.organisation.centre, email="city@example.com")
    set_state(app, Status.SUBMITTED, member)
    set_state(app, Status.RETURNED, staff, "请修改负责人职称")
    app.leader_title = "正高级工程师"
    app.save()
    set_state(app, Status.SUBMITTED, member)
    return app


def test_unchanged_sections_are_folded(live_server, page, resubmitted):
    log_in(page, live_server.url, "city@example.com")
    page.goto(f"{live_server.url}{reverse('applications:changes', args=[resubmitted.pk])}")
    expect(page.get_by_test_id("diff-heading")).to_have_text("第1版 → 第2版：1 处变化")
    changed = page.get_by_test_id("field-change")
    expect(changed).to_have_count(1)
    expect(changed).to_be_visible()
    expect(changed).to_contain_text("正高级工程师")
    # 一、基本信息 did not change: folded, its note hidden until opened.
    basic = page.get_by_test_id("section-basic")
    note = basic.get_by_text("与第1版相同")
    expect(note).to_be_hidden()
    basic.locator("summary").click()
    expect(note).to_be_visible()
