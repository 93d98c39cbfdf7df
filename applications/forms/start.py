"""Starting an application: what it is for (the call's condition 1, 2 or 3), its levels, its intention."""

import re

from django import forms
from django.db.models import Q, Value
from django.db.models.functions import Concat

from catalog.levels import Level
from catalog.models import Entry, Unit

from ..models import Basis, Intention
from ..validation import OCCUPATION_CODE_RE

REQUIRED = "此项为必填项。"
# The earliest standard year condition 2 accepts, as the call words it.
STANDARD_FROM = 2018
# Condition 3: a bank used fewer years than this needs the reason it no longer fits.
BANK_YEARS = 5
# Characters a user may type around names that the catalog stores without them.
IGNORED_IN_SEARCH = re.compile(r"[\s（）()]+")


def level_labels(levels) -> str:
    return "、".join(Level(int(n)).label for n in sorted(levels, key=int, reverse=True))


def catalog_units(call):
    return (
        Unit.objects.filter(entry__call=call).select_related("entry").order_by("entry", "position")
    )


def search_units(call, text: str):
    """Units whose occupation or work-type name contains the text, spaces and brackets ignored."""
    text = IGNORED_IN_SEARCH.sub("", text or "")
    units = catalog_units(call)
    if not text:
        return units.none()
    # Matching on "occupation + work type" lets "互联网营销师选品员" find the unit too.
    return units.annotate(search_name=Concat("entry__occupation", Value(""), "name")).filter(
        Q(search_name__icontains=text)
    )


def unit_choices(call):
    """The catalog as <optgroup>s: one group per entry, its units inside."""
    groups: dict[str, list] = {}
    for unit in catalog_units(call):
        label = f"{unit.entry.number}. {unit.entry.occupation}"
        groups.setdefault(label, []).append((str(unit.pk), unit_option_label(unit)))
    return [("", "请选择职业（工种）"), *groups.items()]


def offered_range(unit) -> str:
    """The levels an applicant may choose, as the catalog writes ranges: "5-1"."""
    levels = [int(level) for level in unit.offered_levels()]
    return f"{levels[0]}-{levels[-1]}" if len(levels) > 1 else str(levels[0])


def unit_option_label(unit) -> str:
    # The whole name: once chosen, the closed list shows this label without its group.
    # The offered range, not the unit's own: 金属热处理工's work types add the shared 5-4.
    return f"{unit.display_name}（{offered_range(unit)}级）"


