from django.contrib import admin

from .models import Application, Attachment, Event, Expert, SubmissionDeadline


class ReadOnly:
    """Workflow data: the admin may read it; changes go through the functions users use.

    An edit here would bypass set_state (no history row, no notification) and the trail.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class ExpertInline(ReadOnly, admin.TabularInline):
    model = Expert
    extra = 0


class EventInline(ReadOnly, admin.TabularInline):
    # History is written by workflow.set_state only.
    model = Event
    extra = 0
    readonly_fields = ["at", "actor", "from_status", "to_status", "comment", "kind"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["id", "organisation", "unit", "custom_occupation", "status", "submitted_at"]
    list_filter = ["call", "status", "basis", "intention", "organisation__centre"]
    list_select_related = ["organisation", "unit__entry"]
    search_fields = ["organisation__name", "custom_occupation", "unit__entry__occupation"]
    raw_id_fields = ["unit", "organisation", "created_by"]
    inlines = [ExpertInline, EventInline]


@admin.register(SubmissionDeadline)
class SubmissionDeadlineAdmin(admin.ModelAdmin):
    list_display = ["call", "centre", "deadline"]
    list_filter = ["call"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "application", "kind", "size", "uploaded_at", "removed_at"]
    list_filter = ["kind", ("removed_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["submitted_version", "removed_at", "removed_by", "expert_name"]
    list_select_related = ["application__organisation", "application__call"]
    raw_id_fields = ["application", "expert", "uploaded_by"]

    # Removed copies kept for the record are rows too: the admin sees every one.
    def get_queryset(self, request):
        return Attachment.all_objects.all()
