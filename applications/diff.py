"""What changed between two submitted versions of an application, computed from their snapshots.

The one place that compares versions: the 版本变化 page and the review page's notice use it.
Fields are labelled and grouped as applications.sections lists them; experts are matched by
name (a renamed expert reads as one removed and one added); attachments by their slot (kind
and expert), so a new file in a slot that had one reads as replaced.
"""

from dataclasses import dataclass, field

from .models import Application, Experience, Expert, Gender, Intention
from .sections import EXPERT_FIELDS, SECTIONS, FormSection

# Shown for a field left empty, so "" → "x" does not read as nothing.
EMPTY = "（未填）"
# Fields of the basic section that are not Application fields but part of what was applied for.
PROJECT_LABELS = {"occupation": "申报职业", "work_type": "申报工种", "basis_label": "申报依据"}
CHOICE_LABELS = {
    "intention": dict(Intention.choices),
    "exp_new_occupation": dict(Experience.choices),
    "exp_standard": dict(Experience.choices),
    "leader_gender": dict(Gender.choices),
}


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class SectionDiff:
    key: str
    title: str
    changes: list[FieldChange] = field(default_factory=list)
    # Number of fields compared, shown with a folded unchanged section.
    compared: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass(frozen=True)
class ExpertChange:
    name: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class AttachmentChange:
    # "added", "removed" or "replaced"
    kind: str
    slot: str
    old: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def label(self) -> str:
        return {"added": "新增", "removed": "删除", "replaced": "更换"}[self.kind]


@dataclass
class VersionDiff:
    old_number: int
    new_number: int
    sections: list[SectionDiff]
    experts_added: list[dict]
    experts_removed: list[dict]
    experts_changed: list[ExpertChange]
    attachments: list[AttachmentChange]

    @property
    def experts_changed_any(self) -> bool:
        return bool(self.experts_added or self.experts_removed or self.experts_changed)

    @property
    def changed(self) -> bool:
        return (
            any(s.changed for s in self.sections)
            or self.experts_changed_any
            or bool(self.attachments)
        )

    @property
    def count(self) -> int:
        """How many things changed: each field, each expert, each attachment slot."""
        return (
            sum(len(s.changes) for s in self.sections)
            + len(self.experts_added)
            + len(self.experts_removed)
            + len(self.experts_changed)
            + len(self.attachments)
        )


def _label(name: str) -> str:
    if name in PROJECT_LABELS:
        return PROJECT_LABELS[name]
    return str(Application._meta.get_field(name).verbose_name)


def display(name: str, value) -> str:
    """A snapshot value as the pages print it."""
    if value is None or value == "" or value == []:
        return EMPTY
    if name in CHOICE_LABELS:
        return CHOICE_LABELS[name].get(value, str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "levels":
        from catalog.levels import Level

        return "、".join(Level(int(n)).label for n in sorted(value, reverse=True))
    return str(value)


def _section_names(section: FormSection) -> tuple[str, ...]:
    if section.key == "basic":
        # The catalog unit is no Application field the snapshot keeps; its names are.
        return ("basis_label", "occupation", "work_type", *section.fields)
    return section.fields


def _compare_fields(old: dict, new: dict, names) -> list[FieldChange]:
    changes = []
    for name in names:
        before, after = display(name, old.get(name)), display(name, new.get(name))
        if before != after:
            changes.append(FieldChange(name, _label(name), before, after))
    return changes


def _expert_key(expert: dict) -> str:
    return "".join((expert.get("name") or "").split())


EXPERT_LABELS = {name: str(Expert._meta.get_field(name).verbose_name) for name in EXPERT_FIELDS}


def _compare_experts(old: list[dict], new: list[dict]):
    """(added, removed, changed): experts matched by name, duplicates in their order."""
    remaining: dict[str, list[dict]] = {}
    for expert in old:
        remaining.setdefault(_expert_key(expert), []).append(expert)
    added, changed = [], []
    for expert in new:
        matches = remaining.get(_expert_key(expert))
        if not matches:
            added.append(expert)
            continue
        before = matches.pop(0)
        fields = tuple(
            FieldChange(name, EXPERT_LABELS[name], display(name, before.get(name)), after)
            for name in EXPERT_FIELDS
            if display(name, before.get(name)) != (after := display(name, expert.get(name)))
        )
        if fields:
            changed.append(ExpertChange(expert.get("name") or "（未填姓名）", fields))
    removed = [expert for matches in remaining.values() for expert in matches]
    return added, removed, changed


def _slots(attachments: list[dict]) -> dict[str, list[str]]:
    slots: dict[str, list[str]] = {}
    for a in attachments:
        slot = a["kind"] + (f"（{a['expert']}）" if a.get("expert") else "")
        slots.setdefault(slot, []).append(f"{a['name']}（{a.get('size', 0)}字节）")
    return slots


def _compare_attachments(old: list[dict], new: list[dict]) -> list[AttachmentChange]:
    before, after = _slots(old), _slots(new)
    changes = []
    for slot in [*after, *(s for s in before if s not in after)]:
        was, now = tuple(before.get(slot, ())), tuple(after.get(slot, ()))
        if was == now:
            continue
        if not was:
            kind = "added"
        elif not now:
            kind = "removed"
        elif set(was) <= set(now):
            # Files only added to a slot that had some (e.g. a second 其他材料).
            kind = "added"
            was, now = (), tuple(f for f in now if f not in was)
        elif set(now) <= set(was):
            kind = "removed"
            was, now = tuple(f for f in was if f not in now), ()
        else:
            kind = "replaced"
        changes.append(AttachmentChange(kind, slot, was, now))
    return changes


def diff(old_data: dict, new_data: dict, old_number=0, new_number=0) -> VersionDiff:
    """Every difference between two snapshots' data."""
    sections = []
    for section in SECTIONS:
        names = _section_names(section)
        title = section.title
        if section.key == "three":
            title = f"三、{new_data.get('call', {}).get('section_three_title', '')}".rstrip("、")
        sections.append(
            SectionDiff(
                section.key,
                title,
                _compare_fields(old_data, new_data, names),
                compared=len(names),
            )
        )
    added, removed, changed = _compare_experts(
        old_data.get("experts", []), new_data.get("experts", [])
    )
    return VersionDiff(
        old_number=old_number,
        new_number=new_number,
        sections=sections,
        experts_added=added,
        experts_removed=removed,
        experts_changed=changed,
        attachments=_compare_attachments(
            old_data.get("attachments", []), new_data.get("attachments", [])
        ),
    )


def diff_snapshots(old, new) -> VersionDiff:
    return diff(old.data, new.data, old.number, new.number)