class StartForm(forms.Form):
    basis = forms.ChoiceField(
        label="申报依据",
        choices=Basis.choices,
        widget=forms.RadioSelect,
        initial=Basis.CATALOG,
        error_messages={"required": "请选择申报依据。"},
    )
    unit = forms.ChoiceField(label="或从参考目录列表中选择", required=False)

    custom_occupation = forms.CharField(label="申报职业名称", max_length=100, required=False)
    custom_work_type = forms.CharField(
        label="申报工种名称", max_length=100, required=False, help_text="职业不细分工种的可不填。"
    )
    occupation_code = forms.CharField(
        label="申报职业编码",
        max_length=30,
        required=False,
        help_text="按《中华人民共和国职业分类大典》填写，如“4-04-05-05”。",
    )
    standard_year = forms.IntegerField(
        label="国家职业技能标准发布年份", required=False, min_value=1900, max_value=2100
    )
    bank_year = forms.IntegerField(
        label="现有省级题库启用年份", required=False, min_value=1950, max_value=2100
    )
    bank_reason = forms.CharField(
        label="原题库不适应当前产业发展的情况",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"题库使用不满{BANK_YEARS}年的必须填写。",
    )

    levels = forms.TypedMultipleChoiceField(
        label="申报开发等级",
        choices=Level.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个申报开发等级。"},
    )
    intention = forms.ChoiceField(
        label="开发意向",
        choices=Intention.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择意愿为牵头单位或参与单位。"},
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["unit"].choices = unit_choices(call)
        self.fields["unit"].widget.attrs["class"] = "form-select"

    def clean_unit(self):
        pk = self.cleaned_data["unit"]
        if not pk:
            return None
        return catalog_units(self.call).get(pk=pk)

    def clean_custom_occupation(self):
        return self.cleaned_data["custom_occupation"].strip()

    def clean_custom_work_type(self):
        return self.cleaned_data["custom_work_type"].strip()

    def clean_occupation_code(self):
        return "".join(self.cleaned_data["occupation_code"].split())

    def clean(self):
        cleaned = super().clean()
        basis = cleaned.get("basis")
        if basis == Basis.CATALOG:
            self._clean_catalog(cleaned)
        elif basis in (Basis.STANDARD, Basis.OUTDATED):
            self._clean_custom(cleaned, basis)
        return cleaned

    def _clean_catalog(self, cleaned):
        unit = cleaned.get("unit")
        if unit is None:
            if "unit" not in self.errors:
                self.add_error("unit", "请在参考目录中选择职业（工种）。")
            return
        offered = [int(level) for level in unit.offered_levels()]
        outside = [n for n in cleaned.get("levels") or [] if n not in offered]
        if outside:
            self.add_error(
                "levels",
                f"“{unit.display_name}”的开发等级范围为{Level(max(offered)).label}至"
                f"{Level(min(offered)).label}（{level_labels(offered)}），"
                f"不能申报{level_labels(outside)}。",
            )

    def _clean_custom(self, cleaned, basis):
        occupation = cleaned.get("custom_occupation")
        if not occupation:
            if "custom_occupation" not in self.errors:
                self.add_error("custom_occupation", REQUIRED)
        elif Entry.objects.for_call(self.call).filter(occupation=_compact(occupation)).exists():
            self.add_error(
                "custom_occupation",
                f"“{occupation}”在本批次参考目录内，请选择“条件1”并在目录中选择对应的职业（工种）。",
            )
        code = cleaned.get("occupation_code")
        # The format is checked only here: under condition 1 the field is hidden and ignored.
        if code and not OCCUPATION_CODE_RE.match(code):
            self.add_error("occupation_code", "职业编码格式应如“4-04-05-05”。")
        notice_year = self.call.notice_date.year
        if basis == Basis.STANDARD:
            if not code and "occupation_code" not in self.errors:
                self.add_error("occupation_code", REQUIRED)
            year = cleaned.get("standard_year")
            if year is None:
                if "standard_year" not in self.errors:
                    self.add_error("standard_year", REQUIRED)
            elif not STANDARD_FROM <= year <= notice_year:
                self.add_error(
                    "standard_year",
                    f"条件2要求国家职业技能标准于{STANDARD_FROM}年及以后发布"
                    f"（不晚于{notice_year}年），{year}年发布的标准不符合条件。",
                )
        else:
            year = cleaned.get("bank_year")
            if year is None:
                if "bank_year" not in self.errors:
                    self.add_error("bank_year", REQUIRED)
            elif year > notice_year:
                self.add_error(
                    "bank_year", f"题库启用年份不能晚于本批次通知年份（{notice_year}年）。"
                )
            elif notice_year - year < BANK_YEARS and not cleaned.get("bank_reason", "").strip():
                self.add_error(
                    "bank_reason",
                    f"现有题库于{year}年启用，使用不满{BANK_YEARS}年，"
                    "须说明原题库不适应当前产业发展的情况。",
                )

    def application_fields(self) -> dict:
        """The cleaned values as start_application takes them; other conditions' fields dropped."""
        data = self.cleaned_data
        basis = data["basis"]
        fields = {
            "basis": basis,
            "levels": sorted(data["levels"], reverse=True),
            "intention": data["intention"],
        }
        if basis == Basis.CATALOG:
            fields["unit"] = data["unit"]
            return fields
        fields.update(
            occupation_code=data["occupation_code"],
            custom_occupation=data["custom_occupation"],
            custom_work_type=data["custom_work_type"],
        )
        if basis == Basis.STANDARD:
            fields["standard_year"] = data["standard_year"]
        else:
            fields.update(bank_year=data["bank_year"], bank_reason=data["bank_reason"].strip())
        return fields

    # --- what the page shows ----------------------------------------------------------------

    @property
    def chosen_basis(self) -> str:
        value = self["basis"].value()
        return value if value in Basis.values else Basis.CATALOG

    @property
    def chosen_unit(self):
        pk = self["unit"].value()
        if not pk or not str(pk).isdigit():
            return None
        return catalog_units(self.call).filter(pk=pk).first()

    @property
    def chosen_levels(self) -> set[int]:
        return {int(v) for v in self["levels"].value() or [] if str(v).isdigit()}


def _compact(text: str) -> str:
    return "".join(text.split())
