from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "修改留痕"

    def ready(self):
        # documents knows no other app: this app tells it how to render the trail export.
        from documents.exporters import register
        from documents.models import Document

        from .exporters import AuditXlsx

        register(Document.Kind.AUDIT_XLSX, AuditXlsx())
