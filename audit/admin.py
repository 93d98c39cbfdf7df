from django.contrib import admin

from applications.admin import ReadOnlyAdmin

from .models import Change


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "subject", "object_label", "field_label", "old", "new"]
    list_filter = ["subject", "call"]
    list_select_related = ["actor"]
    search_fields = ["object_label", "field_label", "old", "new"]
