"""The comparison page on a phone: each applicant reads as one card, its rows stacked in order."""

import pytest
from django.urls import reverse

from .test_reviews_selection_browser import contested_live, log_in  # noqa: F401


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    yield context.new_page()
    context.close()


def test_compare_page_stacks_applicants_as_cards_on_a_phone(live_server, phone, contested_live):  # noqa: F811
    winner, other = contested_live["winner"], contested_live["other"]
    log_in(phone, live_server.url, "province@example.com")
    phone.goto(f"{live_server.url}{reverse('reviews:compare')}?key=u{winner.unit_id}")

    def top(selector):
        return phone.locator(selector).first.bounding_box()["y"]

    first = phone.locator('th[data-col="1"]').inner_text()
    second_col = "2"
    # Card 1: the applicant's name, then its rows; card 2 starts below the whole of card 1.
    assert top('th[data-col="1"]') < top('td[data-col="1"][data-label="评价中心意见"]')
    assert top('td[data-col="1"][data-label="确定结果"]') < top(f'th[data-col="{second_col}"]')
    assert top(f'th[data-col="{second_col}"]') < top('td[data-col="2"][data-label="综合得分"]')
    assert winner.organisation.name in first or other.organisation.name in first
    # Nothing scrolls sideways: the page is no wider than the phone.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    # Each cell says which row it is.
    label = phone.evaluate(
        "getComputedStyle(document.querySelector('td[data-label=\"评价中心意见\"]'), '::before').content"
    )
    assert "评价中心意见" in label
