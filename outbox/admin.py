from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "dispatched_at", "attempts", "done_at"]
    list_filter = ["task"]
    readonly_fields = ["task", "args", "created_at", "dispatched_at", "attempts", "done_at"]
