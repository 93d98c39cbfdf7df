"""The 申报表 edit page: drafts keep what was typed, experts table, locking, expired sessions."""

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse

from applications import drafts
from applications.models import Application, Expert, Status
from applications.views import form as views_form
from tests.factories import (
    ApplicationFactory,
    CityStaffFactory,
    ExpertFactory,
    ProvinceStaffFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
# The factories' call closes on 23 June 2023, 24:00 Beijing time.
BEFORE_DEADLINE = dt.datetime(2023, 6, 1, 10, 0, tzinfo=BEIJING)


def edit_url(app, **query):
    url = reverse("applications:edit", args=[app.pk])
    return f"{url}?check=1" if query.get("check") else url


def page_data(client, app):
    """What the browser would post back for the page as loaded: every field as rendered."""
    response = client.get(edit_url(app))
    assert response.status_code == 200
    form = response.context["form"]
    formset = response.context["formset"]
    data = {}
    for bound in [*form, *formset.management_form]:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = str(value)
    for row in formset:
        for bound in row:
            value = bound.value()
            if value not in (None, False, ""):
                data[bound.html_name] = str(getattr(value, "pk", value))
    # Radio booleans render as "True"/"False".
    for name in ("exp_national_bank", "exp_provincial_bank"):
        if name in data:
            data[name] = str(form[name].value())
    return data


@pytest.fixture
def app():
    return ApplicationFactory(unit=UnitFactory(level_start=5, level_end=3), levels=[5])


@pytest.fixture
def member(app):
    return UserFactory(organisation=app.organisation)


@pytest.fixture
def client_in(client, member):
    client.force_login(member)
    return client


# --- drafts keep what was typed -------------------------------------------------------------


def test_half_filled_invalid_draft_is_saved_as_typed(client_in, app):
    data = page_data(client_in, app)
    data.update(
        contact_mobile="123",
        leader_birth_month="abc",
        leader_email="not-an-email",
        statement_team="拟组建十人专家队伍",
        levels=["5", "4"],
        exp_national_bank="True",
    )
    response = client_in.post(edit_url(app), data)
    assert response.status_code == 302 and response.url == edit_url(app)

    app.refresh_from_db()
    assert app.contact_mobile == "123"
    assert app.leader_birth_month == "abc"
    assert app.leader_email == "not-an-email"
    assert app.statement_team == "拟组建十人专家队伍"
    assert app.levels == [5, 4]
    assert app.exp_national_bank is True
    assert app.version == 2

    page = client_in.get(edit_url(app))
    html = page.content.decode()
    assert "草稿已保存" in html
    assert 'value="123"' in html and 'value="abc"' in html and "拟组建十人专家队伍" in html
    assert re.search(r'value="4"[^>]*checked', html)


def test_level_outside_the_units_range_is_refused_and_nothing_saved(client_in, app):
    data = page_data(client_in, app)
    # The unit offers 五级 to 三级; 一级 is not even shown, but posted by hand.
    data.update(levels=["5", "1"], contact_name="新联系人", statement_team="已输入的附页")
    response = client_in.post(edit_url(app), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "所选等级“一级/高级技师”不在该职业（工种）可申报的等级范围内" in html
    assert "草稿未保存" in html
    assert 'value="新联系人"' in html and "已输入的附页" in html
    app.refresh_from_db()
    assert app.levels == [5] and app.contact_name != "新联系人" and app.version == 1


def test_only_offered_levels_are_shown(client_in, app):
    html = client_in.get(edit_url(app)).content.decode()
    boxes = re.findall(r'name="levels" value="(\d)"', html)
    assert boxes == ["5", "4", "3"]


def test_unreadable_declaration_date_is_an_error_not_a_crash(client_in, app):
    data = page_data(client_in, app)
    data.update(declaration_date="2023-13-45", declaration_signer="签署人丁")
    response = client_in.post(edit_url(app), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "日期无法识别" in html
    assert 'value="签署人丁"' in html
    # Shown back as typed, in a text box: a date input would blank it.
    assert re.search(r'type="text" name="declaration_date" value="2023-13-45"', html)
    app.refresh_from_db()
    assert app.declaration_signer == "" and app.declaration_date is None


def test_readable_declaration_date_is_stored(client_in, app):
    data = page_data(client_in, app)
    data.update(declaration_date="2023-06-01")
    assert client_in.post(edit_url(app), data).status_code == 302
    app.refresh_from_db()
    assert str(app.declaration_date) == "2023-06-01"


def test_out_of_catalog_application_edits_its_own_names(client):
    app = ApplicationFactory(basis="standard", unit=None, custom_occupation="旧名称")
    client.force_login(UserFactory(organisation=app.organisation))
    data = page_data(client, app)
    data.update(custom_occupation="数字孪生应用技术员", standard_year="2022", levels=["2"])
    assert client.post(edit_url(app), data).status_code == 302
    app.refresh_from_db()
    assert (app.custom_occupation, app.standard_year, app.levels) == (
        "数字孪生应用技术员",
        2022,
        [2],
    )


# --- the expert table -----------------------------------------------------------------------


def expert_row(prefix_index, name, **fields):
    p = f"experts-{prefix_index}-"
    return {p + "name": name, **{p + key: value for key, value in fields.items()}}


def test_experts_add_three_remove_one_keeps_order(client_in, app):
    data = page_data(client_in, app)
    data.update(
        {
            "experts-TOTAL_FORMS": "3",
            **expert_row(0, "甲专家", gender="男", birth_month="1970-01"),
            **expert_row(1, "乙专家", title="高级技师"),
            **expert_row(2, "丙专家", certificate_no="S1"),
        }
    )
    assert client_in.post(edit_url(app), data).status_code == 302
    assert [e.name for e in app.experts.all()] == ["甲专家", "乙专家", "丙专家"]
    assert [e.position for e in app.experts.all()] == [0, 1, 2]

    # Remove the middle one, add a fourth: the others keep their order and their ids.
    first, second, third = app.experts.all()
    data = page_data(client_in, app)
    assert data["experts-INITIAL_FORMS"] == "3"
    data.update(
        {
            "experts-TOTAL_FORMS": "4",
            "experts-1-DELETE": "on",
            **expert_row(3, "丁专家"),
        }
    )
    assert client_in.post(edit_url(app), data).status_code == 302
    experts = list(app.experts.all())
    assert [e.name for e in experts] == ["甲专家", "丙专家", "丁专家"]
    assert [e.pk for e in experts[:2]] == [first.pk, third.pk]
    assert not Expert.objects.filter(pk=second.pk).exists()
    assert experts[0].birth_month == "1970-01" and experts[1].certificate_no == "S1"


def test_readable_birth_months_are_saved_as_year_and_month(client_in, app):
    data = page_data(client_in, app)
    data.update(
        {
            "leader_birth_month": "1988年7月",
            "experts-TOTAL_FORMS": "3",
            **expert_row(0, "甲专家", birth_month="1988.7"),
            **expert_row(1, "乙专家", birth_month="1975-03"),
            **expert_row(2, "丙专家", birth_month="八八年七月"),
        }
    )
    assert client_in.post(edit_url(app), data).status_code == 302
    app.refresh_from_db()
    assert app.leader_birth_month == "1988-07"
    # Unreadable text stays as typed: the submission check names it.
    assert [e.birth_month for e in app.experts.all()] == ["1988-07", "1975-03", "八八年七月"]


def test_year_zero_birth_month_is_kept_as_typed(client_in, app):
    data = page_data(client_in, app)
    data.update(leader_birth_month="0000-05")
    assert client_in.post(edit_url(app), data).status_code == 302
    app.refresh_from_db()
    assert app.leader_birth_month == "0000-05"
    html = client_in.get(edit_url(app, check=True)).content.decode()
    assert "出生年月格式应为" in html


def test_untouched_new_row_is_not_saved(client_in, app):
    data = page_data(client_in, app)
    data["experts-TOTAL_FORMS"] = "1"
    assert client_in.post(edit_url(app), data).status_code == 302
    assert not app.experts.exists()


def test_expert_row_returns_a_row_with_the_requested_prefix(client_in, app):
    url = reverse("applications:expert_row", args=[app.pk])
    response = client_in.get(url, {"index": "4"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith("<tr")
    assert 'name="experts-4-name"' in html and 'name="experts-4-DELETE"' in html
    assert 'name="experts-4-certificate_no"' in html and "experts-3-" not in html


def test_expert_inputs_are_named_by_their_row(client_in, app):
    url = reverse("applications:expert_row", args=[app.pk])
    html = client_in.get(url, {"index": "1"}, headers={"HX-Request": "true"}).content.decode()
    for field, label in (("name", "姓名"), ("gender", "性别"), ("employer", "工作单位")):
        assert re.search(
            rf'<label class="visually-hidden" for="id_experts-1-{field}">'
            rf"第<span data-expert-number>2</span>位专家 {label}</label>",
            html,
        ), field
    assert 'aria-label="姓名"' not in html


def test_repeated_labels_on_the_edit_page_get_distinct_names(client_in, app):
    html = client_in.get(edit_url(app)).content.decode()

    def label_of(input_id):
        match = re.search(rf'<label[^>]*for="{input_id}"[^>]*>(.*?)</label>', html, re.S)
        return re.sub(r"<[^>]+>", "", match.group(1)).strip()

    names = {
        name: label_of(f"id_{name}")
        for name in (
            "contact_mobile",
            "leader_mobile",
            "leader_employer",
            "leader_birth_month",
            "exp_national_bank_detail",
            "exp_provincial_bank_detail",
        )
    }
    assert names == {
        "contact_mobile": "联系人手机号码",
        "leader_mobile": "负责人手机号码",
        "leader_employer": "负责人工作单位",
        "leader_birth_month": "负责人出生年月",
        "exp_national_bank_detail": "人社部门国家题库开发经验：职业/等级/时间",
        "exp_provincial_bank_detail": "人社部门省级题库开发经验：职业/等级/时间",
    }
    assert 'role="group" aria-label="负责人性别"' in html
    # What sighted users read stays as in 附件2: the prefixes are visually hidden.
    assert '<span class="visually-hidden">联系人</span>手机号码</label>' in html


def test_expert_row_rejects_a_bad_index(client_in, app):
    url = reverse("applications:expert_row", args=[app.pk])
    assert client_in.get(url, {"index": "x"}).status_code == 400
    assert client_in.get(url, {"index": "-1"}).status_code == 400


def test_expert_row_for_an_expired_htmx_session_says_so(client, app):
    url = reverse("applications:expert_row", args=[app.pk])
    response = client.get(url, {"index": "0"}, headers={"HX-Request": "true"})
    assert response.status_code == 401 and "登录已过期" in response.content.decode()


def test_edit_page_has_the_add_button_and_management_form(client_in, app):
    ExpertFactory(application=app, name="专家甲")
    html = client_in.get(edit_url(app)).content.decode()
    assert reverse("applications:expert_row", args=[app.pk]) in html
    assert 'name="experts-TOTAL_FORMS"' in html and 'value="专家甲"' in html


# --- optimistic locking ---------------------------------------------------------------------


def test_second_save_from_the_same_version_is_refused(client_in, client, app, member):
    colleague = UserFactory(organisation=app.organisation)
    mine = page_data(client_in, app)
    client.force_login(colleague)
    theirs = page_data(client, app)

    mine.update(contact_name="先保存的人")
    assert client_in.post(edit_url(app), mine).status_code == 302

    theirs.update(contact_name="后保存的人", statement_team="后保存者的附页")
    response = client.post(edit_url(app), theirs)
    assert response.status_code == 409
    html = response.content.decode()
    assert "这份申报书已在另一个页面或由本单位其他用户保存过" in html
    assert 'value="后保存的人"' in html and "后保存者的附页" in html

    app.refresh_from_db()
    assert app.contact_name == "先保存的人" and app.statement_team == "" and app.version == 2

    # Choosing to overwrite names the version being replaced; that goes through.
    theirs["overwrite_version"] = "2"
    assert client.post(edit_url(app), theirs).status_code == 302
    app.refresh_from_db()
    assert app.contact_name == "后保存的人" and app.version == 3


# --- expired session ------------------------------------------------------------------------


def test_post_after_session_expiry_is_restored_after_login(client, app, member):
    logged_in = client
    logged_in.force_login(member)
    data = page_data(logged_in, app)
    logged_in.logout()

    data.update(contact_name="过期前输入的联系人", statement_guarantee="过期前输入的保障说明")
    response = client.post(edit_url(app), data)
    login_url = reverse("accounts:login")
    assert response.status_code == 302
    assert response.url == f"{login_url}?next={edit_url(app)}"
    app.refresh_from_db()
    assert app.contact_name != "过期前输入的联系人"

    # A real login through the form, in the same browser session.
    response = client.post(
        login_url,
        {"username": member.email, "password": "portal-pass-123", "next": edit_url(app)},
    )
    assert response.status_code == 302 and response.url == edit_url(app)

    html = client.get(edit_url(app)).content.decode()
    assert "登录已过期，已恢复您刚才填写的内容，请检查后点击保存草稿" in html
    assert 'value="过期前输入的联系人"' in html and "过期前输入的保障说明" in html
    app.refresh_from_db()
    assert app.contact_name != "过期前输入的联系人"

    # The stash is used once: the next visit shows what is saved.
    html = client.get(edit_url(app)).content.decode()
    assert "过期前输入的联系人" not in html


def test_force_login_keeps_the_stash_too(client, app, member):
    client.post(edit_url(app), {"contact_name": "暂存内容", "version": "1"})
    client.force_login(member)
    assert 'value="暂存内容"' in client.get(edit_url(app)).content.decode()


# --- who may edit ---------------------------------------------------------------------------


MINIMAL_POST = {"version": "1", "experts-TOTAL_FORMS": "0", "experts-INITIAL_FORMS": "0"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_permission_ladder(client, app, member, method):
    url = edit_url(app)

    def status(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return getattr(client, method)(url, MINIMAL_POST)

    response = status(None)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert status(UserFactory()).status_code == 404
    assert status(CityStaffFactory()).status_code == 404
    # A draft is its unit's own: its centre and the province do not even learn it exists.
    assert status(CityStaffFactory(centre=app.organisation.centre)).status_code == 404
    assert status(ProvinceStaffFactory()).status_code == 404
    owner = status(member)
    assert owner.status_code == (200 if method == "get" else 302)
    # Returned for revision, the centre reads it but never edits it.
    Application.objects.filter(pk=app.pk).update(status=Status.RETURNED)
    assert status(CityStaffFactory(centre=app.organisation.centre)).status_code == 403
    assert status(ProvinceStaffFactory()).status_code == 403


def test_submitted_application_redirects_to_detail(client_in, app):
    Application.objects.filter(pk=app.pk).update(status=Status.SUBMITTED)
    for response in (client_in.get(edit_url(app)), client_in.post(edit_url(app), {})):
        assert response.status_code == 302
        assert response.url == reverse("applications:detail", args=[app.pk])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any(m.startswith("申报书已提交，不能修改") for m in messages)


def test_returned_application_is_editable(client_in, app):
    Application.objects.filter(pk=app.pk).update(status=Status.RETURNED)
    assert client_in.get(edit_url(app)).status_code == 200


# --- query count ----------------------------------------------------------------------------


@pytest.mark.parametrize("experts", [1, 3])
def test_edit_page_query_count_does_not_grow_with_experts(
    client_in, app, experts, django_assert_num_queries
):
    ExpertFactory.create_batch(experts, application=app, with_certificate=True)
    # Session, user, application, attachments and experts (attachments block), the user's
    # organisation (navbar), the centre's deadline, the experts formset, the upload form's
    # expert choices.
    with django_assert_num_queries(9):
        response = client_in.get(edit_url(app))
    assert response.status_code == 200


# --- submission check -----------------------------------------------------------------------


def test_check_shows_submission_errors_next_to_fields(client_in, app):
    Application.objects.filter(pk=app.pk).update(contact_mobile="123")
    html = client_in.get(edit_url(app, check=True)).content.decode()
    assert "提交前需修改" in html
    assert 'data-testid="warning-contact_mobile"' in html
    assert "手机号码应为1开头的11位数字，如 13800138000。" in html
    assert "专家团队至少需要一名专家" in html


def test_without_check_no_warnings_are_shown(client_in, app):
    html = client_in.get(edit_url(app)).content.decode()
    assert "提交前需修改" not in html


def test_complete_application_passes_the_check(client):
    app = ApplicationFactory(complete=True)
    client.force_login(UserFactory(organisation=app.organisation))
    html = client.get(edit_url(app, check=True)).content.decode()
    assert 'data-testid="check-ok"' in html and 'data-testid="warning-' not in html
    # Straight on to the submit page, which asks to confirm.
    submit = reverse("applications:submit", args=[app.pk])
    ok = re.search(r'data-testid="check-ok">(.*?)</div>', html, re.S).group(1)
    assert f'href="{submit}">提交申报书</a>' in ok


def test_checking_saves_what_was_typed_first(client_in, app):
    html = client_in.get(edit_url(app)).content.decode()
    # Both check buttons submit the form to the check page; no plain link loses the typing.
    buttons = re.findall(r"<button [^>]*formaction=\"([^\"]+)\"[^>]*>保存并检查</button>", html)
    assert buttons == [edit_url(app, check=True)] * 2
    assert f'href="{edit_url(app, check=True)}"' not in html

    data = page_data(client_in, app)
    data["contact_name"] = "刚输入的联系人"
    response = client_in.post(edit_url(app, check=True), data, follow=True)
    app.refresh_from_db()
    assert app.contact_name == "刚输入的联系人"
    assert response.redirect_chain == [(edit_url(app, check=True), 302)]
    assert 'data-testid="check-summary"' in response.content.decode()
    assert [str(m) for m in response.context["messages"]] == [views_form.CHECKED_MESSAGE]


def test_action_bar_saves_then_opens_the_submit_page(client_in, app):
    submit = reverse("applications:submit", args=[app.pk])
    with time_machine.travel(BEFORE_DEADLINE):
        html = client_in.get(edit_url(app)).content.decode()
        assert re.search(r'<button [^>]*name="then" value="submit"[^>]*>保存并提交申报书', html)
        data = {**page_data(client_in, app), "contact_name": "提交前刚改的联系人", "then": "submit"}
        response = client_in.post(edit_url(app), data)
    assert response.status_code == 302 and response.url == submit
    app.refresh_from_db()
    assert app.contact_name == "提交前刚改的联系人"
    # The submit page shows its own check: no hint about results "below" on the edit page.
    with time_machine.travel(BEFORE_DEADLINE):
        shown = [str(m) for m in client_in.get(submit).context["messages"]]
    assert shown == ["草稿已保存。"]


def test_returned_application_offers_to_resubmit(client_in, app):
    Application.objects.filter(pk=app.pk).update(status=Status.RETURNED)
    with time_machine.travel(BEFORE_DEADLINE):
        html = client_in.get(edit_url(app)).content.decode()
    assert re.search(r'data-testid="submit-link">保存并重新提交申报书</button>', html)


def test_no_submit_action_after_the_deadline(client_in, app):
    with time_machine.travel(dt.datetime(2023, 6, 24, 0, 0, tzinfo=BEIJING)):
        html = client_in.get(edit_url(app)).content.decode()
    assert 'data-testid="submit-link"' not in html
    assert "2023年6月23日24时（北京时间）" in html


def test_saving_from_the_check_page_returns_to_it(client_in, app):
    data = page_data(client_in, app)
    response = client_in.post(edit_url(app, check=True), data)
    assert response.status_code == 302 and response.url == edit_url(app, check=True)


# --- the domain function --------------------------------------------------------------------


def test_save_draft_refuses_levels_outside_the_range_itself(app):
    with pytest.raises(drafts.DraftError, match="不在该职业（工种）可申报的等级范围内"):
        drafts.save_draft(app, version=1, fields={"levels": [2]}, experts=[])
    app.refresh_from_db()
    assert app.levels == [5] and app.version == 1


def test_save_draft_refuses_fields_outside_the_form(app):
    with pytest.raises(ValueError, match="status"):
        drafts.save_draft(app, version=1, fields={"status": "submitted"}, experts=[])


def test_save_draft_refuses_once_submitted_meanwhile(app):
    Application.objects.filter(pk=app.pk).update(status=Status.SUBMITTED)
    with pytest.raises(drafts.NotEditable):
        drafts.save_draft(app, version=1, fields={"contact_name": "迟到的修改"}, experts=[])
    app.refresh_from_db()
    assert app.contact_name != "迟到的修改"


def test_renaming_a_custom_occupation_onto_a_sibling_is_an_error(client):
    first = ApplicationFactory(basis="standard", unit=None, custom_occupation="职业甲")
    second = ApplicationFactory(
        basis="standard",
        unit=None,
        custom_occupation="职业乙",
        call=first.call,
        organisation=first.organisation,
    )
    client.force_login(UserFactory(organisation=first.organisation))
    data = page_data(client, second)
    data["custom_occupation"] = "职业甲"
    response = client.post(edit_url(second), data)
    assert response.status_code == 200
    assert "本单位在本批次已有同一职业（工种）的申报书" in response.content.decode()
    second.refresh_from_db()
    assert second.custom_occupation == "职业乙"


def test_expert_row_for_a_submitted_application_is_refused(client_in, app):
    Application.objects.filter(pk=app.pk).update(status=Status.SUBMITTED)
    url = reverse("applications:expert_row", args=[app.pk])
    response = client_in.get(url, {"index": "0"}, headers={"HX-Request": "true"})
    assert response.status_code == 409 and "不能再添加专家" in response.content.decode()


def test_expert_row_has_the_same_gate_as_the_page(client, app):
    url = reverse("applications:expert_row", args=[app.pk])
    client.force_login(UserFactory())
    assert client.get(url, {"index": "0"}).status_code == 404
    client.force_login(CityStaffFactory(centre=app.organisation.centre))
    assert client.get(url, {"index": "0"}).status_code == 404
    Application.objects.filter(pk=app.pk).update(status=Status.RETURNED)
    assert client.get(url, {"index": "0"}).status_code == 403


def test_removing_an_expert_removes_the_certificate_file(
    client_in, app, django_capture_on_commit_callbacks
):
    expert = ExpertFactory(application=app, with_certificate=True)
    certificate = expert.attachments.get()
    storage, name = certificate.file.storage, certificate.file.name
    assert storage.exists(name)
    data = page_data(client_in, app)
    data["experts-0-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        assert client_in.post(edit_url(app), data).status_code == 302
    assert not app.experts.exists() and not app.attachments.exists()
    assert not storage.exists(name)


def test_page_marks_the_experts_whose_certificate_a_removal_would_delete(client_in, app):
    ExpertFactory(application=app, name="有证书", position=0, with_certificate=True)
    ExpertFactory(application=app, name="无证书", position=1)
    html = client_in.get(edit_url(app)).content.decode()
    rows = re.findall(r"<tr data-expert-row[^>]*>.*?</tr>", html, re.S)
    assert len(rows) == 2
    assert "data-has-certificate" in rows[0] and "已上传" in rows[0]
    assert "data-has-certificate" not in rows[1] and "未上传" in rows[1]
    script = Path(finders.find("js/application-form.js")).read_text(encoding="utf-8")
    assert "其证书复印件也将一并删除" in script and "data-has-certificate" in script


def test_save_that_removed_certificates_says_whose(client_in, app):
    ExpertFactory(application=app, name="甲专家", position=0, with_certificate=True)
    ExpertFactory(application=app, name="", position=1, with_certificate=True)
    ExpertFactory(application=app, name="丙专家", position=2)
    data = page_data(client_in, app)
    data.update({"experts-0-DELETE": "on", "experts-1-DELETE": "on", "experts-2-DELETE": "on"})

    response = client_in.post(edit_url(app), data, follow=True)

    shown = [str(m) for m in response.context["messages"]]
    assert shown[0].startswith("草稿已保存")
    # The unnamed one by its number in the table; 丙专家 had no certificate to lose.
    assert shown[1].startswith("已移除的专家甲专家、第2位专家的证书复印件已一并删除")
    assert "丙专家" not in shown[1]
    assert not app.experts.exists() and not app.attachments.exists()


def test_save_without_removed_certificates_says_nothing_of_them(client_in, app):
    ExpertFactory(application=app, name="甲专家", position=0)
    data = page_data(client_in, app)
    data["experts-0-DELETE"] = "on"
    response = client_in.post(edit_url(app), data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [views_form.SAVED_MESSAGE]


def test_save_draft_names_removed_experts_with_certificates(app):
    kept = ExpertFactory(application=app, name="留下", position=0, with_certificate=True)
    ExpertFactory(application=app, name="走了", position=1, with_certificate=True)
    row = {name: getattr(kept, name) for name in drafts.EXPERT_FIELDS}
    saved = drafts.save_draft(app, version=app.version, fields={}, experts=[{**row, "id": kept.pk}])
    assert saved.application is app and saved.removed_certificates == ["走了"]
    assert list(app.attachments.values_list("expert__name", flat=True)) == ["留下"]
