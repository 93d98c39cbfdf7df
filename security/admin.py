from django.contrib import admin

from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """History is read, never edited."""

    list_display = ("at", "user", "kind", "actor", "note", "address")
    list_filter = ("kind",)
    search_fields = ("user__email", "note")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
