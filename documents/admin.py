from django.contrib import admin

from .models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "state", "application", "progress", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["application__organisation", "application__call"]
    readonly_fields = ["input_hash", "error", "started_at", "finished_at"]
    raw_id_fields = ["application", "snapshot", "requested_by"]
