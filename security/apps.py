from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "账号安全"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401
