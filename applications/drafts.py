"""Saving the applicant's 申报表 as a draft.

A draft keeps whatever was typed, complete or not; the rules for a complete form run
only at submission (validation.submission_errors). The one rule a draft obeys is that
the chosen levels lie within what the occupation (工种) offers.

Colleagues of one unit may edit the same application at once, so every save names the
version it was loaded from and is refused when someone saved in the meantime.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from catalog.levels import Level

from .attachments import retire
from .models import EDITABLE, Application, Attachment, Basis, Expert, visible_status
from .sections import EDITABLE_FIELDS, EXPERT_FIELDS
from .validation import parse_birth_month

# Fields that only mean something for one basis (申报依据); the form leaves the others out.
BASIS_FIELDS = {
    "custom_occupation": {Basis.STANDARD, Basis.OUTDATED},
    "custom_work_type": {Basis.STANDARD, Basis.OUTDATED},
    "standard_year": {Basis.STANDARD},
    "bank_year": {Basis.OUTDATED},
    "bank_reason": {Basis.OUTDATED},
}


class DraftError(Exception):
    """A save the rules refuse; the message is shown to the applicant as it is."""


class DraftConflict(DraftError):
    """Someone saved the application after this form was loaded."""

    def __init__(self, current_version: int):
        super().__init__(
            "在您编辑期间，这份申报书已在另一个页面或由本单位其他用户保存过，"
            "您这次的修改没有保存，以免覆盖已保存的内容。"
        )
        self.current_version = current_version


class NotEditable(DraftError):
    def __init__(self, status_label: str):
        super().__init__(f"申报书已提交（当前状态：{status_label}），不能修改。")


class DuplicateUnit(DraftError):
    def __init__(self):
        super().__init__("本单位在本批次已有同一职业（工种）的申报书，请修改职业或工种名称。")


@dataclass
class SavedDraft:
    application: Application
    # Experts removed by this save whose certificate copies went with them, as the page
    # names them: their name, or "第N位专家" by their place in the saved table.
    removed_certificates: list[str] = field(default_factory=list)


def fields_for(application: Application) -> list[str]:
    """The draft fields the form shows for this application's basis."""
    return [
        name
        for name in EDITABLE_FIELDS
        if name not in BASIS_FIELDS or application.basis in BASIS_FIELDS[name]
    ]


def refused_levels(application: Application, levels) -> list[int]:
    """Levels outside what the unit offers (all five for out-of-catalog occupations)."""
    offered = {int(level) for level in application.offered_levels()}
    return [int(level) for level in levels if int(level) not in offered]


def level_range_message(application: Application, refused: list[int]) -> str:
    names = "、".join(Level(n).label if n in Level.values else str(n) for n in refused)
    offered = "、".join(level.label for level in application.offered_levels())
    return f"所选等级“{names}”不在该职业（工种）可申报的等级范围内（可选：{offered}）。"


def normal_birth_month(text: str) -> str:
    """A readable birth month as "YYYY-MM", so "1988年7月" prints like "1975-03"; else as typed."""
    born = parse_birth_month(text)
    return f"{born.year:04d}-{born.month:02d}" if born else text


def save_draft(
    application: Application, *, version: int, fields: dict, experts: list[dict], user=None
) -> SavedDraft:
    """Write the typed fields and the expert table, if nobody saved since `version`.

    `experts` is the whole table in display order: dicts of EXPERT_FIELDS plus "id"
    (None for a new row). Rows of this application that are not listed are removed,
    together with their certificate copies (kept on record, by `user`, if they went out with
    a submission); the result names those experts.
    Raises DraftConflict, NotEditable, DuplicateUnit, or DraftError for levels out of range.
    """
    unknown = set(fields) - set(fields_for(application))
    if unknown:
        raise ValueError(f"not draft fields: {sorted(unknown)}")
    if "levels" in fields:
        levels = sorted({int(level) for level in fields["levels"]}, reverse=True)
        refused = refused_levels(application, levels)
        if refused:
            raise DraftError(level_range_message(application, refused))
        fields = {**fields, "levels": levels}
    if "leader_birth_month" in fields:
        fields = {**fields, "leader_birth_month": normal_birth_month(fields["leader_birth_month"])}

    now = timezone.now()
    try:
        with transaction.atomic():
            # Conditional update: it only matches the row nobody changed since it was loaded.
            updated = Application.objects.filter(
                pk=application.pk, version=version, status__in=EDITABLE
            ).update(**fields, version=F("version") + 1, updated_at=now)
            if not updated:
                _raise_refusal(application, user)
            removed_certificates = _replace_experts(application, experts, user)
    except IntegrityError as exc:
        # Only the custom occupation/work type can collide, with another of the unit's drafts.
        raise DuplicateUnit() from exc

    for name, value in fields.items():
        setattr(application, name, value)
    application.version = version + 1
    application.updated_at = now
    return SavedDraft(application, removed_certificates)


def _raise_refusal(application: Application, user):
    current = Application.objects.filter(pk=application.pk).values("version", "status").first()
    if current is None:
        raise Application.DoesNotExist
    if current["status"] not in EDITABLE:
        published = application.call.results_published
        raise NotEditable(visible_status(current["status"], user, published).label)
    raise DraftConflict(current["version"])


def _replace_experts(application: Application, rows: list[dict], user=None) -> list[str]:
    """Write the table; the names of removed experts who had a certificate copy."""
    existing = {expert.pk: expert for expert in Expert.objects.filter(application=application)}
    kept, changed, created = set(), [], []
    for position, row in enumerate(rows):
        values = {name: row.get(name) or "" for name in EXPERT_FIELDS}
        values["birth_month"] = normal_birth_month(values["birth_month"])
        expert = existing.get(row.get("id"))
        if expert is None:
            created.append(Expert(application=application, position=position, **values))
            continue
        kept.add(expert.pk)
        for name, value in values.items():
            setattr(expert, name, value)
        expert.position = position
        changed.append(expert)
    removed = set(existing) - kept
    certified = []
    if removed:
        copies = Attachment.objects.filter(expert_id__in=removed)
        with_copies = set(copies.values_list("expert_id", flat=True))
        # Submitted copies stay on record; the rest go, their files once the delete commits.
        retire(copies.exclude(submitted_version=None), user)
        unsubmitted = copies.filter(submitted_version=None)
        files = list(unsubmitted.values_list("file", flat=True))
        unsubmitted.delete()
        Expert.objects.filter(pk__in=removed).delete()
        storage = Attachment._meta.get_field("file").storage
        for name in files:
            transaction.on_commit(lambda name=name: storage.delete(name))
        # Named as the page numbered the saved rows when the expert has no name.
        certified = [
            expert.name or f"第{number}位专家"
            for number, expert in enumerate(existing.values(), start=1)
            if expert.pk in with_copies
        ]
    if changed:
        Expert.objects.bulk_update(changed, ["position", *EXPERT_FIELDS])
    if created:
        Expert.objects.bulk_create(created)
    return certified
