import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.centres import load_centres
from accounts.models import Centre, Invitation, Organisation, User
from accounts.validators import validate_credit_code
from tests.factories import (
    AdminFactory,
    CentreFactory,
    CityStaffFactory,
    OrganisationFactory,
    ProvinceStaffFactory,
    UserFactory,
    make_credit_code,
)

PASSWORD = "portal-pass-123"

pytestmark = pytest.mark.django_db


# --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91330100716105852F",
        "91330100799655058B",
        "91110000100010433L",
        "91350100M000100Y43",
        "91440300708461136T",
    ],
)
def test_real_credit_codes_are_accepted(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91330100716105852E", "校验位不正确"),
        ("9133010071610585", "应为18位"),
        ("91330100716105852FF", "应为18位"),
        ("9133010071610585IO", "不允许的字符"),
    ],
)
def test_wrong_credit_codes_are_refused_in_chinese(code, message):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert message in str(exc.value)


# --- registration ----------------------------------------------------------------------


@pytest.fixture
def centres(db):
    load_centres()
    return {c.code: c for c in Centre.objects.all()}


def registration_data(centre, **overrides):
    data = {
        "org_name": "温州数字技能研究院",
        "credit_code": "91330100716105852F",
        "legal_cert_no": "",
        "legal_representative": "周温",
        "address": "温州市鹿城区1号",
        "centre": centre.pk,
        "name": "李明",
        "phone": "13812345678",
        "email": "liming@example.com",
        "password1": "Wenzhou-2023!",
        "password2": "Wenzhou-2023!",
    }
    data.update(overrides)
    return data


def test_centres_fixture_has_province_and_eleven_cities(centres):
    assert len(centres) == 12
    assert Centre.objects.filter(kind=Centre.Kind.CITY).count() == 11
    assert centres["province"].name == "浙江省技能人才评价管理服务中心"
    regions = set(Centre.objects.filter(kind="city").values_list("region", flat=True))
    assert regions == {
        "杭州",
        "宁波",
        "温州",
        "嘉兴",
        "湖州",
        "绍兴",
        "金华",
        "衢州",
        "舟山",
        "台州",
        "丽水",
    }


def test_loading_centres_again_keeps_admin_edits(centres):
    Centre.objects.filter(code="hangzhou").update(name="杭州市职业技能鉴定指导中心")
    assert load_centres() == 0
    assert Centre.objects.get(code="hangzhou").name == "杭州市职业技能鉴定指导中心"


def confirm_link(message) -> str:
    return re.search(r"http://testserver(/accounts/register/confirm/\S+)", message.body).group(1)


def test_register_creates_organisation_and_first_user_once_the_address_is_confirmed(
    client, centres
):
    response = client.post(reverse("accounts:register"), registration_data(centres["wenzhou"]))
    assert response.status_code == 302 and response.url == reverse("accounts:register_sent")
    org = Organisation.objects.get()
    assert org.centre.code == "wenzhou"
    user = User.objects.get()
    assert user.organisation == org and user.role == User.Role.APPLICANT
    # Not usable until the owner of the address follows the e-mailed link.
    assert not user.is_active
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    [message] = mail.outbox
    assert message.to == [user.email]
    link = confirm_link(message)
    assert client.get(link).url == reverse("accounts:dashboard")
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert User.objects.get().is_active
    # The link works once.
    client.logout()
    assert client.get(link).status_code == 400


def test_register_with_a_registered_address_answers_alike_and_tells_only_the_mailbox(
    client, centres
):
    UserFactory(email="liming@example.com", name="李明")
    fresh = client.post(
        reverse("accounts:register"),
        registration_data(centres["wenzhou"], email="new@example.com"),
    )
    User.objects.filter(email="new@example.com").delete()
    Organisation.objects.filter(credit_code="91330100716105852F").delete()
    taken = client.post(reverse("accounts:register"), registration_data(centres["wenzhou"]))
    assert (fresh.status_code, fresh.url) == (taken.status_code, taken.url)
    page = client.get(taken.url).content.decode()
    assert "liming@example.com" not in page and "已注册" not in page
    assert User.objects.filter(email="liming@example.com").count() == 1
    told = mail.outbox[-1]
    assert told.to == ["liming@example.com"] and "已有平台账号" in told.body
    assert "/accounts/register/confirm/" not in told.body


