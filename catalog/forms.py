"""The public catalog's filter form (参考目录筛选)."""

from django import forms
from django.core.exceptions import ValidationError

from .levels import Level
from .models import Entry, Series, Unit

ALL = ("", "全部")
SEARCH_MAX_LENGTH = 50


class LenientChoiceField(forms.TypedChoiceField):
    """A choice that falls back to 全部 on a bad value instead of reporting an error.

    Filter links are shared and bookmarked; an outdated or mistyped value must not break the page.
    """

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError:
            return self.empty_value


def _select(label, **kwargs):
    return LenientChoiceField(
        label=label,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        **kwargs,
    )


class CatalogFilterForm(forms.Form):
    """GET filters for one call's catalog; every field is optional and they combine (AND)."""

    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-sm",
                "placeholder": "职业或工种名称",
                "maxlength": SEARCH_MAX_LENGTH,
                "type": "search",
                "autocomplete": "off",
            }
        ),
    )
    tag = _select("职业类型", choices=[ALL, *Entry.TAG_LABELS.items()], coerce=str, empty_value="")
    level = _select("等级", choices=[ALL, *Level.choices], coerce=int, empty_value=None)
    year = _select("国标版本", choices=[ALL], coerce=int, empty_value=None)
    industry = _select(
        "产业", choices=[ALL, *Series.Industry.choices], coerce=int, empty_value=None
    )
    series = _select("浙派工匠系列", choices=[ALL], coerce=int, empty_value=None)

    def __init__(self, data=None, *, call):
        super().__init__(data)
        self.call = call
        if call is None:
            return
        # One query each, whatever the number of rows: only values present in this call are offered.
        years = (
            Unit.objects.filter(entry__call=call, standard_year__isnull=False)
            .values_list("standard_year", flat=True)
            .distinct()
            .order_by("standard_year")
        )
        self.fields["year"].choices = [ALL, *((y, f"{y}年版") for y in years)]
        series = Series.objects.filter(entries__call=call).distinct().order_by("number")
        groups = {}
        for s in series:
            groups.setdefault(s.industry, []).append((s.pk, s.name))
        self.fields["series"].choices = [
            ALL,
            *((Series.Industry(ind).label, groups[ind]) for ind in sorted(groups)),
        ]

    def clean_q(self):
        # Long pasted text is cut, not refused, for the same reason bad choices are ignored.
        return self.cleaned_data["q"][:SEARCH_MAX_LENGTH]

    @property
    def active(self) -> bool:
        """Whether any filter narrows the list."""
        if not self.is_valid():
            return False
        return any(v not in (None, "") for v in self.cleaned_data.values())

    def entries(self):
        """The call's entries matching every filter, with units prefetched for the table."""
        if self.call is None:
            return Entry.objects.none()
        qs = Entry.objects.for_call(self.call).with_units().order_by("number")
        # Bad values were already reduced to "not set" by the fields; is_valid() is always true.
        self.is_valid()
        data = self.cleaned_data
        if data.get("tag"):
            qs = qs.tagged(data["tag"])
        if data.get("level") is not None:
            qs = qs.covering_level(data["level"])
        if data.get("year") is not None:
            qs = qs.with_standard_year(data["year"])
        if data.get("industry") is not None:
            qs = qs.filter(series__industry=data["industry"])
        if data.get("series") is not None:
            qs = qs.filter(series_id=data["series"])
        if data.get("q"):
            qs = qs.search(data["q"])
        return qs
