from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "申报书"

    def ready(self):
        # documents knows no other app: this app tells it how to render its PDF.
        from documents.exporters import register
        from documents.models import Document

        from .exporters import ApplicationPdf

        register(Document.Kind.APPLICATION_PDF, ApplicationPdf())
