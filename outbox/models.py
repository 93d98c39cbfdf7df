from django.db import models
from django.db.models import Q
from django.utils import timezone


class Job(models.Model):
    """Background work a user action implies, saved in the same transaction as the action.

    The job is handed to the broker after commit; if that fails (broker down or hung) the
    periodic sweep hands it over again, so it runs at least once.
    """

    task = models.CharField("任务", max_length=200)
    args = models.JSONField("参数", default=list, blank=True)
    created_at = models.DateTimeField("记录时间", default=timezone.now)
    dispatched_at = models.DateTimeField("最近交给队列", null=True, blank=True)
    attempts = models.PositiveIntegerField("交付次数", default=0)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        indexes = [
            models.Index(
                fields=["dispatched_at"], condition=Q(done_at__isnull=True), name="outbox_pending"
            )
        ]

    def __str__(self):
        return f"{self.task}{self.args} #{self.pk}"

    @property
    def task_id(self) -> str:
        # The Celery task id names the job, so the success signal can find it.
        return f"outbox-{self.pk}"
