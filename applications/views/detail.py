"""Reading an application, submitting it, and withdrawing it before review starts."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..access import application_for
from ..models import Basis, Event, Status
from ..sections import (
    ATTACHMENTS,
    BARRING_CONDITION,
    BASIC,
    DECLARATION,
    DECLARED_CONDITIONS,
    EDITABLE_FIELDS,
    PREFERRED_CONDITION,
    PROJECT,
    SECTION_OF,
    SECTIONS,
    STATEMENT,
    THREE,
    UNIT_CONDITIONS,
    heading,
)
from ..validation import VIOLATION_MESSAGE, submission_errors
from ..workflow import TransitionError, available, set_state
from .attachments import attachments_context
from .paper import paper_context

WITHDRAW_COMMENT = "申报单位撤回"


@dataclass
class Row:
    label: str
    value: object
    # Long text is shown below its label, keeping its line breaks.
    long: bool = False
    # For the declared conditions: what kind of condition, and whether the answer is good news.
    note: str = ""
    tone: str = ""


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row]


def _yes_no(value, yes="是", no="否"):
    if value is None:
        return ""
    return yes if value else no


def _experience(choice_label, detail):
    if not choice_label:
        return ""
    return f"{choice_label}：{detail}" if detail else choice_label


# The call's six conditions for organisations: 1-4 required, 5 preferred, 6 excludes.
CONDITIONS = [
    *((name, "申报条件") for name in DECLARED_CONDITIONS),
    (PREFERRED_CONDITION, "优先条件"),
    (BARRING_CONDITION, "不得申报情形"),
]
CONDITION_TONES = {
    "申报条件": {True: "success", False: "danger"},
    "优先条件": {True: "success", False: "secondary"},
    "不得申报情形": {True: "danger", False: "success"},
}


def sections(app) -> list[Section]:
    """Every field of the 申报表, section by section in the order of the edit page."""
    org = app.organisation
    basis_rows = [Row("申报依据", app.get_basis_display())]
    if app.basis == Basis.CATALOG and app.unit_id:
        basis_rows.append(
            Row("国标版本", f"{app.unit.standard_year}年" if app.unit.standard_year else "")
        )
    if app.basis == Basis.STANDARD:
        basis_rows.append(Row("国家职业技能标准发布年份", app.standard_year or ""))
    if app.basis == Basis.OUTDATED:
        basis_rows += [
            Row("现有省级题库启用年份", app.bank_year or ""),
            Row("原题库不适应当前产业发展的情况", app.bank_reason, long=True),
        ]
    basic = [
        Row("单位全称", org.name),
        Row("单位法人", org.legal_representative),
        Row("统一社会信用代码" if org.credit_code else "法人证书编码", org.identifier),
        Row("申报职业名称", app.occupation_name),
        # Blank means the occupation is not divided into work types, not a missing answer.
        Row("申报工种名称", app.work_type_name or "（不细分工种）"),
        Row("申报职业编码", app.occupation_code),
        Row("申报开发等级", app.level_labels),
        *basis_rows,
        Row("项目联系人", app.contact_name),
        Row("手机号码", app.contact_mobile),
        Row("开发意向", app.get_intention_display()),
        Row(
            "国家新职业研发经验",
            _experience(app.get_exp_new_occupation_display(), app.exp_new_occupation_detail),
        ),
        Row(
            "国家职业技能标准开发经验",
            _experience(app.get_exp_standard_display(), app.exp_standard_detail),
        ),
        Row(
            "人社部门国家题库开发经验",
            _experience(_yes_no(app.exp_national_bank, "有", "无"), app.exp_national_bank_detail),
        ),
        Row(
            "人社部门省级题库开发经验",
            _experience(
                _yes_no(app.exp_provincial_bank, "有", "无"), app.exp_provincial_bank_detail
            ),
        ),
    ]
    statements = [
        Row(_label(app, name), getattr(app, name), long=True) for name in STATEMENT.fields
    ]
    leader = [Row(_label(app, name), getattr(app, name)) for name in PROJECT.fields]
    declaration = [
        Row(
            "申报单位承诺",
            "已确认申报内容真实、完整，项目负责人和主要成员适合承担本项目的开发任务"
            if app.declaration_confirmed
            else "未确认",
        ),
        Row("签署人", app.declaration_signer),
        Row("签署日期", f"{app.declaration_date:%Y年%-m月%-d日}" if app.declaration_date else ""),
    ]
    conditions = [
        Row(
            _label(app, name),
            _yes_no(getattr(app, name)),
            note=note,
            tone=CONDITION_TONES[note][getattr(app, name)],
        )
        for name, note in CONDITIONS
    ]
    rows = {
        BASIC: basic,
        STATEMENT: statements,
        UNIT_CONDITIONS: conditions,
        PROJECT: leader,
        THREE: [Row("", app.section_three, True)],
        DECLARATION: declaration,
    }
    return [Section(section.key, heading(section, app.call), rows[section]) for section in SECTIONS]


def _label(app, name) -> str:
    return str(app._meta.get_field(name).verbose_name)


def checklist(app, errors) -> list[dict]:
    """submission_errors() grouped by section in form order, each linking to its field."""
    groups = []
    for section in (*SECTIONS, ATTACHMENTS):
        items = [
            {
                "field": name,
                "label": _field_label(app, name),
                # The edit page marks form fields by their input id, the rest by their name.
                "anchor": f"id_{name}" if name in EDITABLE_FIELDS else name,
                "messages": texts,
            }
            for name, texts in errors.items()
            if SECTION_OF.get(name) is section and name != BARRING_CONDITION
        ]
        if items:
            groups.append({"key": section.key, "title": heading(section, app.call), "items": items})
    return groups


FIELD_LABELS = {
    "experts": "专家团队",
    "attachments": "附件材料",
    "custom_occupation": "申报职业名称",
    "custom_work_type": "申报工种名称",
    "exp_new_occupation_detail": "国家新职业研发经验：职业与参与时间",
    "exp_standard_detail": "国家职业技能标准开发经验：职业",
    "exp_national_bank_detail": "人社部门国家题库开发经验：职业/等级/时间",
    "exp_provincial_bank_detail": "人社部门省级题库开发经验：职业/等级/时间",
    "declaration_confirmed": "申报单位承诺",
}


def _field_label(app, name) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if name == "section_three":
        return app.call.section_three_title
    if name.startswith("leader_") and name != "leader_name":
        return f"项目负责人{_label(app, name)}"
    return _label(app, name)


def _deadline_context(app) -> dict:
    return {
        "deadline": app.deadline(),
        "deadline_passed": app.deadline_passed(),
        "call_ended": not app.call.is_open,
    }


@login_required
def detail(request, pk):
    app = application_for(request.user, pk)
    # One query for the experts, shared by the sections and the attachments block.
    prefetch_related_objects([app], "experts")
    user = request.user
    moves = dict(available(app, user))
    context = {
        **attachments_context(request, app),
        **paper_context(request, app),
        "application": app,
        "sections": sections(app),
        "experts": list(app.experts.all()),
        "events": list(
            Event.objects.visible_to(user).filter(application=app).select_related("actor")
        ),
        "submit_label": moves.get(Status.SUBMITTED),
        # 撤回 is the applicant's SUBMITTED → DRAFT; other moves back are the centres'.
        "withdraw_label": moves.get(Status.DRAFT) if app.status == Status.SUBMITTED else None,
        "can_edit": app.is_editable and app.allows(user, "edit"),
        # Every submitted version keeps its PDF; the newest first.
        "pdf_documents": app.documents.filter(kind="application_pdf")
        .select_related("snapshot")
        .order_by("-snapshot__number"),
        **_deadline_context(app),
    }
    return render(request, "applications/detail.html", context)


@login_required
def submit(request, pk):
    app = application_for(request.user, pk, action="submit")
    if request.method == "POST":
        try:
            set_state(app, Status.SUBMITTED, request.user)
        except TransitionError as exc:
            messages.error(request, str(exc))
            return redirect("applications:submit", pk=app.pk)
        messages.success(
            request, f"申报书 {app.reference} 已提交，已报送至{app.organisation.centre.name}。"
        )
        return redirect("applications:detail", pk=app.pk)

    moves = dict(available(app, request.user))
    context = {"application": app, **_deadline_context(app)}
    label = moves.get(Status.SUBMITTED)
    context["submit_label"] = label
    if label and not context["deadline_passed"] and not context["call_ended"]:
        # Loaded once for all the checks below rather than per rule.
        prefetch_related_objects([app], "experts", "attachments")
        errors = submission_errors(app)
        context.update(
            violation=VIOLATION_MESSAGE if "cond_violation" in errors else "",
            checklist=checklist(app, errors),
            error_count=sum(len(texts) for texts in errors.values()),
        )
    return render(request, "applications/submit.html", context)


@login_required
@require_POST
def withdraw(request, pk):
    app = application_for(request.user, pk, action="withdraw")
    try:
        set_state(app, Status.DRAFT, request.user, WITHDRAW_COMMENT)
    except TransitionError as exc:
        messages.error(request, _withdraw_refusal(app, exc, request.user))
    else:
        messages.success(request, "申报书已撤回为草稿，修改后请重新提交。")
    return redirect("applications:detail", pk=app.pk)


def _withdraw_refusal(app, exc, user) -> str:
    # The rule's own message speaks of statuses; say what it means for the applicant.
    if app.status in (Status.DRAFT, Status.RETURNED):
        return f"申报书尚未提交（当前状态：{app.status_label_for(user)}），无需撤回。"
    if app.status != Status.SUBMITTED:
        return (
            f"评价中心已开始审核这份申报书（当前状态：{app.status_label_for(user)}），不能撤回。"
            "如需修改，请联系评价中心退回修改。"
        )
    return str(exc)
