import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Centre, Organisation, User, visible_by_role
from catalog.levels import Level
from catalog.models import Call, Unit, deadline_passed


class Status(models.TextChoices):
    # The whole life of an application; later screens (review, selection) reuse these.
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    IN_REVIEW = "in_review", "审核中"
    RETURNED = "returned", "退回修改"
    VERIFIED = "verified", "已核实"
    RECOMMENDED = "recommended", "已推荐"
    NOT_RECOMMENDED = "not_recommended", "不予推荐"
    SENT = "sent", "已报送省中心"
    SELECTED = "selected", "已入选"
    NOT_SELECTED = "not_selected", "未入选"


# States in which the applicant may edit the form.
EDITABLE = {Status.DRAFT, Status.RETURNED}
# The province's decisions: applicants learn them only from the published results.
SELECTION_STATES = {Status.SELECTED, Status.NOT_SELECTED}


def follows_selection(user) -> bool:
    """Only the provincial centre and administrators see selections before publication.

    Applicants and city centres learn the outcome when it is published, so nothing of the
    province's deliberation can leak to a unit before then.
    """
    return (
        user is not None
        and user.is_authenticated
        and user.role in (User.Role.PROVINCE, User.Role.ADMIN)
    )


def visible_status(status, user, published: bool) -> "Status":
    """A status as this user may know it: a decision reads 已报送省中心 until it is published."""
    status = Status(status)
    if status in SELECTION_STATES and not published and not follows_selection(user):
        return Status.SENT
    return status


def sees_drafts(user) -> bool:
    """A draft (never submitted, or withdrawn) is its unit's own: only its members and admins."""
    return user.is_authenticated and user.role in (User.Role.APPLICANT, User.Role.ADMIN)


class Basis(models.TextChoices):
    CATALOG = "catalog", "条件1：参考目录内职业（工种）"
    STANDARD = "standard", "条件2：2018年及以后发布国家职业技能标准的职业"
    OUTDATED = "outdated", "条件3：已有省级题库使用5年及以上或已不适应产业发展"


class Intention(models.TextChoices):
    LEAD = "lead", "意愿为牵头单位"
    PARTICIPANT = "participant", "意愿为参与单位"


class Experience(models.TextChoices):
    LEAD = "lead", "牵头单位"
    PARTICIPANT = "participant", "参与单位"
    NONE = "none", "无"


