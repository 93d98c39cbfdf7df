"""Issue 13's one voice and feedback, page by page: words, dates, countdowns, comments, outcomes."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.centres import load_centres
from accounts.models import Centre
from applications.models import Status
from applications.templatetags.applications_tags import countdown, cover_fit
from applications.workflow import set_state
from reviews import selection as sel
from reviews.batch import send_batch
from reviews.models import Batch, Recommendation
from reviews.services import return_for_revision
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CentreFactory,
    CityStaffFactory,
    ProvinceStaffFactory,
    UserFactory,
)
from tests.test_reviews_batch import decide as centre_decides
from tests.test_reviews_selection import decide_all

pytestmark = pytest.mark.django_db

OFFICIAL = ["杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水"]


def test_countdown_counts_whole_days_and_says_when_it_is_today_or_over():
    today = timezone.localdate()
    assert "还剩 3 天" in countdown(today + dt.timedelta(days=3))
    assert "今天24时截止" in countdown(today)
    assert "已截止" in countdown(today - dt.timedelta(days=1))
    assert countdown(None) == ""


def test_centres_are_listed_in_the_official_order_whatever_their_position_or_code():
    load_centres()
    # An administrator's edits scramble the positions; the official order still holds.
    for index, centre in enumerate(Centre.objects.order_by("-code")):
        Centre.objects.filter(pk=centre.pk).update(position=index)
    regions = list(Centre.objects.official_order().values_list("region", flat=True))
    assert regions == ["省级", *OFFICIAL]


def test_registration_offers_centres_in_the_official_order(client):
    load_centres()
    Centre.objects.update(position=0)
    page = client.get(reverse("accounts:register")).content.decode()
    found = [page.index(f">{region}市技能评价") for region in OFFICIAL]
    assert found == sorted(found)


def test_password_reset_says_dian_zi_you_xiang(client):
    page = client.get(reverse("accounts:password_reset")).content.decode()
    assert "电子邮箱" in page and "电子邮件" not in page


def test_dates_and_times_use_the_one_format(client):
    app = ApplicationFactory(complete=True)
    member = UserFactory(organisation=app.organisation)
    client.force_login(member)
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    local = timezone.localtime(app.updated_at)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in page
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", page)


def test_home_page_deadline_ends_at_24h_beijing_time_with_a_countdown(client):
    CallFactory(is_open=True, deadline=timezone.localdate() + dt.timedelta(days=10))
    page = client.get(reverse("home")).content.decode()
    assert "24时（北京时间）" in page
    assert "还剩 10 天" in page


def test_the_dashboard_shows_the_centres_return_comment():
    from django.test import Client

    centre = CentreFactory()
    app = ApplicationFactory(
        complete=True,
        organisation__centre=centre,
        call__deadline=timezone.localdate() + dt.timedelta(days=10),
    )
    member = UserFactory(organisation=app.organisation)
    set_state(app, Status.SUBMITTED, member)
    return_for_revision(app, CityStaffFactory(centre=centre), ["二、项目信息"], "请补充专家证书。")
    client = Client()
    client.force_login(member)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'data-testid="return-note"' in page
    assert "【二、项目信息】请补充专家证书。" in page


def test_outcome_reason_and_next_steps_only_after_publication(
    client, rivals, province, django_capture_on_commit_callbacks
):
    a = rivals[0]
    client.force_login(UserFactory(organisation=a.organisation))
    decide_all(rivals, province)
    before = client.get(reverse("accounts:dashboard")).content.decode()
    assert "团队力量最强" not in before and "下一步" not in before
    with django_capture_on_commit_callbacks(execute=True):
        sel.publish(a.call, province)
    after = client.get(reverse("accounts:dashboard")).content.decode()
    assert "理由：团队力量最强" in after
    assert "下一步：请留意省中心的题库开发任务通知" in after


@pytest.fixture
def rivals():
    from tests.factories import UnitFactory
    from tests.test_reviews_selection import hangzhou, ningbo, sent

    unit = UnitFactory(entry__occupation="互联网营销师", name="直播销售员")
    a = sent(unit, centre=hangzhou(), organisation__name="杭州甲职业技能培训学校")
    b = sent(unit, centre=ningbo(), organisation__name="宁波乙技师学院")
    c = sent(unit, centre=hangzhou(), recommendation="participant", organisation__name="杭州丙公司")
    return a, b, c


@pytest.fixture
def province():
    return ProvinceStaffFactory()


def test_reopening_is_not_offered_once_results_are_published(
    client, rivals, province, django_capture_on_commit_callbacks
):
    a = rivals[0]
    Batch.objects.create(call=a.call, centre=a.organisation.centre, state=Batch.State.SENT)
    client.force_login(province)
    url = reverse("reviews:batch_list")
    assert "重新开放理由" in client.get(url).content.decode()
    decide_all(rivals, province)
    with django_capture_on_commit_callbacks(execute=True):
        sel.publish(a.call, province, now=timezone.now() + dt.timedelta(days=3650))
    page = client.get(url).content.decode()
    assert "重新开放理由" not in page and 'data-testid="reopen-closed"' in page


def test_the_province_does_not_send_to_itself(client):
    call = CallFactory(is_open=True, deadline=timezone.localdate() + dt.timedelta(days=10))
    staff = ProvinceStaffFactory()
    app = ApplicationFactory(complete=True, call=call, organisation__centre=staff.centre)
    set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation))
    centre_decides(app, staff, Recommendation.LEAD)
    client.force_login(staff)
    page = client.get(reverse("reviews:batch")).content.decode()
    assert "省属单位纳入遴选" in page
    assert f"报送省中心：{staff.centre.name}" not in page
    batch = send_batch(staff.centre, call, staff, contact_person="孔老师", contact_phone="0571-1")
    assert batch.state == Batch.State.SENT
    page = client.get(reverse("reviews:batch")).content.decode()
    assert "已纳入省级遴选" in page and "已报送省中心</div>" not in page


def test_the_queue_has_one_name():
    staff = CityStaffFactory()
    from django.test import Client

    client = Client()
    client.force_login(staff)
    for url in (reverse("reviews:queue"), reverse("accounts:dashboard"), reverse("reviews:batch")):
        page = client.get(url).content.decode()
        assert "审核队列" not in page and "审核推荐" not in page, url


def test_section_three_has_a_term_for_its_description(client):
    app = ApplicationFactory(complete=True)
    client.force_login(UserFactory(organisation=app.organisation))
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    block = page[page.index('id="section-three"') :]
    block = block[: block.index("</section>")]
    assert block.count("<dt") >= block.count("<dd") > 0


def test_cover_keeps_long_names_whole_and_smaller():
    name = "浙江省杭州市西湖区数智电商职业技能培训学校有限责任公司（演示）"
    html = cover_fit(name)
    assert "fit-wrap" in html
    words = re.findall(r'<span class="w">([^<]*)</span>', str(html))
    assert "".join(words) == name
    assert "学校" in words and "有限责任公司（演示）" in words
    assert "fit-9" in cover_fit("浙江省杭州市西湖区数智电商职业技能培训学校")
    assert "fit-15" in cover_fit("杭州数智电商培训学院")
    assert "&lt;b&gt;" in cover_fit("<b>")


def test_the_deadline_box_steps_back_once_the_call_has_ended(client):
    app = ApplicationFactory(complete=True, call__is_open=False)
    client.force_login(UserFactory(organisation=app.organisation))
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    box = page[page.index('data-testid="deadline"') - 200 : page.index('data-testid="deadline"')]
    assert "deadline-ended" in box
    assert "还剩" not in page
