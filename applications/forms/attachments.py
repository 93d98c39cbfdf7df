from django import forms
from django.conf import settings

from ..attachments import ACCEPT_ATTRIBUTE, inspect_upload
from ..models import Attachment

# Bootstrap classes per widget; text inputs and the file input share form-control.
CSS = {"kind": "form-select", "expert": "form-select", "certified_copy": "form-check-input"}


class AttachmentForm(forms.Form):
    """One upload: which material it is, the file, and the applicant's 与原件一致."""

    kind = forms.ChoiceField(label="材料类别", choices=Attachment.Kind.choices)
    expert = forms.ModelChoiceField(
        label="对应专家",
        queryset=None,
        required=False,
        empty_label="请选择专家",
        help_text="上传专家证书复印件时必选。",
        error_messages={"invalid_choice": "所选专家不在本申报书的专家团队中，请重新选择。"},
    )
    # Empty files pass here so that inspect_upload can refuse them with the file's name.
    file = forms.FileField(
        label="文件",
        allow_empty_file=True,
        error_messages={"required": "请选择要上传的文件。"},
    )
    certified_copy = forms.BooleanField(
        label="本单位确认：上传的复印件与原件一致",
        error_messages={"required": "请勾选“与原件一致”，确认上传的复印件与原件一致。"},
    )
    description = forms.CharField(label="说明（选填）", max_length=200, required=False)

    def __init__(self, application, *args, certified=None, **kwargs):
        """`certified`: the ids of experts who already have a certificate copy (else looked up)."""
        # Own ids: the block sits on the edit page next to the main form's fields.
        kwargs.setdefault("auto_id", "attachment_%s")
        super().__init__(*args, **kwargs)
        self.application = application
        self.fields["expert"].queryset = application.experts.all()
        if certified is None:
            certified = set(
                application.attachments.filter(kind=Attachment.Kind.EXPERT_CERTIFICATE).values_list(
                    "expert_id", flat=True
                )
            )
        # Those still missing keep their plain name: the ones left to do stand out.
        self.fields["expert"].label_from_instance = lambda expert: (
            f"{expert}（已上传证书）" if expert.pk in certified else str(expert)
        )
        self.fields[
            "file"
        ].help_text = f"只接受PDF、JPG、PNG格式，单个文件不超过{settings.ATTACHMENT_MAX_MB} MB。"
        self.fields["file"].widget.attrs["accept"] = ACCEPT_ATTRIBUTE
        self.fields["description"].widget.attrs["placeholder"] = "如：证书正面、反面"
        for name, field in self.fields.items():
            field.widget.attrs["class"] = CSS.get(name, "form-control")

    def full_clean(self):
        super().full_clean()
        # Bootstrap shows a field as wrong only with is-invalid on the input itself.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] += " is-invalid"
                attrs["aria-invalid"] = "true"

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        inspect_upload(uploaded)
        return uploaded

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != Attachment.Kind.EXPERT_CERTIFICATE:
            cleaned["expert"] = None
        elif not cleaned.get("expert") and "expert" not in self.errors:
            if self.fields["expert"].queryset.exists():
                self.add_error("expert", "上传专家证书复印件时，请选择对应的专家。")
            else:
                self.add_error(
                    "expert", "专家团队中还没有已保存的专家：请先填写并保存专家信息，再上传其证书。"
                )
        return cleaned