def test_register_with_lowercase_code_and_spaces_normalises_it(client, centres):
    data = registration_data(centres["wenzhou"], credit_code=" 91330100716105852f ")
    assert client.post(reverse("accounts:register"), data).status_code == 302
    assert Organisation.objects.get().credit_code == "91330100716105852F"


def test_register_accepts_a_code_pasted_in_groups(client, centres):
    data = registration_data(centres["wenzhou"], credit_code="9133 0100 7161-0585 2F")
    assert client.post(reverse("accounts:register"), data).status_code == 302
    assert Organisation.objects.get().credit_code == "91330100716105852F"


def test_register_wrong_check_character_names_the_field_and_keeps_input(client, centres):
    data = registration_data(centres["wenzhou"], credit_code="91330100716105852E")
    response = client.post(reverse("accounts:register"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "校验位不正确" in form.errors["credit_code"][0]
    body = response.content.decode()
    assert "温州数字技能研究院" in body and "周温" in body
    assert not Organisation.objects.exists()


def test_register_needs_credit_code_or_legal_certificate(client, centres):
    data = registration_data(centres["province"], credit_code="", legal_cert_no="")
    response = client.post(reverse("accounts:register"), data)
    assert (
        "请填写统一社会信用代码，或填写法人证书编码"
        in response.context["form"].errors["credit_code"][0]
    )
    data = registration_data(
        centres["province"], credit_code="", legal_cert_no="事证第133000001234号"
    )
    assert client.post(reverse("accounts:register"), data).status_code == 302
    assert Organisation.objects.get().legal_cert_no == "事证第133000001234号"


def test_second_registration_of_same_organisation_is_told_whom_to_ask(client, centres):
    first = UserFactory(
        name="张三",
        email="zhangsan@example.com",
        organisation__credit_code="91330100716105852F",
        organisation__name="温州已注册单位",
    )
    data = registration_data(centres["wenzhou"], email="other@example.com")
    response = client.post(reverse("accounts:register"), data)
    assert response.status_code == 200
    error = response.context["form"].errors["credit_code"][0]
    assert "已在平台注册" in error and "邀请您加入" in error
    # No name reaches an anonymous visitor: neither the unit's nor its members'.
    body = response.content.decode()
    for secret in ("张三", "zh***", "zhangsan", "温州已注册单位"):
        assert secret not in error and secret not in body
    assert Organisation.objects.count() == 1
    assert first.organisation.members.count() == 1


def test_register_refuses_weak_password_but_says_nothing_of_a_taken_email(client, centres):
    UserFactory(email="liming@example.com")
    data = registration_data(centres["wenzhou"], password1="12345678", password2="12345678")
    errors = client.post(reverse("accounts:register"), data).context["form"].errors
    assert "password1" in errors and "email" not in errors


def test_register_refuses_bad_mobile(client, centres):
    data = registration_data(centres["wenzhou"], phone="0571-888")
    errors = client.post(reverse("accounts:register"), data).context["form"].errors
    assert "1开头的11位数字" in errors["phone"][0]


# --- invitations -----------------------------------------------------------------------


def test_invitation_accepted_lands_in_the_organisation_once(client):
    member = UserFactory()
    client.force_login(member)
    url = reverse("accounts:invite", args=[member.organisation_id])
    assert client.post(url, {"email": "colleague@example.com"}).status_code == 302
    invitation = Invitation.objects.get()
    assert len(mail.outbox) == 1
    assert invitation.token in mail.outbox[0].body
    client.logout()

    accept_url = reverse("accounts:accept", args=[invitation.token])
    data = {
        "name": "同事甲",
        "phone": "13900001111",
        "password1": "Tongshi-2023#",
        "password2": "Tongshi-2023#",
    }
    assert client.post(accept_url, data).status_code == 302
    colleague = User.objects.get(email="colleague@example.com")
    assert colleague.organisation == member.organisation
    assert colleague.role == User.Role.APPLICANT
    client.logout()

    again = client.post(accept_url, {**data, "name": "冒名"})
    assert again.status_code == 410
    assert User.objects.filter(email="colleague@example.com").count() == 1


def test_invitation_to_registered_email_is_refused(client):
    member = UserFactory()
    UserFactory(email="taken@example.com")
    client.force_login(member)
    response = client.post(
        reverse("accounts:invite", args=[member.organisation_id]), {"email": "taken@example.com"}
    )
    assert response.status_code == 400
    assert "已在平台注册" in response.content.decode()
    assert not Invitation.objects.exists()


def test_unknown_invitation_token_is_404(client, db):
    assert client.get(reverse("accounts:accept", args=["nope"])).status_code == 404


# --- login, lockout, passwords --------------------------------------------------------------


def test_login_by_email_case_insensitive(client):
    UserFactory(email="person@example.com")
    response = client.post(
        reverse("accounts:login"), {"username": "Person@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_wrong_password_says_so_without_calling_the_email_case_sensitive(client):
    UserFactory(email="person@example.com")
    response = client.post(
        reverse("accounts:login"), {"username": "person@example.com", "password": "wrong"}
    )
    page = response.content.decode()
    assert "电子邮箱或密码不正确，请重新输入。密码区分大小写。" in page
    assert "两者都区分大小写" not in page
    assert 'value="person@example.com"' in page


def test_repeated_failures_lock_the_account(client, settings):
    UserFactory(email="person@example.com")
    login = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "person@example.com", "password": "wrong"})
    response = client.post(login, {"username": "person@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()


def test_password_reset_mail_goes_to_the_backend(client):
    UserFactory(email="person@example.com")
    response = client.post(reverse("accounts:password_reset"), {"email": "person@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-new-77!",
            "new_password2": "Brand-new-77!",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-77!")


# --- home sends each role to its own dashboard -----------------------------------------------


@pytest.mark.parametrize(
    ("factory", "title"),
    [
        (UserFactory, "我的单位"),
        (CityStaffFactory, "本中心工作台"),
        (ProvinceStaffFactory, "全省总览"),
    ],
)
def test_home_leads_each_role_to_its_dashboard(client, db, factory, title):
    client.force_login(factory())
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
    assert title in response.content.decode()


def test_city_dashboard_lists_only_its_own_centre(client, db):
    staff = CityStaffFactory(centre__code="hangzhou")
    own = OrganisationFactory(centre=staff.centre)
    other = OrganisationFactory(centre=CentreFactory(code="ningbo"))
    body = client.force_login(staff) or client.get(reverse("accounts:dashboard")).content.decode()
    assert own.name in body and other.name not in body


def test_province_dashboard_lists_every_organisation(client, db):
    a, b = OrganisationFactory(), OrganisationFactory()
    client.force_login(ProvinceStaffFactory())
    body = client.get(reverse("accounts:dashboard")).content.decode()
    assert a.name in body and b.name in body


def test_dashboard_queries_do_not_grow_with_organisations(client, db, django_assert_num_queries):
    staff = ProvinceStaffFactory()
    OrganisationFactory()
    client.force_login(staff)
    client.get(reverse("accounts:dashboard"))
    with django_assert_num_queries(8):
        client.get(reverse("accounts:dashboard"))
    OrganisationFactory.create_batch(2)
    with django_assert_num_queries(8):
        client.get(reverse("accounts:dashboard"))


# --- the permission ladder: anonymous → other unit → other city → read-only → owner -------


@pytest.fixture
def ladder(db):
    hangzhou = CentreFactory(code="hangzhou")
    org = OrganisationFactory(centre=hangzhou)
    return {
        "org": org,
        "owner": UserFactory(organisation=org),
        "other_applicant": UserFactory(organisation=OrganisationFactory(centre=hangzhou)),
        "other_city": CityStaffFactory(centre=CentreFactory(code="ningbo")),
        "own_city": CityStaffFactory(centre=hangzhou),
        "province": ProvinceStaffFactory(),
    }


@pytest.mark.parametrize(
    ("name", "method", "readers_status"),
    [
        ("accounts:organisation_detail", "get", 200),
        ("accounts:organisation_edit", "get", 403),
        ("accounts:invite", "post", 403),
    ],
)
def test_permission_ladder(client, ladder, name, method, readers_status):
    url = reverse(name, args=[ladder["org"].pk])
    send = getattr(client, method)

    response = send(url)
    assert response.status_code == 302 and reverse("accounts:login") in response.url

    for outsider in ("other_applicant", "other_city"):
        client.force_login(ladder[outsider])
        assert send(url).status_code == 404, outsider

    for reader in ("own_city", "province"):
        client.force_login(ladder[reader])
        assert send(url).status_code == readers_status, reader

    client.force_login(ladder["owner"])
    owner_status = send(url, {"email": "new@example.com"} if method == "post" else None)
    assert owner_status.status_code in (200, 302)


def test_owner_edits_organisation(client, ladder):
    client.force_login(ladder["owner"])
    url = reverse("accounts:organisation_edit", args=[ladder["org"].pk])
    response = client.post(url, {"name": "新名称", "legal_representative": "甲", "address": "乙"})
    assert response.status_code == 302
    ladder["org"].refresh_from_db()
    assert ladder["org"].name == "新名称"


def test_dashboard_requires_login(client, db):
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


# --- commands -------------------------------------------------------------------------------


def test_create_staff_binds_account_to_centre(centres, capsys):
    call_command("create_staff", "hz@example.com", "--centre", "hangzhou", "--name", "杭州甲")
    user = User.objects.get(email="hz@example.com")
    assert user.role == User.Role.CITY and user.centre.code == "hangzhou"
    assert "初始密码" in capsys.readouterr().out
    call_command("create_staff", "p@example.com", "--centre", "province", "--password", "x-Y-z-123")
    assert User.objects.get(email="p@example.com").role == User.Role.PROVINCE


def test_create_staff_rejects_unknown_centre_and_duplicate(centres):
    with pytest.raises(CommandError, match="没有代码为"):
        call_command("create_staff", "x@example.com", "--centre", "shanghai")
    call_command("create_staff", "x@example.com", "--centre", "ningbo")
    with pytest.raises(CommandError, match="已有账号"):
        call_command("create_staff", "x@example.com", "--centre", "ningbo")


def test_seed_demo_is_idempotent(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (User.objects.count(), Organisation.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Organisation.objects.count()) == counts
    applicant_centres = set(Organisation.objects.values_list("centre__code", flat=True))
    assert {"hangzhou", "ningbo", "province"} <= applicant_centres
    assert User.objects.filter(role="city").count() == 2
    assert User.objects.filter(role="province").count() == 1
    assert User.objects.filter(role="admin", is_superuser=True).count() == 1
    for org in Organisation.objects.all():
        validate_credit_code(org.credit_code)


def test_seed_demo_refused_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_factories_make_valid_distinct_codes(db):
    codes = {make_credit_code(n) for n in range(50)}
    assert len(codes) == 50
    for code in codes:
        validate_credit_code(code)


def test_admin_can_open_account_admin_pages(client, db):
    client.force_login(AdminFactory())
    OrganisationFactory()
    for name in (
        "accounts_user",
        "accounts_organisation",
        "accounts_centre",
        "accounts_invitation",
    ):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_seed_demo_adds_a_labelled_demo_call_and_leaves_the_real_one(catalog, settings):
    from catalog.models import Call, Unit

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    demo = Call.objects.get(slug="demo")
    assert demo.is_open and "演示" in demo.name and not demo.deadline_passed()
    assert demo.entries.count() == 51
    assert Unit.objects.filter(entry__call=demo).count() == 120
    assert Call.objects.open().first() == demo
    catalog.refresh_from_db()
    assert str(catalog.deadline) == "2023-06-23"


def test_a_unit_registered_during_the_submit_gets_the_form_error_not_a_500(client, centres):
    """A colleague's registration lands between the form's check and the insert."""
    from django.db.models.signals import pre_save

    def colleague_first(sender, instance, **kwargs):
        pre_save.disconnect(colleague_first, sender=Organisation)
        OrganisationFactory(credit_code=instance.credit_code)

    pre_save.connect(colleague_first, sender=Organisation)
    try:
        response = client.post(reverse("accounts:register"), registration_data(centres["wenzhou"]))
    finally:
        pre_save.disconnect(colleague_first, sender=Organisation)
    assert response.status_code == 200
    assert "已在平台注册" in response.context["form"].errors["credit_code"][0]
    assert not User.objects.exists() and not mail.outbox
