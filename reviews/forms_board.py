"""The board's filters and the province's score form."""

from django import forms

from accounts.models import Centre
from catalog.forms import ALL, LenientChoiceField
from catalog.models import Entry, Series

from .board import Flag
from .scoring import OUT_OF_RANGE, SCORE_MAX, SCORE_MIN, weights_total_error


def _select(label, **kwargs):
    return LenientChoiceField(
        label=label,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        **kwargs,
    )


class BoardFilterForm(forms.Form):
    """GET filters of the board; all optional, combined (AND); a bad value falls back to 全部."""

    flag = _select("状态", choices=[ALL, *Flag.choices], coerce=str, empty_value="")
    industry = _select(
        "产业", choices=[ALL, *Series.Industry.choices], coerce=int, empty_value=None
    )
    series = _select("浙派工匠系列", choices=[ALL], coerce=int, empty_value=None)
    tag = _select("职业类型", choices=[ALL, *Entry.TAG_LABELS.items()], coerce=str, empty_value="")
    centre = _select("申报单位所属中心", choices=[ALL], coerce=int, empty_value=None)
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control form-control-sm",
                "placeholder": "职业、工种或申报单位名称",
            }
        ),
    )

    def __init__(self, data=None, *, call):
        super().__init__(data)
        # One query each: the series present in this call's catalog, and the centres.
        groups = {}
        for s in Series.objects.filter(entries__call=call).distinct().order_by("number"):
            groups.setdefault(s.industry, []).append((s.pk, s.name))
        self.fields["series"].choices = [
            ALL,
            *((Series.Industry(ind).label, groups[ind]) for ind in sorted(groups)),
        ]
        self.fields["centre"].choices = [
            ALL,
            *Centre.objects.official_order().values_list("pk", "name"),
        ]

    def filters(self) -> dict:
        """The row filters for reviews.board.board_rows; the flag is applied afterwards."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "series": data.get("series"),
            "industry": data.get("industry"),
            "tag": data.get("tag") or None,
            "centre": data.get("centre"),
            "q": data.get("q", ""),
        }

    @property
    def chosen_flag(self) -> str:
        return self.cleaned_data.get("flag", "") if self.is_valid() else ""

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.get(name) for name in self.fields)


def _score_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=SCORE_MIN,
        max_value=SCORE_MAX,
        # A text input keeps whatever was typed (a number input drops "abc") for the error.
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-sm",
                "inputmode": "numeric",
                "autocomplete": "off",
                "placeholder": f"{SCORE_MIN}-{SCORE_MAX}",
            }
        ),
        error_messages={
            "invalid": OUT_OF_RANGE,
            "min_value": OUT_OF_RANGE,
            "max_value": OUT_OF_RANGE,
        },
    )


class MarksInvalid(forms.Form):
    def add_error(self, field, error):
        super().add_error(field, error)
        # Bootstrap marks a field red through the input's own class.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class ScoreForm(MarksInvalid):
    """Team, funding and experience out of 100, and notes; blank criteria stay unscored."""

    team = _score_field("专业团队力量")
    funding = _score_field("资金保障能力")
    experience = _score_field("题库开发经验")
    notes = forms.CharField(
        label="评分说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        error_messages={"max_length": "评分说明不能超过2000字。"},
    )

    def __init__(self, *args, application=None, score=None, **kwargs):
        if application is not None:
            # One form per applicant on the compare page: ids must stay unique.
            kwargs.setdefault("auto_id", f"id_score{application.pk}_%s")
        if score is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "team": score.team,
                "funding": score.funding,
                "experience": score.experience,
                "notes": score.notes,
            }
        super().__init__(*args, **kwargs)


def _weight_field(label):
    field = _score_field(f"{label}权重（%）")
    field.required = True
    field.error_messages["required"] = f"请填写{label}的权重。"
    return field


class WeightsForm(MarksInvalid):
    """The three criteria's weights in percent, adding up to 100."""

    team = _weight_field("专业团队力量")
    funding = _weight_field("资金保障能力")
    experience = _weight_field("题库开发经验")

    def clean(self):
        cleaned = super().clean()
        if not self.errors and (error := weights_total_error(cleaned)):
            raise forms.ValidationError(error)
        return cleaned
