import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from .validators import validate_credit_code

# The official order of Zhejiang's cities in the province's documents (docs/glossary.md).
OFFICIAL_REGION_ORDER = [
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
]


class CentreQuerySet(models.QuerySet):
    def official_order(self):
        """The provincial centre first, then the cities in the official order; others after.

        Keyed on the region, not on `position` or `code`, so a centre added or edited by hand
        still lands in its place.
        """
        rank = models.Case(
            models.When(kind="province", then=models.Value(-1)),
            *(
                models.When(region=region, then=models.Value(index))
                for index, region in enumerate(OFFICIAL_REGION_ORDER)
            ),
            default=models.Value(len(OFFICIAL_REGION_ORDER)),
            output_field=models.IntegerField(),
        )
        return self.annotate(official_rank=rank).order_by("official_rank", "position", "code")


class Centre(models.Model):
    """A review centre: the provincial centre or one city's 技能评价（鉴定）中心."""

    class Kind(models.TextChoices):
        PROVINCE = "province", "省级中心"
        CITY = "city", "市级中心"

    code = models.SlugField("代码", max_length=20, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    region = models.CharField("地区", max_length=20, help_text="如：杭州；省级中心填“省级”")
    # Names change over the years, so they are data, never code.
    name = models.CharField("中心名称", max_length=100)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=50, blank=True)
    contact_address = models.CharField("地址", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    objects = CentreQuerySet.as_manager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = "评价（鉴定）中心"
        verbose_name_plural = "评价（鉴定）中心"
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="province"),
                name="one_provincial_centre",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_province(self):
        return self.kind == self.Kind.PROVINCE


def visible_by_role(queryset, user, *, organisation: str, centre: str):
    """The one rule of who sees what, for any queryset that leads to an organisation.

    Applicants see their own unit's rows, city staff the rows of units reporting to their
    centre, provincial staff and administrators everything. `organisation` and `centre` name
    the lookups from the queryset's model to the unit's id and to its centre's id.
    """
    if not user.is_authenticated:
        return queryset.none()
    if user.role == User.Role.APPLICANT:
        return queryset.filter(**{organisation: user.organisation_id})
    if user.role == User.Role.CITY:
        return queryset.filter(**{centre: user.centre_id})
    if user.role in (User.Role.PROVINCE, User.Role.ADMIN):
        return queryset.all()
    return queryset.none()


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return visible_by_role(self, user, organisation="pk", centre="centre_id")


class Organisation(models.Model):
    """An applicant unit (申报单位)."""

    name = models.CharField("单位全称", max_length=200)
    credit_code = models.CharField(
        "统一社会信用代码",
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
    )
    legal_cert_no = models.CharField(
        "法人证书编码",
        max_length=50,
        unique=True,
        null=True,
        blank=True,
        help_text="没有统一社会信用代码的事业单位等填写",
    )
    legal_representative = models.CharField("法定代表人", max_length=50)
    address = models.CharField("单位地址", max_length=200)
    # 按隶属关系: the centre this unit reports to.
    centre = models.ForeignKey(
        Centre, verbose_name="隶属评价中心", on_delete=models.PROTECT, related_name="organisations"
    )
    created_at = models.DateTimeField("注册时间", default=timezone.now)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "申报单位"
        verbose_name_plural = "申报单位"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_code__isnull=False)
                | models.Q(legal_cert_no__isnull=False),
                name="organisation_has_an_identifier",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def identifier(self):
        return self.credit_code or self.legal_cert_no

    def allows(self, user, action: str) -> bool:
        """Whether a user who can see this unit may also act on it (edit, invite)."""
        return user.role == User.Role.APPLICANT and user.organisation_id == self.pk


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        APPLICANT = "applicant", "申报单位用户"
        CITY = "city", "市级中心工作人员"
        PROVINCE = "province", "省级中心工作人员"
        ADMIN = "admin", "系统管理员"

    email = models.EmailField("电子邮箱", unique=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.APPLICANT)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="所属单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    centre = models.ForeignKey(
        Centre,
        verbose_name="所属中心",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    is_staff = models.BooleanField("可登录管理后台", default=False)
    is_active = models.BooleanField("有效", default=True)
    date_joined = models.DateTimeField("注册时间", default=timezone.now)
    # Kept beside the user so the navbar's count costs no query; accounts.messaging maintains it.
    unread_messages = models.PositiveIntegerField("未读站内消息", default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # Each role is bound to exactly what it works for.
            models.CheckConstraint(
                condition=~models.Q(role="applicant")
                | models.Q(organisation__isnull=False, centre__isnull=True),
                name="applicant_belongs_to_organisation",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["city", "province"])
                | models.Q(centre__isnull=False, organisation__isnull=True),
                name="staff_belongs_to_centre",
            ),
        ]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email

    @property
    def is_applicant(self):
        return self.role == self.Role.APPLICANT

    @property
    def is_city_staff(self):
        return self.role == self.Role.CITY

    @property
    def is_province_staff(self):
        return self.role == self.Role.PROVINCE

    @property
    def is_admin(self):
        return self.role == self.Role.ADMIN

    @property
    def is_centre_staff(self):
        return self.role in (self.Role.CITY, self.Role.PROVINCE)


def _new_token():
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An emailed invitation for a colleague to join an organisation; single use."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations", verbose_name="单位"
    )
    email = models.EmailField("受邀邮箱")
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="邀请人"
    )
    created_at = models.DateTimeField("邀请时间", default=timezone.now)
    accepted_at = models.DateTimeField("接受时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "同事邀请"
        verbose_name_plural = "同事邀请"

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @property
    def is_used(self):
        return self.accepted_at is not None


class Message(models.Model):
    """A 站内消息: the same text as the e-mail, kept so a user who missed the mail still sees it."""

    user = models.ForeignKey(
        User, verbose_name="收件人", on_delete=models.CASCADE, related_name="messages"
    )
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    # A path inside the portal, never a full URL: the e-mail adds SITE_URL.
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        indexes = [models.Index(fields=["user", "-created_at"], name="message_user_newest")]

    def __str__(self):
        return self.subject
