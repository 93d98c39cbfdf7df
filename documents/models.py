import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Centre, User
from applications.models import Application, Snapshot
from catalog.models import Call
from tiku_portal.filenames import safe_suffix


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A document is visible with what it was made from: its application, or its requester."""
        if not user.is_authenticated:
            return self.none()
        # An application's file is visible exactly when the application is: never a draft's
        # for a centre or the province, whoever asked for it.
        of_application = Q(application__in=Application.objects.visible_to(user))
        unattached = Q(application__isnull=True)
        if user.role in (User.Role.PROVINCE, User.Role.ADMIN):
            return self.filter(of_application | unattached)
        mine = Q(requested_by=user)
        if user.role == User.Role.CITY:
            mine |= Q(centre_id=user.centre_id)
        return self.filter(of_application | (unattached & mine))


def document_path(instance, filename):
    # Ids and a random token only: the friendly name (an organisation may be called
    # "杭州/滨江…") is kept in `Document.filename` and sent as the download name.
    return f"documents/{instance.kind}/{uuid.uuid4().hex}/{instance.pk}{safe_suffix(filename)}"


class Document(models.Model):
    """A file rendered in the background: an application's PDF, a zip of PDFs, an Excel sheet."""

    class Kind(models.TextChoices):
        APPLICATION_PDF = "application_pdf", "申报表PDF"
        PDF_ZIP = "pdf_zip", "申报表PDF打包下载"
        SUMMARY_XLSX = "summary_xlsx", "附件3汇总表"
        RESULTS_XLSX = "results_xlsx", "遴选结果表"
        QUEUE_XLSX = "queue_xlsx", "审核队列导出"
        BOARD_XLSX = "board_xlsx", "遴选总表导出"
        SCORES_XLSX = "scores_xlsx", "遴选评分导出"
        COMBINED_SUMMARY_XLSX = "combined_summary_xlsx", "全省附件3汇总表"
        AUDIT_XLSX = "audit_xlsx", "修改留痕导出"
        PROJECTS_XLSX = "projects_xlsx", "题库开发进度表"

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, null=True, blank=True)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, null=True, blank=True)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    params = models.JSONField("参数", default=dict, blank=True)
    # Hash of everything the file is made from; equal hash + done means the file is current.
    input_hash = models.CharField("输入摘要", max_length=64, blank=True)
    file = models.FileField("文件", upload_to=document_path, blank=True)
    filename = models.CharField("下载文件名", max_length=200, blank=True)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    error = models.TextField("错误信息", blank=True)
    created_at = models.DateTimeField("请求时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "生成文件"
        verbose_name_plural = "生成文件"
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot"],
                condition=Q(kind="application_pdf"),
                name="one_pdf_per_snapshot",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)

    def allows(self, user, action: str) -> bool:
        # Whoever may see a document may also ask for it to be made again.
        return action == "retry"
