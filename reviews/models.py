import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Centre, User
from applications.models import AppendOnly, Application, ThroughApplicationQuerySet
from catalog.models import Call, Unit


def unit_key_for(application) -> str:
    """What applicants compete for: a catalog unit, or the same out-of-catalog occupation."""
    if application.unit_id:
        return f"u{application.unit_id}"
    return f"c:{application.custom_occupation.strip()}|{application.custom_work_type.strip()}"


class Recommendation(models.TextChoices):
    LEAD = "lead", "推荐为牵头单位"
    PARTICIPANT = "participant", "推荐为参与单位"
    NONE = "none", "不予推荐"


class Review(models.Model):
    """The reviewing centre's verification and recommendation of one application (section 五)."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="review", verbose_name="申报书"
    )
    recommendation = models.CharField(
        "推荐意见", max_length=20, choices=Recommendation.choices, blank=True
    )
    reason = models.TextField("推荐理由概要", blank=True)
    differs_reason = models.TextField(
        "与申报意向不一致的理由", blank=True, help_text="推荐意见与申报单位的开发意向不同时必填"
    )
    opinion = models.TextField("评价中心意见", blank=True, help_text="打印在申报表第五部分")
    # Optimistic lock: a save from an older version is refused, never silently merged.
    version = models.PositiveIntegerField("版本", default=1)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("最后修改", default=timezone.now)
    # Left out of the centre's batch on purpose (neither decided nor sent).
    left_out = models.BooleanField("不纳入本次报送", default=False)
    left_out_reason = models.CharField("不纳入理由", max_length=300, blank=True)

    objects = ThroughApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "中心审核意见"
        verbose_name_plural = "中心审核意见"

    def __str__(self):
        return f"{self.application.reference}：{self.get_recommendation_display() or '未决定'}"


def batch_scan_path(instance, filename):
    # Names from ids and a random part, never from the uploaded name.
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        instance.stamped_summary_type, "bin"
    )
    return f"batches/{instance.pk}/{uuid.uuid4().hex}.{ext}"


class Batch(models.Model):
    """What one centre sends the province for one call: its 附件3 and the PDFs behind it."""

    class State(models.TextChoices):
        OPEN = "open", "未报送"
        SENT = "sent", "已报送"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, verbose_name="征集批次")
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, verbose_name="评价中心")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    sent_at = models.DateTimeField("报送时间", null=True, blank=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=50, blank=True)
    # The paper side of sending: the stamped 附件3 scan, and the package arriving at the province.
    stamped_summary = models.FileField(
        "盖章的附件3扫描件", upload_to=batch_scan_path, blank=True, editable=False
    )
    stamped_summary_name = models.CharField(
        "附件3扫描件原文件名", max_length=255, blank=True, editable=False
    )
    stamped_summary_type = models.CharField("文件类型", max_length=50, blank=True, editable=False)
    stamped_summary_at = models.DateTimeField(
        "附件3扫描件上传时间", null=True, blank=True, editable=False
    )
    package_received_on = models.DateField(
        "纸质材料包收到日期", null=True, blank=True, editable=False
    )
    package_received_by = models.ForeignKey(
        User,
        verbose_name="纸质材料包登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "中心报送批次"
        verbose_name_plural = "中心报送批次"
        constraints = [
            models.UniqueConstraint(fields=["call", "centre"], name="one_batch_per_centre")
        ]

    def __str__(self):
        return f"{self.centre} · {self.call}"


class BatchEvent(AppendOnly):
    """Append-only history of a batch: sent, reopened by the province (with its reason)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)
    from_state = models.CharField("原状态", max_length=10, choices=Batch.State.choices)
    to_state = models.CharField("新状态", max_length=10, choices=Batch.State.choices)
    comment = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "报送记录"
        verbose_name_plural = "报送记录"

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class Criterion(models.TextChoices):
    TEAM = "team", "专业团队力量"
    FUNDING = "funding", "资金保障能力"
    EXPERIENCE = "experience", "题库开发经验"


class Weights(models.Model):
    """How much each selection criterion counts, per call."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="weights")
    team = models.PositiveSmallIntegerField("专业团队力量权重（%）", default=40)
    funding = models.PositiveSmallIntegerField("资金保障能力权重（%）", default=30)
    experience = models.PositiveSmallIntegerField("题库开发经验权重（%）", default=30)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_at = models.DateTimeField("修改时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "遴选权重"
        verbose_name_plural = "遴选权重"
        constraints = [
            models.CheckConstraint(
                condition=Q(team__lte=100) & Q(funding__lte=100) & Q(experience__lte=100),
                name="weights_are_percentages",
            )
        ]

    def __str__(self):
        return f"{self.call}：{self.team}/{self.funding}/{self.experience}"


class Score(models.Model):
    """One provincial officer's scores (0-100 per criterion) of one applicant."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="score", verbose_name="申报书"
    )
    team = models.PositiveSmallIntegerField("专业团队力量", null=True, blank=True)
    funding = models.PositiveSmallIntegerField("资金保障能力", null=True, blank=True)
    experience = models.PositiveSmallIntegerField("题库开发经验", null=True, blank=True)
    notes = models.TextField("评分说明", blank=True)
    scored_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    scored_at = models.DateTimeField("评分时间", default=timezone.now)

    objects = ThroughApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "遴选评分"
        verbose_name_plural = "遴选评分"
        constraints = [
            models.CheckConstraint(
                condition=Q(team__lte=100) & Q(funding__lte=100) & Q(experience__lte=100),
                name="scores_are_out_of_100",
            )
        ]

    def __str__(self):
        return f"{self.application.reference} 评分"


class Selection(models.Model):
    """The province's decision on one applicant; exactly one lead per unit, by constraint."""

    class Outcome(models.TextChoices):
        LEAD = "lead", "确定为牵头单位"
        PARTICIPANT = "participant", "确定为参与单位"
        NOT_SELECTED = "not_selected", "未入选"

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="selection", verbose_name="申报书"
    )
    call = models.ForeignKey(Call, on_delete=models.CASCADE)
    # The unit competed for: the catalog unit, or a key for an out-of-catalog occupation.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True)
    unit_key = models.CharField("职业（工种）", max_length=220)
    outcome = models.CharField("遴选结果", max_length=20, choices=Outcome.choices)
    reason = models.TextField("理由", blank=True)
    subsidy = models.DecimalField(
        "财政经费补助（万元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField("决定时间", default=timezone.now)

    objects = ThroughApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "遴选结果"
        verbose_name_plural = "遴选结果"
        constraints = [
            models.UniqueConstraint(
                fields=["call", "unit_key"],
                condition=Q(outcome="lead"),
                name="one_lead_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(subsidy__isnull=True) | Q(outcome="lead"),
                name="subsidy_only_for_lead",
            ),
        ]

    def __str__(self):
        return f"{self.unit_key}：{self.get_outcome_display()}"


class Publication(models.Model):
    """The moment a call's results were published; applicants see outcomes only after it."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="publication")
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    published_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = "结果发布"
        verbose_name_plural = "结果发布"

    def __str__(self):
        return f"{self.call} 结果已发布"
