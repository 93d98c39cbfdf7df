from django.contrib import admin

from .models import Application, Attachment, Event, Expert, SubmissionDeadline


class ExpertInline(admin.TabularInline):
    model = Expert
    extra = 0


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "from_status", "to_status", "comment", "kind"]

    def has_add_permission(self, request, obj=None):
        # History is written by workflow.set_state only.
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["id", "organisation", "unit", "custom_occupation", "status", "submitted_at"]
    list_filter = ["call", "status", "basis", "intention", "organisation__centre"]
    list_select_related = ["organisation", "unit__entry"]
    search_fields = ["organisation__name", "custom_occupation", "unit__entry__occupation"]
    # State changes must go through workflow.set_state, never the admin form.
    readonly_fields = ["status", "submitted_at", "version"]
    raw_id_fields = ["unit", "organisation", "created_by"]
    inlines = [ExpertInline, EventInline]


@admin.register(SubmissionDeadline)
class SubmissionDeadlineAdmin(admin.ModelAdmin):
    list_display = ["call", "centre", "deadline"]
    list_filter = ["call"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "application", "kind", "size", "uploaded_at", "removed_at"]
    list_filter = ["kind", ("removed_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["submitted_version", "removed_at", "removed_by", "expert_name"]
    list_select_related = ["application__organisation", "application__call"]
    raw_id_fields = ["application", "expert", "uploaded_by"]

    # Removed copies kept for the record are rows too: the admin sees every one.
    def get_queryset(self, request):
        return Attachment.all_objects.all()
