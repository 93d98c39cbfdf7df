"""The trail page's filters: who, what, when."""

from django import forms
from django.db.models import Q

from .models import Change, Subject


class TrailFilterForm(forms.Form):
    who = forms.CharField(
        label="操作人",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "姓名或邮箱"}),
    )
    what = forms.ChoiceField(
        label="对象类型", required=False, choices=[("", "全部"), *Subject.choices]
    )
    text = forms.CharField(
        label="对象或内容",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "申报书编号、单位名称等"}),
    )
    start = forms.DateField(
        label="起始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入有效的日期，例如2023-06-01。"},
    )
    end = forms.DateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入有效的日期，例如2023-06-30。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            field.widget.attrs["class"] = f"{css} form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "截止日期不能早于起始日期。")
        return data

    def apply(self, call):
        """The call's trail narrowed by every valid filter, newest first."""
        changes = Change.objects.for_call(call).select_related("actor")
        data = self.cleaned_data if self.is_valid() else {}
        if who := (data.get("who") or "").strip():
            changes = changes.filter(Q(actor__name__icontains=who) | Q(actor__email__icontains=who))
        if data.get("what"):
            changes = changes.filter(subject=data["what"])
        if text := (data.get("text") or "").strip():
            changes = changes.filter(
                Q(object_label__icontains=text) | Q(old__icontains=text) | Q(new__icontains=text)
            )
        if data.get("start"):
            changes = changes.filter(at__date__gte=data["start"])
        if data.get("end"):
            changes = changes.filter(at__date__lte=data["end"])
        return changes.order_by("-at", "-pk")

    def params(self) -> dict:
        """The filter as sent, to hand to the export."""
        if not self.is_bound:
            return {}
        return {name: self.data.get(name, "") for name in self.fields if self.data.get(name)}
