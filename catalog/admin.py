from django.contrib import admin
from django.db import models
from django.db.models import Count, Prefetch

from .models import Call, Entry, Reference, Series, Unit


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 1
    fields = ["position", "name", "url"]
    # A link typed without a scheme is read as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "notice_date",
        "applicant_deadline",
        "deadline",
        "is_open",
        "paper_required",
        "entry_count",
    ]
    inlines = [ReferenceInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "notice_date", "is_open"]}),
        ("截止日期", {"fields": ["applicant_deadline", "deadline"]}),
        ("公开页面", {"fields": ["notice_text"]}),
        (
            "联系方式",
            {
                "fields": [
                    "contact_unit",
                    "contact_people",
                    "contact_phones",
                    "contact_email",
                    "postal_address",
                ]
            },
        ),
        ("纸质材料", {"fields": ["paper_required"]}),
        ("申报表", {"fields": ["section_three_title", "section_three_help"]}),
    ]
    list_filter = ["is_open"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "notice_date"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_entry_count=Count("entries"))

    @admin.display(description="目录条目数", ordering="_entry_count")
    def entry_count(self, obj):
        return obj._entry_count


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "industry", "entry_count"]
    list_display_links = ["number", "name"]
    list_filter = ["industry"]
    search_fields = ["name", "definition"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_entry_count=Count("entries"))

    @admin.display(description="目录条目数", ordering="_entry_count")
    def entry_count(self, obj):
        return obj._entry_count


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["position", "name", "level_start", "level_end", "standard_year"]
    ordering = ["position"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "occupation",
        "call_slug",
        "subdivision",
        "unit_count",
        "levels",
        "is_green",
        "is_digital",
        "series",
    ]
    list_display_links = ["number", "occupation"]
    list_filter = ["call", "is_green", "is_digital", "subdivision", "series__industry", "series"]
    search_fields = ["occupation", "units__name", "remark"]
    list_select_related = ["call", "series"]
    list_per_page = 60
    autocomplete_fields = ["series"]
    inlines = [UnitInline]
    fieldsets = [
        (None, {"fields": ["call", "number", "occupation", "subdivision", "series"]}),
        ("不细分工种的等级", {"fields": ["shared_level_start", "shared_level_end"]}),
        ("标签与备注", {"fields": ["is_green", "is_digital", "remark"]}),
    ]

    def get_queryset(self, request):
        # Count for sorting, prefetched units for the level column: a fixed number of queries.
        units = Prefetch("units", queryset=Unit.objects.order_by("position"))
        return (
            super()
            .get_queryset(request)
            .annotate(_unit_count=Count("units", distinct=True))
            .prefetch_related(units)
        )

    # The slug keeps the column narrow; the full call name is in the filter sidebar.
    @admin.display(description="批次", ordering="call__notice_date")
    def call_slug(self, obj):
        return obj.call.slug

    @admin.display(description="职业(工种)数量", ordering="_unit_count")
    def unit_count(self, obj):
        return obj._unit_count

    @admin.display(description="等级")
    def levels(self, obj):
        level_range = obj.level_range
        if level_range is None:
            return "、".join(
                f"{u.name or obj.occupation}（{u.level_range}）" for u in obj.units.all()
            )
        return str(level_range)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["__str__", "entry_call", "position", "levels", "standard_year"]
    list_filter = ["entry__call", "standard_year", "level_start", "level_end"]
    search_fields = ["name", "entry__occupation"]
    list_select_related = ["entry", "entry__call"]
    autocomplete_fields = ["entry"]
    ordering = ["entry__call", "entry__number", "position"]

    @admin.display(description="批次", ordering="entry__call__notice_date")
    def entry_call(self, obj):
        return obj.entry.call.slug

    @admin.display(description="等级")
    def levels(self, obj):
        return f"{obj.level_range}（{obj.level_range.label}）"
