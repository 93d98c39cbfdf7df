from django.db import models
from django.utils import timezone

from accounts.models import User
from applications.models import AppendOnly
from catalog.models import Call


class Subject(models.TextChoices):
    """What kind of record a change was made to; the trail page filters by it."""

    APPLICATION = "application", "申报书状态"
    REVIEW = "review", "中心审核意见"
    SCORE = "score", "遴选评分"
    WEIGHTS = "weights", "评分权重"
    BATCH = "batch", "中心报送"
    SELECTION = "selection", "遴选结果"
    PUBLICATION = "publication", "结果发布"
    ORGANISATION = "organisation", "申报单位信息"


class ChangeQuerySet(models.QuerySet):
    def for_call(self, call):
        # Organisation edits belong to no call: the trail of a call shows them too.
        return self.filter(models.Q(call=call) | models.Q(call__isnull=True))


class Change(AppendOnly):
    """One field of one record changed by one person: who, when, old and new value.

    Append-only; written by audit.trail.record from the same domain functions users go through.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name="操作人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    call = models.ForeignKey(
        Call, verbose_name="征集批次", on_delete=models.CASCADE, null=True, blank=True
    )
    subject = models.CharField("对象类型", max_length=20, choices=Subject.choices)
    object_id = models.PositiveIntegerField("对象编号")
    # What the record is, as people name it (e.g. "TK2023-00012 某单位"), kept as it was then.
    object_label = models.CharField("对象", max_length=300)
    field = models.CharField("字段", max_length=50)
    field_label = models.CharField("字段名称", max_length=100)
    old = models.TextField("原值", blank=True)
    new = models.TextField("新值", blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "修改记录"
        verbose_name_plural = "修改记录"
        indexes = [models.Index(fields=["call", "subject", "at"], name="audit_call_subject_at")]

    def __str__(self):
        return f"{self.object_label} {self.field_label}：{self.old} → {self.new}"
