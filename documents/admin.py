from django.contrib import admin

from . import services
from .models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "state", "application", "progress", "attempts", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["application__organisation", "application__call"]
    readonly_fields = ["input_hash", "error", "started_at", "finished_at", "attempts"]
    raw_id_fields = ["application", "snapshot", "requested_by"]
    actions = ["regenerate"]

    @admin.action(description="重新生成所选文件")
    def regenerate(self, request, queryset):
        for doc in queryset:
            services.retry(doc)
        self.message_user(request, f"已重新提交 {queryset.count()} 个文件的生成任务。")
