"""The 申报表 (附件2) as the applicant edits it: every field optional, kept as typed.

Only what cannot be stored is refused here (an unreadable date or year), plus the one
rule drafts obey: levels must lie within what the occupation (工种) offers.
"""

from django import forms
from django.forms import BoundField
from django.forms.models import BaseInlineFormSet, inlineformset_factory

from ..drafts import fields_for, level_range_message, refused_levels
from ..models import Application, Experience, Expert, Gender, Intention
from ..sections import (
    ATTACHMENTS,
    BASIC,
    EDITABLE_FIELDS,
    EXPERT_FIELDS,
    SECTIONS,
    STATEMENT,
    heading,
)
from ..validation import REQUIRED

YES_NO = [("True", "有"), ("False", "无")]
DATE_INVALID = "日期无法识别，请从日历中选择，或按“2023-06-01”的格式填写。"
YEAR_INVALID = "请填写四位年份，如 2020。"


class WarnedBoundField(BoundField):
    """A field that also knows the reasons it would stop a submission (shown as warnings)."""

    @property
    def warnings(self) -> list[str]:
        return self.form.warnings.get(self.name, [])


def _year_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1000,
        max_value=9999,
        error_messages={
            "invalid": YEAR_INVALID,
            "min_value": YEAR_INVALID,
            "max_value": YEAR_INVALID,
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "如 2020"}),
    )


class LevelsField(forms.TypedMultipleChoiceField):
    """Checkboxes of the offered levels; a level posted outside them is judged by the form."""

    def validate(self, value):
        # Membership is checked in ApplicationForm.clean_levels, with a message naming the range.
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class ApplicationForm(forms.ModelForm):
    bound_field_class = WarnedBoundField

    # The version the page was loaded from: the optimistic lock.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": "页面数据不完整，请刷新页面后重试。"},
    )
    # Sent by the "overwrite" button after a conflict: the version the user chose to replace.
    overwrite_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    levels = LevelsField(
        label="申报开发等级",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "所选等级“%(value)s”无法识别。"},
    )
    intention = forms.ChoiceField(
        label="开发意向", required=False, choices=Intention.choices, widget=forms.RadioSelect
    )
    exp_new_occupation = forms.ChoiceField(
        label="国家新职业研发经验",
        required=False,
        choices=Experience.choices,
        widget=forms.RadioSelect,
    )
    exp_standard = forms.ChoiceField(
        label="国家职业技能标准开发经验",
        required=False,
        choices=Experience.choices,
        widget=forms.RadioSelect,
    )
    exp_national_bank = forms.TypedChoiceField(
        label="人社部门国家题库开发经验",
        required=False,
        choices=YES_NO,
        coerce=lambda value: value == "True",
        empty_value=None,
        widget=forms.RadioSelect,
    )
    exp_provincial_bank = forms.TypedChoiceField(
        label="人社部门省级题库开发经验",
        required=False,
        choices=YES_NO,
        coerce=lambda value: value == "True",
        empty_value=None,
        widget=forms.RadioSelect,
    )
    leader_gender = forms.ChoiceField(
        label="性别", required=False, choices=Gender.choices, widget=forms.RadioSelect
    )
    standard_year = _year_field("国家职业技能标准发布年份")
    bank_year = _year_field("现有省级题库启用年份")
    declaration_date = forms.DateField(
        label="日期",
        required=False,
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"],
        error_messages={"invalid": DATE_INVALID},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Application
        fields = EDITABLE_FIELDS
        labels = {
            "declaration_confirmed": "我单位确认申报内容真实、完整，项目负责人和主要成员适合承担本项目的开发任务",
            "declaration_signer": "签署人",
            "custom_occupation": "申报职业名称",
            "custom_work_type": "申报工种名称",
        }
        widgets = {
            "bank_reason": forms.Textarea(attrs={"rows": 2}),
            **{name: forms.Textarea(attrs={"rows": 4}) for name in STATEMENT.fields},
            "section_three": forms.Textarea(attrs={"rows": 8}),
            "contact_mobile": forms.TextInput(attrs={"type": "tel"}),
            "leader_mobile": forms.TextInput(attrs={"type": "tel"}),
            "leader_office_phone": forms.TextInput(attrs={"type": "tel"}),
            "leader_email": forms.TextInput(attrs={"inputmode": "email"}),
        }

    PLACEHOLDERS = {
        "occupation_code": "如 4-04-05-05",
        "contact_mobile": "11位手机号码",
        "leader_mobile": "11位手机号码",
        "leader_birth_month": "如 1980-05",
        "leader_email": "如 name@example.com",
        "leader_office_phone": "如 0571-88888888",
        "exp_new_occupation_detail": "如：互联网营销师，2020年",
        "exp_standard_detail": "如：电子商务师",
        "exp_national_bank_detail": "如：电子商务师/三级/2019年",
        "exp_provincial_bank_detail": "如：电子商务师/三级/2019年",
    }

    def __init__(self, *args, warnings=None, **kwargs):
        super().__init__(*args, **kwargs)
        app = self.instance
        self.warnings = warnings or {}
        shown = set(fields_for(app)) | {"version", "overwrite_version"}
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]
        self.fields["version"].initial = app.version
        self.fields["levels"].choices = [(int(lv), lv.label) for lv in app.offered_levels()]
        self.fields["section_three"].label = app.call.section_three_title
        self.fields["section_three"].help_text = app.call.section_three_help
        for name, text in self.PLACEHOLDERS.items():
            self.fields[name].widget.attrs.setdefault("placeholder", text)
        self._style_widgets(errors=())

    def _style_widgets(self, errors):
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if name in errors:
                css += " is-invalid"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        # Errors are known only now; mark their inputs for Bootstrap.
        if self.is_bound:
            self._style_widgets(self._errors)
            if "declaration_date" in self._errors:
                # A date input cannot show an unreadable value; a text box shows what was typed.
                widget = self.fields["declaration_date"].widget
                widget.input_type = "text"
                widget.attrs["placeholder"] = "如 2023-06-01"

    def clean_levels(self):
        levels = self.cleaned_data["levels"]
        refused = refused_levels(self.instance, levels)
        if refused:
            raise forms.ValidationError(level_range_message(self.instance, refused))
        return sorted(set(levels), reverse=True)

    def clean_intention(self):
        # The radio always has a value in the page; a post without one keeps the stored choice.
        return self.cleaned_data["intention"] or self.instance.intention

    @property
    def expected_version(self) -> int:
        """The version this save means to replace."""
        return self.cleaned_data.get("overwrite_version") or self.cleaned_data["version"]

    @property
    def posted_version(self) -> int | None:
        try:
            return int(self.data.get("version"))
        except (TypeError, ValueError):
            return None

    def draft_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in fields_for(self.instance)}


