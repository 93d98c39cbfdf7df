from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "审核与遴选"

    def ready(self):
        # documents knows no other app: this app tells it how to render its sheets.
        from documents.exporters import register
        from documents.models import Document

        from .exporters import ResultsXlsx, SummaryXlsx

        register(Document.Kind.SUMMARY_XLSX, SummaryXlsx())
        register(Document.Kind.RESULTS_XLSX, ResultsXlsx())
