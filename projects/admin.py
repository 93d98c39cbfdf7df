from django.contrib import admin

from .models import CalendarDay, MilestoneStep, Notice, PaymentStage, Project


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]


@admin.register(MilestoneStep)
class MilestoneStepAdmin(admin.ModelAdmin):
    list_display = ["call", "position", "name", "due_on"]
    list_editable = ["name", "due_on"]
    list_filter = ["call"]


@admin.register(PaymentStage)
class PaymentStageAdmin(admin.ModelAdmin):
    list_display = ["call", "position", "name", "percent", "step"]
    list_filter = ["call"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["call", "starts_on", "ends_on", "started_by"]
    # Started and confirmed on the province's 公示 page only.
    readonly_fields = ["call", "starts_on", "ends_on", "started_at", "started_by"]

    def has_add_permission(self, request):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["lead", "call", "subsidy"]
    list_select_related = ["lead__organisation", "lead__unit__entry", "call"]
    readonly_fields = ["call", "lead", "participants", "subsidy", "created_at"]

    def has_add_permission(self, request):
        return False
