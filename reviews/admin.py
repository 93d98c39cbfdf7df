from django.contrib import admin

from applications.admin import ReadOnly, ReadOnlyAdmin

from .models import Batch, BatchEvent, Publication, Review, Score, Selection, Weights


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["application", "recommendation", "left_out", "updated_by", "updated_at"]
    list_filter = ["recommendation", "left_out"]
    list_select_related = ["application__organisation", "application__call", "updated_by"]
    raw_id_fields = ["application", "updated_by"]


class BatchEventInline(ReadOnly, admin.TabularInline):
    # Batch history is written by the send and reopen functions only.
    model = BatchEvent
    extra = 0
    readonly_fields = ["at", "actor", "from_state", "to_state", "comment"]


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["centre", "call", "state", "sent_at", "sent_by"]
    list_filter = ["call", "state"]
    list_select_related = ["centre", "call", "sent_by"]
    readonly_fields = ["state", "sent_at", "sent_by"]
    inlines = [BatchEventInline]


@admin.register(Weights)
class WeightsAdmin(ReadOnlyAdmin):
    # Changed on the province's 评分权重 page, which checks the total and the publication.
    list_display = ["call", "team", "funding", "experience", "updated_by", "updated_at"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["application", "team", "funding", "experience", "scored_by", "scored_at"]
    list_select_related = ["application__organisation", "application__call", "scored_by"]
    raw_id_fields = ["application", "scored_by"]


@admin.register(Selection)
class SelectionAdmin(ReadOnlyAdmin):
    list_display = ["unit_key", "application", "outcome", "subsidy", "decided_at"]
    list_filter = ["call", "outcome"]
    list_select_related = ["application__organisation", "application__call"]
    raw_id_fields = ["application", "unit", "decided_by"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["call", "published_at", "published_by"]