class ExpertForm(forms.ModelForm):
    gender = forms.ChoiceField(label="性别", required=False, choices=[("", "—"), *Gender.choices])

    class Meta:
        model = Expert
        fields = EXPERT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_month"].widget.attrs["placeholder"] = "如 1980-05"
        # Each input is named by its row ("第2位专家 姓名") with a hidden <label> in
        # _form_expert_cell.html; the page's script renumbers it when rows come and go.
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput | forms.CheckboxInput):
                continue
            widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(widget, forms.Select)
                else "form-control form-control-sm"
            )


class BaseExpertFormSet(BaseInlineFormSet):
    def new_row(self, index: int) -> ExpertForm:
        """An empty row with prefix index `index`, for appending to the table in the page."""
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix(index),
            empty_permitted=True,
            use_required_attribute=False,
            **self.get_form_kwargs(None),
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def rows(self) -> list[dict]:
        """The table as typed, in page order, without removed rows and untouched new ones."""
        rows = []
        extra = self.extra_forms
        for form in self.forms:
            if self._should_delete_form(form):
                continue
            if form in extra and not form.has_changed():
                continue
            row = {name: form.cleaned_data.get(name) or "" for name in EXPERT_FIELDS}
            instance = form.cleaned_data.get("id")
            row["id"] = instance.pk if instance else None
            rows.append(row)
        return rows


ExpertFormSet = inlineformset_factory(
    Application,
    Expert,
    form=ExpertForm,
    formset=BaseExpertFormSet,
    fields=EXPERT_FIELDS,
    extra=0,
    can_delete=True,
    max_num=100,
    absolute_max=100,
    validate_max=True,
)
EXPERT_PREFIX = "experts"


# The page's sections in order, with the entries of submission_errors() that belong to each;
# the page prints the 附页 inside 一, so the statements are summed up under 一.
CHECK_SECTIONS = [
    (section, section.checked + (STATEMENT.checked if section is BASIC else ()))
    for section in (*SECTIONS, ATTACHMENTS)
    if section is not STATEMENT
]

# Short names for the summary where the field's own label is ambiguous or long.
CHECK_LABELS = {
    "contact_mobile": "联系人手机号码",
    "exp_new_occupation_detail": "国家新职业研发经验（职业与参与时间）",
    "exp_standard_detail": "国家职业技能标准开发经验（职业）",
    "exp_national_bank_detail": "国家题库开发经验（职业/等级/时间）",
    "exp_provincial_bank_detail": "省级题库开发经验（职业/等级/时间）",
    "leader_gender": "负责人性别",
    "leader_birth_month": "负责人出生年月",
    "leader_mobile": "负责人手机号码",
    "leader_employer": "负责人工作单位",
    "cond_legal_person": "条件1",
    "cond_staff": "条件2",
    "cond_team": "条件3",
    "cond_funding": "条件4",
    "cond_violation": "条件6",
    "declaration_confirmed": "确认申报内容真实完整",
    "declaration_date": "签署日期",
    "experts": "专家团队",
    "attachments": "附件材料",
}


def check_summary(form: ApplicationForm, warnings: dict[str, list[str]]) -> list[dict]:
    """submission_errors() by section; fields sharing a message (e.g. blank ones) share a line."""
    sections = []
    placed = set()
    for section, names in CHECK_SECTIONS:
        title = heading(section, form.instance.call)
        lines: dict[str, dict] = {}
        for name in names:
            if name not in warnings:
                continue
            placed.add(name)
            field = {
                "label": CHECK_LABELS.get(name) or form.fields[name].label,
                "anchor": form[name].auto_id if name in form.fields else name,
            }
            for message in warnings[name]:
                line = lines.setdefault(
                    message, {"message": message, "missing": message == REQUIRED, "fields": []}
                )
                if field not in line["fields"]:
                    line["fields"].append(field)
        if lines:
            # Blank fields first: usually the longest list and the easiest to fix.
            ordered = sorted(lines.values(), key=lambda line: not line["missing"])
            sections.append({"title": title, "lines": ordered})
    # Anything validation adds later still shows, at the end.
    rest = [
        {"message": message, "missing": False, "fields": [{"label": name, "anchor": ""}]}
        for name, texts in warnings.items()
        if name not in placed
        for message in texts
    ]
    if rest:
        sections.append({"title": "其他", "lines": rest})
    return sections
