"""What a complete 申报表 needs before it can be submitted.

Drafts keep whatever was typed; these rules run only when the applicant submits.
Every message names what to fix, in Chinese, keyed by the form field it belongs to.
"""

import datetime as dt
import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.validators import MOBILE_MESSAGE, MOBILE_RE, PHONE_RE

from .models import Attachment, Basis, Experience
from .sections import DECLARED_CONDITIONS, PROJECT, STATEMENT

OCCUPATION_CODE_RE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")
BIRTH_MONTH_RE = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?\s*$")

REQUIRED = "此项为必填项。"

# These four have a format to check below; the other leader fields need only be filled in.
LEADER_FORMATTED = ("leader_birth_month", "leader_mobile", "leader_email", "leader_office_phone")
LEADER_REQUIRED = [name for name in PROJECT.fields if name not in LEADER_FORMATTED]

VIOLATION_MESSAGE = (
    "贵单位声明曾承接省级及以上题库开发时出现中途无理由退出、推进不利导致项目无法完成或违反保密规定等问题。"
    "根据征集通知，此类机构不得申报，因此不能提交。"
)


def parse_birth_month(text: str) -> dt.date | None:
    """ "1980-05", "1980.5" or "1980年5月" → the first of that month; None if unreadable."""
    m = BIRTH_MONTH_RE.match(text or "")
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    # Year 0000 matches the pattern but is no date; refusing it keeps drafts and checks from a 500.
    if not 1 <= month <= 12 or year < dt.MINYEAR:
        return None
    return dt.date(year, month, 1)


def birth_month_error(text: str, on: dt.date) -> str | None:
    if not (text or "").strip():
        return REQUIRED
    born = parse_birth_month(text)
    if born is None:
        return "出生年月格式应为“1980-05”。"
    age = on.year - born.year - ((on.month, on.day) < (born.month, 1))
    if not 18 <= age <= 85:
        return f"出生年月“{text}”不在合理范围内（按申报时年龄应在18至85岁之间）。"
    return None


def submission_errors(app) -> dict[str, list[str]]:
    """Every reason the application cannot be submitted yet; empty when it can."""
    errors: dict[str, list[str]] = defaultdict(list)
    add = lambda field, message: errors[field].append(message)  # noqa: E731
    today = app.call.notice_date

    if app.cond_violation:
        add("cond_violation", VIOLATION_MESSAGE)
    for field in DECLARED_CONDITIONS:
        if not getattr(app, field):
            add(field, "申报单位须满足此条件，请确认后勾选。")

    # 申报项目
    if app.basis == Basis.CATALOG:
        offered = {int(level) for level in app.offered_levels()}
        if any(int(level) not in offered for level in app.levels):
            add("levels", "所选等级超出该职业（工种）的等级范围。")
    else:
        if not app.custom_occupation.strip():
            add("custom_occupation", REQUIRED)
    if app.basis == Basis.STANDARD:
        if app.standard_year is None:
            add("standard_year", REQUIRED)
        elif not 2018 <= app.standard_year <= today.year:
            add(
                "standard_year",
                f"条件2要求国家职业技能标准于2018年及以后发布（不晚于{today.year}年）。",
            )
    if app.basis == Basis.OUTDATED:
        if app.bank_year is None:
            add("bank_year", REQUIRED)
        elif app.bank_year > today.year:
            add("bank_year", "题库启用年份不能晚于本批次通知年份。")
        elif today.year - app.bank_year < 5 and not app.bank_reason.strip():
            add("bank_reason", "现有题库使用不满5年的，须说明原题库不适应当前产业发展的情况。")
    if not app.levels:
        add("levels", "请至少选择一个申报开发等级。")
    if not app.occupation_code.strip():
        add("occupation_code", REQUIRED)
    elif not OCCUPATION_CODE_RE.match(app.occupation_code.strip()):
        add("occupation_code", "职业编码格式应如“4-04-05-05”。")

    # 一、基本信息
    if not app.contact_name.strip():
        add("contact_name", REQUIRED)
    _mobile(add, "contact_mobile", app.contact_mobile)
    for field in ("exp_new_occupation", "exp_standard"):
        choice = getattr(app, field)
        if not choice:
            add(field, "请选择牵头单位、参与单位或无。")
        elif choice != Experience.NONE and not getattr(app, f"{field}_detail").strip():
            add(f"{field}_detail", "选择了牵头或参与的，请填写具体职业与时间。")
    for field in ("exp_national_bank", "exp_provincial_bank"):
        has = getattr(app, field)
        if has is None:
            add(field, "请选择有或无。")
        elif has and not getattr(app, f"{field}_detail").strip():
            add(f"{field}_detail", "选择“有”的，请填写职业/等级/时间。")
    for field in STATEMENT.fields:
        if not getattr(app, field).strip():
            add(field, REQUIRED)

    # 二、项目信息
    for field in LEADER_REQUIRED:
        if not getattr(app, field).strip():
            add(field, REQUIRED)
    message = birth_month_error(app.leader_birth_month, today)
    if message:
        add("leader_birth_month", message)
    _mobile(add, "leader_mobile", app.leader_mobile)
    if not app.leader_email.strip():
        add("leader_email", REQUIRED)
    else:
        try:
            validate_email(app.leader_email.strip())
        except ValidationError:
            add("leader_email", "请输入有效的电子邮箱，如 name@example.com。")
    if not app.leader_office_phone.strip():
        add("leader_office_phone", REQUIRED)
    elif not PHONE_RE.match(app.leader_office_phone.strip()):
        add("leader_office_phone", "单位电话格式应如“0571-88888888”。")

    experts = list(app.experts.all())
    if not experts:
        add("experts", "专家团队至少需要一名专家。")
    certified = {
        a.expert_id for a in app.attachments.all() if a.kind == Attachment.Kind.EXPERT_CERTIFICATE
    }
    for number, expert in enumerate(experts, start=1):
        who = expert.name or f"第{number}位专家"
        missing = [
            label
            for label, value in (
                ("姓名", expert.name),
                ("性别", expert.gender),
                ("职称、职业资格", expert.title),
                ("证书编码", expert.certificate_no),
                ("工作单位", expert.employer),
            )
            if not value.strip()
        ]
        if missing:
            # Quoted: "职称、职业资格" is one column whose name holds the list separator.
            add("experts", f"{who}：请填写{'、'.join(f'“{label}”' for label in missing)}。")
        message = birth_month_error(expert.birth_month, today)
        if message:
            # The generic "required" text would not say which of the expert's fields is missing.
            add("experts", f"{who}：{'出生年月为必填项。' if message == REQUIRED else message}")
        if expert.pk not in certified:
            add("attachments", f"请上传{who}的证书复印件。")

    # 三、四
    if not app.section_three.strip():
        add("section_three", REQUIRED)
    if not app.declaration_confirmed:
        add("declaration_confirmed", "请确认申报内容真实、完整。")
    if not app.declaration_signer.strip():
        add("declaration_signer", REQUIRED)
    if app.declaration_date is None:
        add("declaration_date", REQUIRED)

    if not any(a.kind == Attachment.Kind.LICENCE for a in app.attachments.all()):
        add("attachments", "请上传法人证书或营业执照复印件。")
    return dict(errors)


def _mobile(add, field, value):
    if not (value or "").strip():
        add(field, REQUIRED)
    elif not MOBILE_RE.match(value.strip()):
        add(field, MOBILE_MESSAGE)
