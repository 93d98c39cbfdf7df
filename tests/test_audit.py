"""The audit trail: every change to workflow records keeps who, when, old and new value;
the province's trail page and its export; workflow data read-only in Django admin."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Application, Status
from audit.models import Change, Subject
from documents.models import Document
from reviews import selection as sel
from reviews.models import Batch, Publication, Review, Score, Selection, Weights
from reviews.scoring import save_score, set_weights
from reviews.services import save_decision
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


@pytest.fixture
def province():
    return ProvinceStaffFactory(name="省中心王")


@pytest.fixture
def received():
    """An application the province received, recommended as lead by its centre."""
    unit = UnitFactory(entry__occupation="互联网营销师", name="直播销售员")
    app = ApplicationFactory(complete=True, call=unit.entry.call, unit=unit, status=Status.SENT)
    Review.objects.create(application=app, recommendation="lead", reason="团队强")
    return app


def changes(subject, **lookup):
    return {
        (c.field, c.old, c.new)
        for c in Change.objects.filter(subject=subject, **lookup).order_by("pk")
    }


def test_score_changes_keep_old_and_new_values(received, province):
    save_score(received, province, {"team": 80, "funding": "", "experience": 70, "notes": "好"})
    assert changes(Subject.SCORE) == {
        ("team", "", "80"),
        ("experience", "", "70"),
        ("notes", "", "好"),
    }
    Change.objects.all().delete()
    save_score(received, province, {"team": 85, "funding": 60, "experience": 70, "notes": "好"})
    assert changes(Subject.SCORE) == {("team", "80", "85"), ("funding", "", "60")}
    change = Change.objects.get(subject=Subject.SCORE, field="team")
    assert change.actor == province and change.call == received.call
    assert change.field_label == "专业团队力量" and received.reference in change.object_label


def test_unchanged_save_records_nothing(received, province):
    values = {"team": 80, "funding": 60, "experience": 70, "notes": ""}
    save_score(received, province, values)
    before = Change.objects.count()
    save_score(received, province, values)
    assert Change.objects.count() == before


def test_weights_changes_are_kept(province):
    call = CallFactory()
    set_weights(call, province, {"team": 50, "funding": 25, "experience": 25})
    assert changes(Subject.WEIGHTS) == {
        ("team", "40", "50"),
        ("funding", "30", "25"),
        ("experience", "30", "25"),
    }


def test_centre_decision_changes_are_kept():
    app = ApplicationFactory(complete=True, status=Status.VERIFIED)
    staff = CityStaffFactory(centre=app.organisation.centre)
    save_decision(
        app,
        staff,
        version=1,
        recommendation="lead",
        reason="实力强",
        differs_reason="",
        opinion="同意推荐",
    )
    assert changes(Subject.REVIEW) == {
        ("recommendation", "", "推荐为牵头单位"),
        ("reason", "", "实力强"),
        ("opinion", "", "同意推荐"),
    }
    # The status changes are on the same trail.
    assert ("status", "已核实", "已推荐") in changes(Subject.APPLICATION)


def test_selection_decide_revoke_and_publication_are_kept(received, province):
    sel.decide(received, province, Selection.Outcome.LEAD, "最强", Decimal("20"))
    assert changes(Subject.SELECTION) == {
        ("outcome", "", "确定为牵头单位"),
        ("reason", "", "最强"),
        ("subsidy", "", "20.00"),
    }
    Change.objects.all().delete()
    sel.revoke(received, province, "重新比较")
    assert changes(Subject.SELECTION) == {
        ("outcome", "确定为牵头单位", ""),
        ("reason", "最强", ""),
        ("subsidy", "20.00", ""),
    }
    sel.decide(received, province, Selection.Outcome.NOT_SELECTED, "不足")
    sel.publish(received.call, province)
    [published] = Change.objects.filter(subject=Subject.PUBLICATION)
    assert published.field == "published_at" and published.old == "" and published.new


def test_organisation_edit_on_the_page_is_kept(client):
    member = UserFactory(organisation__name="旧名称有限公司")
    client.force_login(member)
    org = member.organisation
    response = client.post(
        reverse("accounts:organisation_edit", args=[org.pk]),
        {
            "name": "新名称有限公司",
            "legal_representative": org.legal_representative,
            "address": "新地址",
        },
    )
    assert response.status_code == 302
    assert changes(Subject.ORGANISATION) == {
        ("name", "旧名称有限公司", "新名称有限公司"),
        ("address", "杭州市西湖区古翠路50号", "新地址"),
    }
    assert Change.objects.filter(subject=Subject.ORGANISATION, actor=member).count() == 2


def test_organisation_edit_in_admin_is_kept(client):
    admin = AdminFactory()
    member = UserFactory(organisation__name="甲公司")
    org = member.organisation
    client.force_login(admin)
    url = reverse("admin:accounts_organisation_change", args=[org.pk])
    response = client.post(
        url,
        {
            "name": "甲公司（更名）",
            "credit_code": org.credit_code,
            "legal_cert_no": "",
            "legal_representative": org.legal_representative,
            "address": org.address,
            "centre": org.centre_id,
            "created_at_0": "2023-01-01",
            "created_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ("name", "甲公司", "甲公司（更名）") in changes(Subject.ORGANISATION, actor=admin)


def test_trail_rows_are_append_only(received, province):
    save_score(received, province, {"team": 1})
    change = Change.objects.first()
    change.new = "99"
    with pytest.raises(ValueError):
        change.save()


# --- Django admin is read-only for workflow data ----------------------------------------------


@pytest.mark.parametrize(
    "model", [Application, Review, Score, Selection, Publication, Weights, Change]
)
def test_admin_cannot_change_workflow_data(client, received, province, model):
    save_score(received, province, {"team": 50})
    sel.decide(received, province, Selection.Outcome.NOT_SELECTED, "不足")
    sel.publish(received.call, province)
    Weights.objects.get_or_create(call=received.call)
    client.force_login(AdminFactory())
    obj = model.objects.first()
    opts = model._meta
    change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    # Readable...
    assert client.get(change_url).status_code == 200
    # ...but neither changed, added nor deleted.
    assert client.post(change_url, {}).status_code == 403
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
    delete_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_admin_application_status_cannot_be_edited(client, received):
    client.force_login(AdminFactory())
    url = reverse("admin:applications_application_change", args=[received.pk])
    client.post(url, {"status": Status.SELECTED, "contact_name": "改"})
    received.refresh_from_db()
    assert received.status == Status.SENT and received.contact_name != "改"


# --- the trail page ---------------------------------------------------------------------------


def trail_url(**params):
    base = reverse("audit:trail")
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_trail_page_who_may_see_it(client, received):
    url = trail_url()
    assert client.get(url).status_code == 302
    for user in (
        UserFactory(organisation=received.organisation),
        CityStaffFactory(centre=received.organisation.centre),
    ):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(reverse("audit:export")).status_code == 403
    client.force_login(ProvinceStaffFactory())
    assert client.get(url).status_code == 200


def test_trail_page_filters_by_who_what_and_when(client, received, province):
    other = ProvinceStaffFactory(name="省中心李", centre=province.centre)
    save_score(received, province, {"team": 80})
    save_score(received, other, {"team": 90})
    set_weights(received.call, other, {"team": 50, "funding": 25, "experience": 25})
    client.force_login(province)
    response = client.get(trail_url())
    assert len(response.context["changes"]) == 5
    response = client.get(trail_url(who="李"))
    assert {c.actor for c in response.context["changes"]} == {other}
    response = client.get(trail_url(what="score"))
    assert [(c.old, c.new) for c in response.context["changes"]] == [("80", "90"), ("", "80")]
    response = client.get(trail_url(start="2000-01-01", end="2000-01-02"))
    assert 'data-testid="trail-empty"' in response.content.decode()


def test_trail_page_bad_dates_are_a_chinese_error(client, province):
    CallFactory()
    client.force_login(province)
    response = client.get(trail_url(start="2023-13-40", end="x"))
    assert response.status_code == 200
    assert "请输入有效的日期" in response.content.decode()
    response = client.get(trail_url(start="2023-06-02", end="2023-06-01"))
    assert "截止日期不能早于起始日期" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 3])
def test_trail_page_query_count_is_flat(client, province, django_assert_num_queries, rows):
    call = CallFactory()
    for n in range(rows):
        user = ProvinceStaffFactory(centre=province.centre)
        set_weights(call, user, {"team": 40 + n + 1, "funding": 30 - n - 1, "experience": 30})
    client.force_login(province)
    with django_assert_num_queries(6):
        response = client.get(trail_url())
    assert len(response.context["changes"]) == rows * 2


def test_trail_export_is_a_workbook_with_the_filter(
    client, received, province, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    save_score(received, province, {"team": 80, "notes": '=HYPERLINK("x")'})
    set_weights(received.call, province, {"team": 50, "funding": 25, "experience": 25})
    client.force_login(province)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit:export"), {"what": "score"})
    doc = Document.objects.get(kind=Document.Kind.AUDIT_XLSX)
    doc.refresh_from_db()
    assert response.url == reverse("documents:detail", args=[doc.pk])
    assert doc.state == Document.State.DONE and doc.call == received.call
    ws = load_workbook(io.BytesIO(doc.file.read())).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert {row[5] for row in values} == {"专业团队力量", "评分说明"}
    notes = next(row for row in ws.iter_rows(min_row=4) if row[5].value == "评分说明")
    # User text stays text: never a formula.
    assert notes[7].data_type == "s" and notes[7].value == '=HYPERLINK("x")'
    assert ws.page_setup.orientation == "landscape" and ws["A4"].font.name == "宋体"


def test_batch_contact_and_reopening_are_kept(province):
    import datetime as dt

    from reviews.batch import batch_for, reopen_batch, save_batch_form

    call = CallFactory(deadline=dt.date(2099, 12, 31))
    staff = CityStaffFactory()
    batch = batch_for(staff.centre, call)
    save_batch_form(
        staff.centre, call, staff, contact_person="新联系人", contact_phone="0571-1", left_out={}
    )
    assert changes(Subject.BATCH, actor=staff) == {
        ("contact_person", "张老师", "新联系人"),
        ("contact_phone", "0571-88888888", "0571-1"),
    }
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.SENT)
    reopen_batch(batch, province, "请补充材料")
    assert changes(Subject.BATCH, actor=province) == {("state", "已报送", "未报送")}
