"""Forms of the centre's review: the queue's filter, returning for revision, the decision."""

from django import forms
from django.db.models import Q
from django.http import QueryDict

from applications.models import PAPER_FILTERS, SELECTION_STATES, Intention, Status

from .models import Recommendation

# Drafts never reach the queue, so they are no filter either.
QUEUE_STATUSES = [(value, label) for value, label in Status.choices if value != Status.DRAFT]
RECOMMENDING = {Recommendation.LEAD, Recommendation.PARTICIPANT}


def _bootstrap(form, size="") -> None:
    """Bootstrap classes on every widget, and is-invalid on the fields with errors."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = f"form-select form-select-{size}" if size else "form-select"
        else:
            css = f"form-control form-control-{size}" if size else "form-control"
        # Reading errors validates the bound form now; call this once the fields are final.
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态")])
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": "职业、工种、职业编码或申报单位名称", "type": "search"}
        ),
    )
    intention = forms.ChoiceField(
        label="开发意向", required=False, choices=[("", "全部意向"), *Intention.choices]
    )
    # A search, not a list: a centre has hundreds of units, and every <option> weighed on the page.
    organisation = forms.CharField(
        label="申报单位",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": "单位名称或统一社会信用代码", "type": "search"}
        ),
    )
    paper = forms.ChoiceField(
        label="纸质材料", required=False, choices=[("", "全部"), *PAPER_FILTERS]
    )

    def __init__(self, *args, masked=False, **kwargs):
        super().__init__(*args, **kwargs)
        # masked: the province's decisions are not yet published, so this centre sees them
        # as 已报送省中心 (applications.models.follows_selection).
        self.masked = masked
        self.fields["status"].choices += [
            (value, label)
            for value, label in QUEUE_STATUSES
            if not (masked and value in SELECTION_STATES)
        ]
        _bootstrap(self, size="sm")

    def apply(self, queryset, *, with_status=True):
        """The queryset narrowed by every valid filter; counts per status leave status out."""
        data = self.cleaned_data if self.is_bound else {}
        text = "".join(data.get("q", "").split())
        if text:
            queryset = queryset.filter(
                Q(unit__entry__occupation__icontains=text)
                | Q(unit__name__icontains=text)
                | Q(custom_occupation__icontains=text)
                | Q(custom_work_type__icontains=text)
                | Q(occupation_code__icontains=text)
                | Q(organisation__name__icontains=text)
            )
        if data.get("intention"):
            queryset = queryset.filter(intention=data["intention"])
        # Searched within the queryset given: only this centre's queue can be found.
        unit = "".join(data.get("organisation", "").split())
        if unit:
            queryset = queryset.filter(
                Q(organisation__name__icontains=unit)
                | Q(organisation__credit_code=unit.upper())
                | Q(organisation__legal_cert_no=unit)
            )
        if data.get("paper"):
            queryset = queryset.with_paper(data["paper"])
        if with_status and data.get("status"):
            statuses = [data["status"]]
            if self.masked and data["status"] == Status.SENT:
                statuses += SELECTION_STATES
            queryset = queryset.filter(status__in=statuses)
        return queryset

    def query(self, *, with_status=True) -> str:
        """The filter as a query string (only its own fields); the status links leave status out."""
        if not self.is_bound:
            return ""
        names = [name for name in self.fields if with_status or name != "status"]
        params = QueryDict(mutable=True)
        for name in names:
            if self.data.get(name):
                params[name] = self.data[name]
        return params.urlencode()


class ReturnForm(forms.Form):
    sections = forms.MultipleChoiceField(
        label="需要修改的部分",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请勾选需要修改的部分（可多选）。"},
    )
    text = forms.CharField(
        label="修改意见",
        max_length=2000,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": "例如：专家证书不全，请补充第3位专家的职业资格证书复印件。",
            }
        ),
        error_messages={"required": "请写明需要申报单位修改的内容。"},
        help_text="退回意见写入办理记录，申报单位在申报书页面可以看到。",
    )

    def __init__(self, *args, section_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = section_choices
        _bootstrap(self)

    def section_titles(self) -> list[str]:
        titles = dict(self.fields["sections"].choices)
        # In the page's order, whatever order the browser posted them in.
        return [title for key, title in titles.items() if key in self.cleaned_data["sections"]]


class DecisionForm(forms.Form):
    """The centre's recommendation and section 五 opinion, guarded by the Review's version."""

    recommendation = forms.ChoiceField(
        label="推荐意见",
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择推荐意见。"},
    )
    reason = forms.CharField(
        label="推荐理由概要",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="填入附件3汇总表“推荐理由概要”栏；推荐时必填。",
    )
    differs_reason = forms.CharField(
        label="与申报单位开发意向不一致的理由",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="推荐意见（牵头/参与）与申报单位的开发意向不同时必填。",
    )
    opinion = forms.CharField(
        label="评价中心意见",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="打印在申报表第五部分“评价（鉴定）中心意见”。",
    )
    # The Review version the page was loaded from: the optimistic lock.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": "页面数据不完整，请刷新页面后重试。"},
    )
    # Sent by the "overwrite" button after a conflict: the version the user chose to replace.
    overwrite_version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, application, review=None, **kwargs):
        self.application = application
        if review is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "recommendation": review.recommendation or None,
                "reason": review.reason,
                "differs_reason": review.differs_reason,
                "opinion": review.opinion,
            }
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = review.version if review is not None else 1
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        recommendation = data.get("recommendation")
        if recommendation in RECOMMENDING:
            if not data.get("reason", "").strip():
                self.add_error("reason", "推荐为牵头单位或参与单位时，须填写推荐理由概要。")
            if recommendation != self.application.intention:
                if not data.get("differs_reason", "").strip():
                    self.add_error(
                        "differs_reason",
                        f"推荐意见（{Recommendation(recommendation).label}）与申报单位的开发意向"
                        f"（{self.application.get_intention_display()}）不一致，请说明理由。",
                    )
            else:
                # A reason for a difference that no longer exists would mislead the province.
                data["differs_reason"] = ""
        elif recommendation:
            data["differs_reason"] = ""
        return data

    @property
    def expected_version(self) -> int:
        """The version this save means to replace."""
        return self.cleaned_data.get("overwrite_version") or self.cleaned_data["version"]

    def decision(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("recommendation", "reason", "differs_reason", "opinion")
        }
