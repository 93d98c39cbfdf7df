"""A centre's own settings, kept by its staff: its contact, and its deadline for its units."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from applications.models import SubmissionDeadline
from catalog.models import Call

from .models import Centre
from .validators import validate_phones


class ContactForm(forms.ModelForm):
    class Meta:
        model = Centre
        fields = ["contact_person", "contact_phone", "contact_address"]
        labels = {"contact_address": "联系地址（纸质材料寄送地址）"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_person"].required = True
        self.fields["contact_person"].error_messages["required"] = "请填写联系人。"
        self.fields["contact_phone"].required = True
        self.fields["contact_phone"].error_messages["required"] = "请填写联系电话。"
        self.fields["contact_phone"].validators.append(validate_phones)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class DeadlineForm(forms.Form):
    deadline = forms.DateField(
        label="本中心申报截止日期",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        help_text="当日24时（北京时间）截止。留空则使用批次的申报单位提交截止日期。",
        error_messages={"invalid": "请输入有效的日期，如 2023-06-16。"},
    )

    def __init__(self, *args, call, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.call, self.centre = call, centre

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        if value is None:
            return None
        # The model's own rule: not later than the call's applicant deadline.
        try:
            SubmissionDeadline(call=self.call, centre=self.centre, deadline=value).clean()
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["deadline"]) from exc
        return value


def _centre_of(user) -> Centre:
    # Each centre's own staff keep its settings; nobody else does here (admins use the admin).
    if not user.is_centre_staff:
        raise PermissionDenied
    return user.centre


def set_centre_deadline(call: Call, centre: Centre, deadline: dt.date | None) -> None:
    """Set or clear the centre's own deadline for the call."""
    if deadline is None:
        SubmissionDeadline.objects.filter(call=call, centre=centre).delete()
        return
    SubmissionDeadline.objects.update_or_create(
        call=call, centre=centre, defaults={"deadline": deadline}
    )


@login_required
def centre_settings(request):
    centre = _centre_of(request.user)
    call = Call.objects.current()
    override = SubmissionDeadline.objects.filter(call=call, centre=centre).first() if call else None
    contact_form = ContactForm(instance=centre, prefix="contact")
    deadline_form = (
        DeadlineForm(
            call=call,
            centre=centre,
            prefix="deadline",
            initial={"deadline": override.deadline if override else None},
        )
        if call
        else None
    )
    status = 200
    if request.method == "POST":
        if request.POST.get("form") == "deadline" and call:
            deadline_form = DeadlineForm(request.POST, call=call, centre=centre, prefix="deadline")
            if deadline_form.is_valid():
                set_centre_deadline(call, centre, deadline_form.cleaned_data["deadline"])
                messages.success(request, "已保存本中心的申报截止日期。")
                return redirect("accounts:centre")
        else:
            contact_form = ContactForm(request.POST, instance=centre, prefix="contact")
            if contact_form.is_valid():
                contact_form.save()
                messages.success(request, "已保存本中心的联系方式。")
                return redirect("accounts:centre")
        status = 400
    context = {
        "centre": centre,
        "call": call,
        "override": override,
        "contact_form": contact_form,
        "deadline_form": deadline_form,
    }
    return render(request, "accounts/centre.html", context, status=status)
