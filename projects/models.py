"""What happens after selection: the public notice (公示) with its objections, then each lead
unit's development project with milestones and subsidy payments."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from applications.models import AppendOnly, Application
from catalog.models import Call

EVIDENCE_EXT = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


class CalendarDay(models.Model):
    """A day that breaks the Monday-Friday rule: a public holiday, or a weekend worked (调休)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField(
        "是否工作日", help_text="勾选：调休上班的周末；不勾选：法定节假日"
    )
    note = models.CharField("说明", max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"

    def __str__(self):
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.note}"


class Notice(models.Model):
    """The public announcement of a call's selection (评审结果公示); confirmed by publication."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="notice")
    starts_on = models.DateField("公示开始日期")
    ends_on = models.DateField("公示截止日期")
    started_at = models.DateTimeField("启动时间", default=timezone.now)
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = "评审结果公示"
        verbose_name_plural = "评审结果公示"

    def __str__(self):
        return f"{self.call} 公示 {self.starts_on}—{self.ends_on}"

    def is_open(self, today=None) -> bool:
        """Objections are taken from the start date to the end date inclusive."""
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.ends_on and not self.call.results_published

    def has_ended(self, today=None) -> bool:
        return (today or timezone.localdate()) > self.ends_on


def evidence_path(instance, filename):
    # Random names: user text never becomes a path.
    return f"projects/{instance._meta.model_name}/{uuid.uuid4().hex}.{EVIDENCE_EXT[instance.content_type]}"


class ObjectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Objections carry personal data: the province (and admins) only.
        if user.is_authenticated and user.role in (User.Role.PROVINCE, User.Role.ADMIN):
            return self.all()
        return self.none()


class Objection(models.Model):
    """An objection (异议) lodged by anyone, with real name, during a notice."""

    class State(models.TextChoices):
        RECEIVED = "received", "已受理"
        HANDLING = "handling", "处理中"
        CLOSED = "closed", "已办结"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="objections")
    receipt = models.CharField("受理编号", max_length=20, unique=True)
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=30)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="+", verbose_name="异议涉及单位"
    )
    text = models.TextField("异议内容")
    evidence = models.FileField("证明材料", upload_to=evidence_path, blank=True)
    original_name = models.CharField("原文件名", max_length=255, blank=True)
    content_type = models.CharField("文件类型", max_length=50, blank=True)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.RECEIVED)
    handling = models.TextField("处理情况", blank=True)
    outcome = models.TextField("处理结果", blank=True)
    handled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "异议"
        verbose_name_plural = "异议"

    def __str__(self):
        return self.receipt

    def allows(self, user, action):
        return user.role == User.Role.PROVINCE


class ObjectionEvent(AppendOnly):
    """Append-only record of each handling step of an objection."""

    objection = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)
    state = models.CharField("状态", max_length=10, choices=Objection.State.choices)
    handling = models.TextField("处理情况", blank=True)
    outcome = models.TextField("处理结果", blank=True)

    class Meta:
        ordering = ["at", "pk"]


class MilestoneStep(models.Model):
    """One row of a call's milestone template, edited by an administrator."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="milestone_steps")
    position = models.PositiveSmallIntegerField("序号")
    name = models.CharField("里程碑", max_length=50)
    due_on = models.DateField("完成期限")

    class Meta:
        ordering = ["call", "position", "pk"]
        verbose_name = "里程碑模板"
        verbose_name_plural = "里程碑模板"
        constraints = [
            models.UniqueConstraint(fields=["call", "position"], name="one_step_per_position")
        ]

    def __str__(self):
        return f"{self.position}. {self.name}"


class PaymentStage(models.Model):
    """One stage of a call's subsidy: a share of the amount, due once its milestone is accepted."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="payment_stages")
    position = models.PositiveSmallIntegerField("序号")
    name = models.CharField("拨付阶段", max_length=50)
    percent = models.PositiveSmallIntegerField("比例（%）")
    step = models.ForeignKey(
        MilestoneStep, on_delete=models.PROTECT, related_name="+", verbose_name="对应里程碑"
    )

    class Meta:
        ordering = ["call", "position", "pk"]
        verbose_name = "经费拨付阶段"
        verbose_name_plural = "经费拨付阶段"
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="stage_percent")]

    def __str__(self):
        return f"{self.name}（{self.percent}%）"


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Lead and participant units see their project; centres their units'; the province all."""
        if not user.is_authenticated:
            return self.none()
        if user.role in (User.Role.PROVINCE, User.Role.ADMIN):
            return self.all()
        if user.role == User.Role.APPLICANT:
            mine = Q(lead__organisation_id=user.organisation_id) | Q(
                participants__organisation_id=user.organisation_id
            )
        elif user.role == User.Role.CITY:
            mine = Q(lead__organisation__centre_id=user.centre_id) | Q(
                participants__organisation__centre_id=user.centre_id
            )
        else:
            return self.none()
        return self.filter(pk__in=Project.objects.filter(mine).values("pk"))


class Project(models.Model):
    """A selected lead unit's bank development, created when the results are confirmed."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="projects")
    lead = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="project", verbose_name="牵头单位申报书"
    )
    participants = models.ManyToManyField(
        Application, related_name="participating_projects", blank=True, verbose_name="参与单位"
    )
    subsidy = models.DecimalField(
        "财政经费补助（万元）", max_digits=10, decimal_places=2, default=0
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = "题库开发项目"
        verbose_name_plural = "题库开发项目"

    def __str__(self):
        return f"{self.lead.title}（{self.lead.organisation.name}）"

    def allows(self, user, action) -> bool:
        if action == "report":
            return (
                user.role == User.Role.APPLICANT
                and user.organisation_id == self.lead.organisation_id
            )
        if action in ("review", "pay"):
            return user.role == User.Role.PROVINCE
        return False


class Milestone(models.Model):
    """One project's progress on one template step."""

    class State(models.TextChoices):
        PENDING = "pending", "未报告"
        REPORTED = "reported", "待省中心审核"
        RETURNED = "returned", "已退回"
        ACCEPTED = "accepted", "已通过"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    step = models.ForeignKey(MilestoneStep, on_delete=models.PROTECT, related_name="milestones")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    note = models.TextField("完成情况说明", blank=True)
    reported_at = models.DateTimeField("报告时间", null=True, blank=True)
    accepted_at = models.DateTimeField("通过时间", null=True, blank=True)
    # The last reminder sent, so the daily task writes once per kind.
    reminded = models.CharField(max_length=10, blank=True, editable=False)

    class Meta:
        ordering = ["project", "step__position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "step"], name="one_milestone_per_step")
        ]

    def __str__(self):
        return f"{self.project} · {self.step.name}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.state != self.State.ACCEPTED and self.step.due_on < today


class Evidence(models.Model):
    """A sign-off sheet or similar proof attached to a milestone report (never item content)."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("文件", upload_to=evidence_path)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.original_name


class MilestoneEvent(AppendOnly):
    """Append-only history of a milestone: reported, returned, accepted."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)
    from_state = models.CharField("原状态", max_length=10, choices=Milestone.State.choices)
    to_state = models.CharField("新状态", max_length=10, choices=Milestone.State.choices)
    comment = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Payment(models.Model):
    """A subsidy payment the province recorded."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="payments")
    stage = models.ForeignKey(
        PaymentStage, on_delete=models.PROTECT, null=True, blank=True, verbose_name="拨付阶段"
    )
    paid_on = models.DateField("拨付日期")
    amount = models.DecimalField("金额（万元）", max_digits=10, decimal_places=2)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self):
        return f"{self.paid_on} {self.amount}万元"
