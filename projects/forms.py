"""Forms of the notice, the public objection form, milestone reports and reviews, payments."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from applications.attachments import ACCEPT_ATTRIBUTE, inspect_upload

from .models import Objection, PaymentStage
from .services import MAX_EVIDENCE_FILES

PHONE = re.compile(r"^[0-9+\-() ]{7,20}$")
TEXT = {"class": "form-control"}


class NoticeForm(forms.Form):
    starts_on = forms.DateField(
        label="公示开始日期",
        widget=forms.DateInput(attrs={"type": "date", **TEXT}),
        error_messages={"required": "请填写公示开始日期。", "invalid": "请输入有效的日期。"},
    )
    ends_on = forms.DateField(
        label="公示截止日期",
        required=False,
        help_text="不填则按工作日历自动取5个工作日",
        widget=forms.DateInput(attrs={"type": "date", **TEXT}),
        error_messages={"invalid": "请输入有效的日期。"},
    )


class ObjectionForm(forms.Form):
    name = forms.CharField(
        label="真实姓名",
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name", **TEXT}),
        error_messages={"required": "请填写真实姓名。", "max_length": "姓名不能超过50个字。"},
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", **TEXT}),
        error_messages={"required": "请填写联系电话。", "max_length": "联系电话不能超过20位。"},
    )
    application = forms.TypedChoiceField(
        label="异议涉及单位",
        coerce=int,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": "请选择异议涉及的单位。",
            "invalid_choice": "请从公示名单中选择单位。",
        },
    )
    text = forms.CharField(
        label="异议内容",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6, **TEXT}),
        error_messages={"required": "请填写异议内容。", "max_length": "异议内容不能超过3000字。"},
    )
    evidence = forms.FileField(
        label="证明材料（可选）",
        required=False,
        help_text="PDF、JPG或PNG，一个文件",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, **TEXT}),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [("", "请选择"), *choices]

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not PHONE.match(phone):
            raise ValidationError("请填写有效的联系电话（数字，可含区号和“-”）。")
        return phone

    def clean_evidence(self):
        evidence = self.cleaned_data.get("evidence")
        if evidence:
            inspect_upload(evidence)
        return evidence


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label="受理编号",
        max_length=20,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": "请填写受理编号。"},
    )
    phone = forms.CharField(
        label="提交时填写的联系电话",
        max_length=20,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": "请填写联系电话。"},
    )


class HandleForm(forms.Form):
    state = forms.ChoiceField(
        label="处理状态",
        choices=Objection.State.choices[1:],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    handling = forms.CharField(
        label="处理情况",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3, **TEXT}),
        error_messages={"required": "请填写处理情况。"},
    )
    outcome = forms.CharField(
        label="处理结果",
        required=False,
        max_length=3000,
        help_text="办结时必填",
        widget=forms.Textarea(attrs={"rows": 3, **TEXT}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    note = forms.CharField(
        label="完成情况说明",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, **TEXT}),
        error_messages={"required": "请填写完成情况说明。"},
    )
    files = MultipleFileField(
        label="证明材料",
        required=False,
        help_text=f"签字确认单、会议纪要等（PDF、JPG或PNG，最多{MAX_EVIDENCE_FILES}个）。"
        "请勿上传试题内容。",
        widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "multiple": True, **TEXT}),
    )

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_EVIDENCE_FILES:
            raise ValidationError(f"每次最多上传{MAX_EVIDENCE_FILES}个证明文件。")
        for f in files:
            inspect_upload(f)
        return files


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核意见",
        choices=[("accept", "通过"), ("return", "退回")],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择通过或退回。"},
    )
    comment = forms.CharField(
        label="意见",
        required=False,
        max_length=2000,
        help_text="退回时必填",
        widget=forms.Textarea(attrs={"rows": 2, **TEXT}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", "退回须填写意见，说明需要补充或修改的内容。")
        return data


class PaymentForm(forms.Form):
    paid_on = forms.DateField(
        label="拨付日期",
        widget=forms.DateInput(attrs={"type": "date", **TEXT}),
        error_messages={"required": "请填写拨付日期。", "invalid": "请输入有效的日期。"},
    )
    amount = forms.DecimalField(
        label="金额（万元）",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", **TEXT}),
        error_messages={
            "required": "请填写拨付金额。",
            "invalid": "请输入有效的金额（万元）。",
            "min_value": "拨付金额必须大于0。",
            "max_digits": "金额位数过多，请以万元为单位填写。",
            "max_decimal_places": "金额最多保留两位小数。",
        },
    )
    stage = forms.ModelChoiceField(
        label="拨付阶段",
        queryset=PaymentStage.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        if call is not None:
            self.fields["stage"].queryset = PaymentStage.objects.filter(call=call)
