from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count

from . import services
from .models import Centre, Invitation, Message, Organisation, User


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "region", "contact_person", "contact_phone", "position"]
    list_editable = ["contact_person", "contact_phone", "position"]
    list_filter = ["kind"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "user", "created_at", "read_at"]
    list_select_related = ["user"]
    search_fields = ["subject", "user__email"]
    readonly_fields = ["user", "subject", "body", "link", "created_at", "read_at"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "legal_cert_no", "centre", "member_count", "created_at"]
    list_filter = ["centre"]
    list_select_related = ["centre"]
    search_fields = ["name", "credit_code", "legal_cert_no"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members"))

    def save_model(self, request, obj, form, change):
        # The same function as the organisation page, so an admin's edit is on the trail too.
        before = None
        if change:
            before = services.organisation_values(Organisation.objects.get(pk=obj.pk))
        services.save_organisation(obj, request.user, before)

    @admin.display(description="用户数", ordering="_members")
    def member_count(self, obj):
        return obj._members


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "organisation", "centre", "is_active"]
    list_filter = ["role", "centre", "is_active"]
    list_select_related = ["organisation", "centre"]
    search_fields = ["email", "name", "organisation__name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("个人信息", {"fields": ["name", "phone"]}),
        ("角色与归属", {"fields": ["role", "organisation", "centre"]}),
        ("权限", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("时间", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "name",
                    "role",
                    "organisation",
                    "centre",
                    "password1",
                    "password2",
                ],
            },
        )
    ]
    autocomplete_fields = ["organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "invited_by", "created_at", "accepted_at"]
    list_select_related = ["organisation", "invited_by"]
    readonly_fields = ["token"]
