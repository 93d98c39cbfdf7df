from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "后台任务"

    def ready(self):
        # Marks a job done when its task succeeds, wherever the task ran.
        from . import signals  # noqa: F401
