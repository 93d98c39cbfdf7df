"""The province's decision form on one applicant (确定遴选结果)."""

from decimal import Decimal

from django import forms

from .models import Selection


class DecisionForm(forms.Form):
    """Outcome, reason and (for a lead unit only) the subsidy in 万元.

    Pass ``application=`` to give the inputs ids unique on the page: the compare page
    shows one form per applicant, while the field names stay plain for the decide view.
    """

    outcome = forms.ChoiceField(
        label="遴选结果",
        choices=Selection.Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择遴选结果。"},
    )
    reason = forms.CharField(
        label="理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": "请填写遴选理由。"},
    )
    subsidy = forms.DecimalField(
        label="财政经费补助（万元）",
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text="仅牵头单位可填写",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "form-control"}),
        error_messages={
            "min_value": "财政经费补助不能为负数。",
            "invalid": "请输入有效的金额（万元）。",
            "max_digits": "金额位数过多，请以万元为单位填写。",
            "max_decimal_places": "金额最多保留两位小数。",
            "max_whole_digits": "金额过大，请以万元为单位填写。",
        },
    )

    def __init__(self, *args, application=None, **kwargs):
        if application is not None:
            kwargs.setdefault("auto_id", f"id_decide{application.pk}_%s")
            if "initial" not in kwargs and not args:
                kwargs["initial"] = initial_for(application)
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        outcome, subsidy = cleaned.get("outcome"), cleaned.get("subsidy")
        if subsidy is not None and outcome and outcome != Selection.Outcome.LEAD:
            self.add_error("subsidy", "只有牵头单位可以安排财政经费补助。")
        return cleaned


def initial_for(application) -> dict:
    """The current decision, so the form shows what was decided."""
    try:
        selection = application.selection
    except Selection.DoesNotExist:
        return {}
    return {
        "outcome": selection.outcome,
        "reason": selection.reason,
        "subsidy": selection.subsidy,
    }