class Gender(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"


class SubmissionDeadline(models.Model):
    """A centre's own deadline for a call, when it differs from the call's."""

    call = models.ForeignKey(Call, verbose_name="征集批次", on_delete=models.CASCADE)
    centre = models.ForeignKey(Centre, verbose_name="评价中心", on_delete=models.CASCADE)
    deadline = models.DateField("申报截止日期", help_text="当日24时（北京时间）截止")

    class Meta:
        verbose_name = "中心申报截止日期"
        verbose_name_plural = "中心申报截止日期"
        constraints = [
            models.UniqueConstraint(fields=["call", "centre"], name="one_deadline_per_centre")
        ]

    def __str__(self):
        return f"{self.centre}：{self.deadline}"

    def clean(self):
        # Units must reach their centre before the centre has to send everything on.
        if self.call_id and self.deadline and self.deadline > self.call.units_deadline:
            limit = self.call.units_deadline
            raise ValidationError(
                {
                    "deadline": "中心的申报截止日期不能晚于批次的申报单位提交截止日期"
                    f"（{limit.year}年{limit.month}月{limit.day}日）。"
                }
            )


def deadline_for(call, centre_id) -> dt.date:
    """A centre's own deadline for the call, else the call's applicant deadline."""
    override = SubmissionDeadline.objects.filter(call=call, centre_id=centre_id).first()
    return override.deadline if override else call.units_deadline


# The long free-text answers of the form, read only by the form, its PDF and its snapshot.
STATEMENT_FIELDS = (
    "bank_reason",
    "statement_organisation",
    "statement_team",
    "statement_experience",
    "statement_guarantee",
    "section_three",
)


# The unit's stamped pages belong to its newest submitted version (needs latest_version).
STAMPED_CURRENT = Q(stamped_version__isnull=False, stamped_version=models.F("latest_version"))


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        visible = visible_by_role(
            self, user, organisation="organisation_id", centre="organisation__centre_id"
        )
        # Applicants only ever see their own unit's rows, so their drafts are their own.
        if not sees_drafts(user):
            visible = visible.exclude(status=Status.DRAFT)
        return visible

    def for_call(self, call):
        return self.filter(call=call)

    def without_statements(self):
        """Leave the 附页's long paragraphs in the database: lists and sheets never show them,
        and they are most of a row's bytes (a centre's batch page read megabytes at 24,000)."""
        return self.defer(*STATEMENT_FIELDS)

    def with_latest_version(self):
        """Annotate ``latest_version``: the number of the newest submitted version, in the query."""
        newest = Snapshot.objects.filter(application=models.OuterRef("pk")).order_by("-number")
        return self.annotate(latest_version=models.Subquery(newest.values("number")[:1]))

    def with_paper(self, state: str):
        """Narrow to one paper-copy state (PAPER_FILTERS); annotates latest_version."""
        queryset = self.with_latest_version()
        return {
            "stamped_missing": queryset.exclude(STAMPED_CURRENT),
            "stamped_ok": queryset.filter(STAMPED_CURRENT),
            "paper_missing": queryset.filter(paper_received_on__isnull=True),
            "paper_received": queryset.filter(paper_received_on__isnull=False),
            "five_missing": queryset.filter(section_five_stamped_at__isnull=True),
            "five_ok": queryset.filter(section_five_stamped_at__isnull=False),
        }.get(state, queryset)

    def lacking_paper(self):
        """Those still missing any part of the paper copy (what ``missing_for_sending`` names);
        annotates latest_version."""
        complete = STAMPED_CURRENT & Q(
            paper_received_on__isnull=False, section_five_stamped_at__isnull=False
        )
        return self.with_latest_version().exclude(complete)


# The queue's paper-copy filter, in the order the paper arrives.
PAPER_FILTERS = [
    ("stamped_missing", "盖章页未上传（或不是最新版本）"),
    ("stamped_ok", "盖章页已上传"),
    ("paper_missing", "纸质材料未收到"),
    ("paper_received", "纸质材料已收到"),
    ("five_missing", "第五部分盖章页未上传"),
    ("five_ok", "第五部分盖章页已上传"),
]


class Application(models.Model):
    """One organisation's 申报表 (附件2) for one occupation/work type of a call."""

    call = models.ForeignKey(Call, verbose_name="征集批次", on_delete=models.PROTECT)
    organisation = models.ForeignKey(
        Organisation, verbose_name="申报单位", on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Optimistic lock: bumped on every save of the form, checked on concurrent edits.
    version = models.PositiveIntegerField("版本", default=1)

    basis = models.CharField("申报依据", max_length=20, choices=Basis.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name="目录职业（工种）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    # Outside the catalog (conditions 2 and 3) the applicant names the occupation.
    custom_occupation = models.CharField("申报职业名称（目录外）", max_length=100, blank=True)
    custom_work_type = models.CharField("申报工种名称（目录外）", max_length=100, blank=True)
    standard_year = models.PositiveSmallIntegerField(
        "国家职业技能标准发布年份", null=True, blank=True
    )
    bank_year = models.PositiveSmallIntegerField("现有省级题库启用年份", null=True, blank=True)
    bank_reason = models.TextField("原题库不适应产业发展的情况", blank=True)

    occupation_code = models.CharField("申报职业编码", max_length=30, blank=True)
    levels = models.JSONField("申报开发等级", default=list, blank=True)
    intention = models.CharField("开发意向", max_length=20, choices=Intention.choices)

    # 一、基本信息 — kept as typed so a half-filled, partly invalid draft can be saved.
    contact_name = models.CharField("项目联系人", max_length=50, blank=True)
    contact_mobile = models.CharField("手机号码", max_length=30, blank=True)
    exp_new_occupation = models.CharField(
        "国家新职业研发经验", max_length=20, choices=Experience.choices, blank=True
    )
    exp_new_occupation_detail = models.CharField("职业与参与时间", max_length=300, blank=True)
    exp_standard = models.CharField(
        "国家职业技能标准开发经验", max_length=20, choices=Experience.choices, blank=True
    )
    exp_standard_detail = models.CharField("职业", max_length=300, blank=True)
    exp_national_bank = models.BooleanField("人社部门国家题库开发经验", null=True, blank=True)
    exp_national_bank_detail = models.CharField("职业/等级/时间", max_length=300, blank=True)
    exp_provincial_bank = models.BooleanField("人社部门省级题库开发经验", null=True, blank=True)
    exp_provincial_bank_detail = models.CharField("职业/等级/时间", max_length=300, blank=True)
    # 附页: the additional statement the form asks for.
    statement_organisation = models.TextField("组织机构情况", blank=True)
    statement_team = models.TextField("拟建专家队伍", blank=True)
    statement_experience = models.TextField("题库开发经验与未来开发方案", blank=True)
    statement_guarantee = models.TextField("项目保障与组织管理", blank=True)

    # 二、项目信息: 项目负责人.
    leader_name = models.CharField("项目负责人", max_length=50, blank=True)
    leader_gender = models.CharField("性别", max_length=2, choices=Gender.choices, blank=True)
    leader_birth_month = models.CharField("出生年月", max_length=20, blank=True)
    leader_title = models.CharField("职称或职业资格", max_length=100, blank=True)
    leader_position = models.CharField("职务", max_length=50, blank=True)
    leader_education = models.CharField("学历学位", max_length=50, blank=True)
    leader_speciality = models.CharField("精通专业", max_length=100, blank=True)
    leader_mobile = models.CharField("手机号码", max_length=30, blank=True)
    leader_email = models.CharField("电子邮箱", max_length=254, blank=True)
    leader_office_phone = models.CharField("单位电话", max_length=30, blank=True)
    leader_employer = models.CharField("工作单位", max_length=200, blank=True)
    leader_department = models.CharField("所在部门", max_length=100, blank=True)
    leader_address = models.CharField("通讯地址", max_length=200, blank=True)

    # 三: configured per call (the seed copy of 附件2 lacks it).
    section_three = models.TextField("第三部分", blank=True)

    # 四、申报意见.
    declaration_confirmed = models.BooleanField("确认申报内容真实完整", default=False)
    declaration_signer = models.CharField("签署人", max_length=50, blank=True)
    declaration_date = models.DateField("签署日期", null=True, blank=True)

    # The call's conditions for organisations: 1-4 declared, 5 preferred, 6 blocks.
    cond_legal_person = models.BooleanField("具有独立法人资格，有固定办公场所", default=False)
    cond_staff = models.BooleanField(
        "具备与开发项目相适应的专职人员且有充分协调能力", default=False
    )
    cond_team = models.BooleanField("具备组建合规专家团队的能力", default=False)
    cond_funding = models.BooleanField("具有题库开发所需经费的保障能力", default=False)
    cond_preferred = models.BooleanField(
        "曾牵头或参加国家新职业研发、国家职业技能标准开发或承接过省级及以上题库开发，且较好完成任务",
        default=False,
    )
    cond_violation = models.BooleanField(
        "曾承接省级及以上题库开发，出现中途无理由退出或推进不利导致项目无法完成，或违反保密规定",
        default=False,
    )

    created_by = models.ForeignKey(
        User, verbose_name="创建人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("最后保存", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    # The centre that received the submission (按隶属关系 at the time), set by set_state: the
    # queues filter on it without joining the organisation, and it stays the true history.
    centre = models.ForeignKey(
        Centre,
        verbose_name="接收中心",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="received_applications",
    )

    # The paper copy (以文本和电子文档形式): kept here so lists filter without extra queries;
    # applications.paper writes them, each with its history row.
    stamped_version = models.PositiveSmallIntegerField(
        "盖章页对应的提交版本", null=True, blank=True, editable=False
    )
    paper_received_on = models.DateField("纸质材料收到日期", null=True, blank=True, editable=False)
    paper_received_by = models.ForeignKey(
        User,
        verbose_name="纸质材料登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    section_five_stamped_at = models.DateTimeField(
        "第五部分盖章页上传时间", null=True, blank=True, editable=False
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "申报书"
        verbose_name_plural = "申报书"
        # What a centre's queue filters on (call, centre, status) and sorts by (submitted_at).
        indexes = [
            models.Index(fields=["call", "centre", "status"], name="application_queue"),
            models.Index(fields=["call", "centre", "submitted_at"], name="application_queue_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organisation", "unit"],
                condition=Q(unit__isnull=False),
                name="one_application_per_unit",
            ),
            models.UniqueConstraint(
                fields=["call", "organisation", "custom_occupation", "custom_work_type"],
                condition=Q(unit__isnull=True),
                name="one_application_per_custom_unit",
            ),
            models.CheckConstraint(
                condition=Q(basis="catalog", unit__isnull=False)
                | (~Q(basis="catalog") & Q(unit__isnull=True)),
                name="catalog_basis_has_unit",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.organisation} · {self.title}"

    @property
    def reference(self) -> str:
        """The application number printed on documents."""
        return f"TK{self.call.notice_date:%Y}-{self.pk:05d}"

    @property
    def occupation_name(self) -> str:
        return self.unit.entry.occupation if self.unit_id else self.custom_occupation

    @property
    def work_type_name(self) -> str:
        return self.unit.name if self.unit_id else self.custom_work_type

    @property
    def title(self) -> str:
        work_type = self.work_type_name
        return f"{self.occupation_name}（{work_type}）" if work_type else self.occupation_name

    def offered_levels(self) -> list[Level]:
        if self.unit_id:
            return self.unit.offered_levels()
        return list(Level)

    @property
    def level_labels(self) -> str:
        return "、".join(Level(n).label for n in sorted(self.levels, reverse=True))

    def status_for(self, user) -> Status:
        """The status as this user may know it: see follows_selection."""
        status = Status(self.status)
        if status not in SELECTION_STATES or follows_selection(user):
            return status
        return visible_status(status, user, self.call.results_published)

    def status_label_for(self, user) -> str:
        return self.status_for(user).label

    def get_status_display(self):
        # A status label depends on who reads it: Django's generated helper would leak decisions.
        raise TypeError("use Application.status_for(user) / status_label_for(user)")

    def return_event(self):
        """While returned for revision: the centre's comment saying what to fix."""
        if self.status != Status.RETURNED:
            return None
        return (
            self.events.filter(to_status=Status.RETURNED, kind=Event.Kind.STATUS)
            .select_related("actor")
            .order_by("-at")
            .first()
        )

    def listed_return_event(self):
        """return_event from prefetched events (lists): no query per row."""
        if self.status != Status.RETURNED:
            return None
        returns = [e for e in self.events.all() if e.to_status == Status.RETURNED]
        return max(returns, key=lambda e: e.at, default=None)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    def deadline(self) -> dt.date:
        """The applicant's deadline: its centre's own date for this call, else the call's."""
        if not hasattr(self, "_deadline"):
            self._deadline = deadline_for(self.call, self.organisation.centre_id)
        return self._deadline

    def deadline_passed(self, now=None) -> bool:
        return deadline_passed(self.deadline(), now)

    def centre_opinion(self) -> dict | None:
        """The reviewing centre's recorded opinion (section 五), or None before it is given."""
        try:
            review = self.review
        except models.ObjectDoesNotExist:
            return None
        if not review.recommendation:
            return None
        return {
            "recommendation": review.recommendation,
            "recommendation_label": review.get_recommendation_display(),
            "reason": review.reason,
            "opinion": review.opinion,
            "centre": self.organisation.centre.name,
            "date": timezone.localdate(review.updated_at).isoformat(),
        }

    def allows(self, user, action: str) -> bool:
        """Who may act, once the access gate has established that the user can see it."""
        if action in ("edit", "submit", "withdraw", "upload"):
            return user.role == User.Role.APPLICANT and user.organisation_id == self.organisation_id
        if action == "review":
            # The centre the unit reports to reviews it: its city's, or the province's.
            return (
                user.role in (User.Role.CITY, User.Role.PROVINCE)
                and user.centre_id == self.organisation.centre_id
            )
        if action == "select":
            return user.role == User.Role.PROVINCE
        return False


class ThroughApplicationQuerySet(models.QuerySet):
    """Rows of an application are visible exactly when the application is (drafts included)."""

    def visible_to(self, user):
        return self.filter(application__in=Application.objects.visible_to(user))


class Expert(models.Model):
    """A row of the 专家团队 table."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="experts")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    name = models.CharField("姓名", max_length=50, blank=True)
    gender = models.CharField("性别", max_length=2, choices=Gender.choices, blank=True)
    birth_month = models.CharField("出生年月", max_length=20, blank=True)
    title = models.CharField("职称、职业资格", max_length=100, blank=True)
    qualification_level = models.CharField("等级", max_length=50, blank=True)
    certificate_no = models.CharField("证书编码", max_length=100, blank=True)
    employer = models.CharField("工作单位", max_length=200, blank=True)

    objects = ThroughApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "专家"
        verbose_name_plural = "专家团队"

    def __str__(self):
        return self.name or "（未填姓名）"


def attachment_path(instance, filename):
    # Random names: the original name is kept in the row, never trusted on disk.
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[instance.content_type]
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.{ext}"


class CurrentAttachmentManager(models.Manager.from_queryset(ThroughApplicationQuerySet)):
    # A copy that went out with a submission is kept when removed; every current list skips it.
    def get_queryset(self):
        return super().get_queryset().filter(removed_at=None)


class Attachment(models.Model):
    class Kind(models.TextChoices):
        LICENCE = "licence", "法人证书/营业执照复印件"
        EXPERT_CERTIFICATE = "expert_certificate", "专家证书复印件"
        OTHER = "other", "其他材料"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField("类别", max_length=30, choices=Kind.choices)
    expert = models.ForeignKey(
        Expert,
        verbose_name="对应专家",
        # A submitted copy outlives its expert's row; an unsubmitted one is deleted with it.
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField("文件", upload_to=attachment_path)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    certified_copy = models.BooleanField("与原件一致", default=False)
    description = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    submitted_version = models.PositiveSmallIntegerField(
        "首次随之提交的版本", null=True, blank=True, editable=False
    )
    removed_at = models.DateTimeField("删除时间", null=True, blank=True, editable=False)
    removed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # The expert's name when the copy was removed: the expert's row may be gone by then.
    expert_name = models.CharField("对应专家姓名", max_length=50, blank=True, editable=False)

    all_objects = ThroughApplicationQuerySet.as_manager()
    objects = CurrentAttachmentManager()

    class Meta:
        ordering = ["kind", "uploaded_at"]
        verbose_name = "附件"
        verbose_name_plural = "附件"
        default_manager_name = "objects"
        # Cascades and forward lookups must still see removed copies.
        base_manager_name = "all_objects"

    def __str__(self):
        return self.original_name


class Snapshot(models.Model):
    """The content of one submission, frozen: documents are rendered from this, never live rows."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="snapshots")
    number = models.PositiveSmallIntegerField("版本号")
    data = models.JSONField("提交内容")
    content_hash = models.CharField("内容摘要", max_length=64)
    created_at = models.DateTimeField("提交时间", default=timezone.now)

    objects = ThroughApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["application", "-number"]
        verbose_name = "提交版本"
        verbose_name_plural = "提交版本"
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="snapshot_number_unique")
        ]

    def __str__(self):
        return f"{self.application.reference} 第{self.number}版"

    @property
    def verification_code(self) -> str:
        """Short code printed on documents; staff can compare it with the portal's."""
        return self.content_hash[:10].upper()


class EventQuerySet(ThroughApplicationQuerySet):
    def visible_to(self, user):
        """Applicants and city centres never see the province's deliberation, only its outcome."""
        visible = super().visible_to(user)
        if not follows_selection(user):
            return visible.exclude(from_status__in=SELECTION_STATES).exclude(
                to_status__in=SELECTION_STATES
            )
        return visible


class AppendOnly(models.Model):
    """A history row: written once, never changed."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("history rows are append-only")
        super().save(*args, **kwargs)


class Event(AppendOnly):
    """Append-only history: one row per state change of an application, or per paper-copy record."""

    class Kind(models.TextChoices):
        STATUS = "status", "状态变更"
        PAPER = "paper", "纸质材料"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        User, verbose_name="操作人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now)
    # Blank on the row that records the application's creation.
    from_status = models.CharField("原状态", max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=Status.choices)
    comment = models.TextField("说明", blank=True)
    # Paper records keep the status as it was (from = to); only STATUS rows change it.
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.STATUS)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "状态记录"
        verbose_name_plural = "状态记录"

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"

    @property
    def is_selection_stage(self) -> bool:
        return self.from_status in SELECTION_STATES or self.to_status in SELECTION_STATES


class SeenVersion(models.Model):
    """The latest submitted version a user has looked at, so pages can say what changed since."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="seen_versions"
    )
    number = models.PositiveSmallIntegerField("已查看的版本号")
    seen_at = models.DateTimeField("查看时间", default=timezone.now)

    class Meta:
        verbose_name = "已查看版本"
        verbose_name_plural = "已查看版本"
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="one_seen_per_user")
        ]

    def __str__(self):
        return f"{self.user} 已查看第{self.number}版"


def scan_path(instance, filename):
    # Names from ids and a random part: the uploaded name is kept in the row, never on disk.
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[instance.content_type]
    return f"stamped/{instance.application_id}/{uuid.uuid4().hex}.{ext}"


class StampedScan(models.Model):
    """A scan of stamped paper pages: the unit's 盖章页 of a submitted version, or the centre's 第五部分."""

    class Kind(models.TextChoices):
        UNIT_PAGES = "unit_pages", "申报单位盖章页（封面及第四部分）"
        SECTION_FIVE = "section_five", "评价中心盖章的第五部分"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="stamped_scans"
    )
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    # The submitted version (Snapshot.number) the unit printed and stamped.
    version = models.PositiveSmallIntegerField("对应提交版本", null=True, blank=True)
    file = models.FileField("文件", upload_to=scan_path)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        ordering = ["application", "-uploaded_at", "-pk"]
        verbose_name = "盖章扫描件"
        verbose_name_plural = "盖章扫描件"

    def __str__(self):
        return f"{self.get_kind_display()}：{self.original_name}"
