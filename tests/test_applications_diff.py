"""What changed between two versions: the diff module, and the 版本变化 page."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from applications.diff import diff, diff_snapshots
from applications.models import Attachment, Expert, SeenVersion, Status
from applications.workflow import set_state
from tests.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CityStaffFactory,
    ExpertFactory,
    ProvinceStaffFactory,
    UserFactory,
)

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


def resubmit(app, change=None):
    set_state(app, Status.RETURNED, app.staff, "请修改")
    app.refresh_from_db()
    if change:
        change(app)
    set_state(app, Status.SUBMITTED, app.member)


def latest_diff(app):
    old, new = list(app.snapshots.order_by("number"))[-2:]
    return diff_snapshots(old, new)


# --- the module ---------------------------------------------------------------------------------


def test_unchanged_resubmission_has_no_changes(app):
    resubmit(app)
    result = latest_diff(app)
    assert not result.changed and result.count == 0
    assert [s.key for s in result.sections] == [
        "basic",
        "statement",
        "conditions",
        "project",
        "three",
        "declaration",
    ]


def test_changed_field_has_its_label_and_both_values(app):
    def change(a):
        a.leader_title = "正高级工程师"
        a.contact_mobile = "13800000000"
        a.save()

    resubmit(app, change)
    result = latest_diff(app)
    project = next(s for s in result.sections if s.key == "project")
    assert [(c.label, c.old, c.new) for c in project.changes] == [
        ("职称或职业资格", "高级工程师", "正高级工程师")
    ]
    basic = next(s for s in result.sections if s.key == "basic")
    assert [(c.label, c.old, c.new) for c in basic.changes] == [
        ("手机号码", "13812345678", "13800000000")
    ]
    assert not next(s for s in result.sections if s.key == "statement").changed


def test_choices_booleans_and_levels_read_as_labels():
    old = {"intention": "lead", "cond_preferred": False, "levels": [5, 4]}
    new = {"intention": "participant", "cond_preferred": True, "levels": [5, 4, 3]}
    changes = {c.name: c for s in diff(old, new).sections for c in s.changes}
    assert (changes["intention"].old, changes["intention"].new) == (
        "意愿为牵头单位",
        "意愿为参与单位",
    )
    assert (changes["cond_preferred"].old, changes["cond_preferred"].new) == ("否", "是")
    assert changes["levels"].new == "五级/初级工、四级/中级工、三级/高级工"
    # An emptied field reads as such, not as nothing.
    [change] = [c for s in diff({"contact_name": "甲"}, {}).sections for c in s.changes]
    assert change.new == "（未填）"


def test_experts_added_removed_and_changed(app):
    first = app.experts.get()

    def change(a):
        ExpertFactory(application=a, name="新专家甲", title="技师", with_certificate=True)
        second = ExpertFactory(application=a, name="将被删除")
        second.delete()
        Expert.objects.filter(pk=first.pk).update(employer="宁波某学院", title="一级/高级技师")

    resubmit(app, change)

    # Another round: the second expert removed between versions 2 and 3.
    def drop(a):
        Expert.objects.filter(application=a, name="新专家甲").delete()

    result = latest_diff(app)
    assert [e["name"] for e in result.experts_added] == ["新专家甲"]
    assert result.experts_removed == []
    [changed] = result.experts_changed
    assert changed.name == first.name
    assert {(c.label, c.old, c.new) for c in changed.changes} == {
        ("工作单位", "杭州某技师学院", "宁波某学院"),
        ("职称、职业资格", "高级技师", "一级/高级技师"),
    }
    resubmit(app, drop)
    result = latest_diff(app)
    assert [e["name"] for e in result.experts_removed] == ["新专家甲"]
    assert not result.experts_added and not result.experts_changed


def test_attachments_added_and_replaced(app):
    def change(a):
        licence = Attachment.objects.get(application=a, kind=Attachment.Kind.LICENCE)
        licence.removed_at = INSIDE_DEADLINE
        licence.save()
        AttachmentFactory(application=a, kind=Attachment.Kind.LICENCE, original_name="新执照.pdf")
        AttachmentFactory(application=a, kind=Attachment.Kind.OTHER, original_name="补充.pdf")

    resubmit(app, change)
    changes = {c.slot: c for c in latest_diff(app).attachments}
    assert changes["法人证书/营业执照复印件"].kind == "replaced"
    assert "新执照.pdf" in changes["法人证书/营业执照复印件"].new[0]
    assert changes["其他材料"].kind == "added" and changes["其他材料"].old == ()


def test_attachment_removed():
    old = {"attachments": [{"kind": "其他材料", "name": "a.pdf", "expert": "", "size": 1}]}
    [change] = diff(old, {"attachments": []}).attachments
    assert change.kind == "removed" and change.label == "删除"


# --- the page -----------------------------------------------------------------------------------


def url(app, **params):
    base = reverse("applications:changes", args=[app.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_page_shows_changes_since_the_version_last_seen(client, app):
    client.force_login(app.staff)
    client.get(reverse("reviews:review", args=[app.pk]))
    assert SeenVersion.objects.get(user=app.staff, application=app).number == 1

    def change(a):
        a.leader_title = "正高级工程师"
        a.save()

    resubmit(app, change)
    resubmit(app)
    html = client.get(url(app)).content.decode()
    # Last seen 1, newest 3: the page compares 1 → 3, unchanged sections folded.
    assert "第1版 → 第3版：1 处变化" in html
    assert 'open data-testid="section-project"' in html
    assert '<details class="diff-section card mb-2" data-testid="section-basic">' in html
    assert SeenVersion.objects.get(user=app.staff, application=app).number == 3


def test_review_page_links_to_changes_since_last_seen(client, app):
    from documents.services import request_application_pdf

    client.force_login(app.staff)
    client.get(reverse("reviews:review", args=[app.pk]))
    resubmit(app)
    for snapshot in app.snapshots.all():
        request_application_pdf(snapshot)
    html = client.get(reverse("reviews:review", args=[app.pk])).content.decode()
    assert "查看第1版以来的变化" in html and "您上次查看的是第1版" in html


def test_any_two_versions_can_be_compared(client, app):
    def change(a):
        a.leader_title = "正高级工程师"
        a.save()

    resubmit(app, change)
    resubmit(app)
    client.force_login(app.member)
    html = client.get(url(app, old=2, new=3)).content.decode()
    assert "第2版 → 第3版：内容没有变化" in html
    html = client.get(url(app, old=3, new=1)).content.decode()
    assert "第1版 → 第3版：1 处变化" in html


def test_bad_pair_is_a_chinese_error_not_a_500(client, app):
    resubmit(app)
    client.force_login(app.member)
    response = client.get(url(app, old=2, new=2))
    assert response.status_code == 200 and "请选择两个不同的版本" in response.content.decode()
    response = client.get(url(app, old="x", new=9))
    assert response.status_code == 200 and "diff-heading" not in response.content.decode()


def test_single_version_says_so(client, app):
    client.force_login(app.member)
    assert 'data-testid="single-version"' in client.get(url(app)).content.decode()


def test_who_may_see_the_page(client, app):
    resubmit(app)
    target = url(app)
    assert client.get(target).status_code == 302
    client.force_login(CityStaffFactory())
    assert client.get(target).status_code == 404
    client.force_login(UserFactory())
    assert client.get(target).status_code == 404
    for user in (app.member, app.staff, ProvinceStaffFactory()):
        client.force_login(user)
        assert client.get(target).status_code == 200


def test_query_count_does_not_grow_with_changes(client, app, django_assert_num_queries):
    resubmit(app)
    client.force_login(app.staff)
    client.get(url(app))
    with django_assert_num_queries(7):
        client.get(url(app))

    def change(a):
        ExpertFactory.create_batch(3, application=a, with_certificate=True)
        AttachmentFactory.create_batch(2, application=a)
        a.leader_title = "x"
        a.save()

    resubmit(app, change)
    resubmit(app)
    client.get(url(app))
    with django_assert_num_queries(7):
        client.get(url(app, old=1, new=4))
