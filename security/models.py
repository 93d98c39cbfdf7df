from django.conf import settings
from django.db import models


class SecurityEvent(models.Model):
    """Append-only history of what happened to an account's second factor and sessions."""

    class Kind(models.TextChoices):
        ENROLLED = "2fa_enrolled", "启用双重验证"
        DISABLED = "2fa_disabled", "停用双重验证"
        RESET = "2fa_reset", "管理员重置双重验证"
        CODES = "codes_renewed", "重新生成恢复码"
        RECOVERY_USED = "recovery_used", "使用恢复码登录"
        SESSIONS_ENDED = "sessions_ended", "结束其他会话"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField("事项", max_length=30, choices=Kind.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    address = models.CharField("来源地址", max_length=64, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = verbose_name_plural = "账号安全记录"

    def __str__(self):
        return f"{self.user} · {self.get_kind_display()}"


class UserSession(models.Model):
    """A logged-in browser of a user, so the user can see and end the others."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="browser_sessions"
    )
    address = models.CharField("来源地址", max_length=64, blank=True)
    user_agent = models.CharField("浏览器", max_length=300, blank=True)
    created_at = models.DateTimeField("登录时间", auto_now_add=True)
    last_seen = models.DateTimeField("最近活动")

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = verbose_name_plural = "登录会话"

    def __str__(self):
        return f"{self.user} · {self.address}"
