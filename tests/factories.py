import datetime as dt

import factory

from accounts.models import Centre, Organisation, User
from accounts.validators import CREDIT_CODE_CHARS, credit_code_check_char
from catalog.models import Call, Entry, Series, Unit


def make_credit_code(n: int) -> str:
    """A valid 统一社会信用代码 that differs for every n."""
    body = "91330100" + "".join(CREDIT_CODE_CHARS[(n // 31**i) % 31] for i in range(9))
    return body + credit_code_check_char(body)


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"测试批次{n}")
    slug = factory.Sequence(lambda n: f"call-{n}")
    notice_date = dt.date(2023, 5, 11)
    deadline = dt.date(2023, 6, 23)
    is_open = True


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    number = factory.Sequence(lambda n: 100 + n)
    industry = Series.Industry.SECONDARY
    name = factory.Sequence(lambda n: f"测试系列{n}")
    definition = "测试定义"


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    call = factory.SubFactory(CallFactory)
    number = factory.Sequence(lambda n: n + 1)
    occupation = factory.Sequence(lambda n: f"测试职业{n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    entry = factory.SubFactory(EntryFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = ""
    level_start = 5
    level_end = 1
    standard_year = 2022


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"city{n}")
    kind = Centre.Kind.CITY
    region = factory.Sequence(lambda n: f"测试市{n}")
    name = factory.LazyAttribute(lambda o: f"{o.region}技能评价（鉴定）中心")
    contact_person = "张老师"
    contact_phone = "0571-88888888"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试单位{n}有限公司")
    credit_code = factory.Sequence(make_credit_code)
    legal_representative = "王五"
    address = "杭州市西湖区古翠路50号"
    centre = factory.SubFactory(CentreFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"用户{n}")
    role = User.Role.APPLICANT
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("portal-pass-123")


class CityStaffFactory(UserFactory):
    role = User.Role.CITY
    organisation = None
    centre = factory.SubFactory(CentreFactory)


class ProvinceStaffFactory(UserFactory):
    role = User.Role.PROVINCE
    organisation = None
    centre = factory.SubFactory(
        CentreFactory,
        code="province",
        kind=Centre.Kind.PROVINCE,
        region="省级",
        name="浙江省技能人才评价管理服务中心",
    )


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    organisation = None
    is_staff = True
    is_superuser = True


# --- applications ----------------------------------------------------------------------------

from django.core.files.base import ContentFile  # noqa: E402

from applications.models import Application, Attachment, Basis, Expert, Intention, Status  # noqa: E402

TINY_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft for a catalog unit; `complete=True` fills every field a submission needs."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    class Params:
        complete = factory.Trait(
            occupation_code="6-25-04-09",
            contact_name="项目联系人甲",
            contact_mobile="13812345678",
            exp_new_occupation="participant",
            exp_new_occupation_detail="互联网营销师，2020年",
            exp_standard="none",
            exp_national_bank=False,
            exp_provincial_bank=True,
            exp_provincial_bank_detail="电子商务师/三级/2019年",
            statement_organisation="单位设有专门的题库开发部门。",
            statement_team="拟组建由行业专家和院校教师组成的专家队伍。",
            statement_experience="曾承担省级题库开发，计划分两期完成。",
            statement_guarantee="设立专项经费，实行项目负责人制。",
            leader_name="项目负责人乙",
            leader_gender="女",
            leader_birth_month="1980-05",
            leader_title="高级工程师",
            leader_position="副院长",
            leader_education="硕士研究生",
            leader_speciality="电子商务",
            leader_mobile="13912345678",
            leader_email="leader@example.com",
            leader_office_phone="0571-88888888",
            leader_employer=factory.SelfAttribute("organisation.name"),
            leader_department="培训部",
            leader_address="杭州市西湖区古翠路50号",
            section_three="具备开发场地和经费保障。",
            declaration_confirmed=True,
            declaration_signer="单位负责人丙",
            declaration_date=dt.date(2023, 6, 1),
            cond_legal_person=True,
            cond_staff=True,
            cond_team=True,
            cond_funding=True,
            expert=factory.RelatedFactory(
                "tests.factories.ExpertFactory", "application", with_certificate=True
            ),
            licence=factory.RelatedFactory(
                "tests.factories.AttachmentFactory", "application", kind=Attachment.Kind.LICENCE
            ),
        )

    call = factory.SubFactory(CallFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    basis = Basis.CATALOG
    unit = factory.SubFactory(UnitFactory, entry__call=factory.SelfAttribute("...call"))
    levels = factory.LazyFunction(lambda: [5, 4, 3])
    intention = Intention.LEAD
    status = Status.DRAFT
    # As set_state records it: the unit's centre once submitted, none on a draft.
    centre = factory.LazyAttribute(
        lambda o: None if o.status == Status.DRAFT else o.organisation.centre
    )


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory)
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"专家{n}")
    gender = "男"
    birth_month = "1975-03"
    title = "高级技师"
    qualification_level = "一级"
    certificate_no = factory.Sequence(lambda n: f"S{n:012d}")
    employer = "杭州某技师学院"

    @factory.post_generation
    def with_certificate(obj, create, extracted, **kwargs):
        if create and extracted:
            AttachmentFactory(
                application=obj.application, kind=Attachment.Kind.EXPERT_CERTIFICATE, expert=obj
            )


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    application = factory.SubFactory(ApplicationFactory)
    kind = Attachment.Kind.OTHER
    content_type = "application/pdf"
    original_name = "复印件.pdf"
    size = len(TINY_PDF)
    certified_copy = True
    file = factory.LazyFunction(lambda: ContentFile(TINY_PDF, name="copy.pdf"))
