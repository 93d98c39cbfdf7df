from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "生成文件"

    def ready(self):
        from outbox.services import SWEEPERS

        from . import exporters  # noqa: F401  (registers the zip of PDFs)
        from .services import sweep_stuck

        SWEEPERS.append(sweep_stuck)
