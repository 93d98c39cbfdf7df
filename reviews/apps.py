from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "审核与遴选"

    def ready(self):
        # documents knows no other app: this app tells it how to render its sheets.
        from documents.exporters import register
        from documents.models import Document

        from .exporters import (
            BoardXlsx,
            CombinedSummaryXlsx,
            QueueXlsx,
            ResultsXlsx,
            ScoresXlsx,
            SummaryXlsx,
        )

        register(Document.Kind.SUMMARY_XLSX, SummaryXlsx())
        register(Document.Kind.RESULTS_XLSX, ResultsXlsx())
        register(Document.Kind.QUEUE_XLSX, QueueXlsx())
        register(Document.Kind.BOARD_XLSX, BoardXlsx())
        register(Document.Kind.SCORES_XLSX, ScoresXlsx())
        register(Document.Kind.COMBINED_SUMMARY_XLSX, CombinedSummaryXlsx())
