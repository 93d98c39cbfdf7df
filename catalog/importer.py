"""Import a 附件1 file into a call: read it, diff it against the saved catalog, apply the diff."""

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .models import Entry, Unit
from .tabular import CatalogFileError, EntryData, UnitData, parse_rows, read_tsv

# Positions and numbers are unique; moved rows park above these offsets before taking their place.
PARK_NUMBER = 10000
PARK_POSITION = 1000


def read_rows(path) -> list[list]:
    """The raw cells of a .xlsx (first sheet) or .tsv file, header first."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        # openpyxl is heavy and only needed here, so it loads on first use.
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile) as exc:
            raise CatalogFileError([f"无法读取 Excel 文件“{path.name}”：{exc}"]) from exc
        try:
            return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    if suffix in (".tsv", ".txt"):
        try:
            return read_tsv(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise CatalogFileError([f"文件“{path.name}”不是 UTF-8 编码的文本"]) from exc
    raise CatalogFileError([f"不支持的文件类型“{suffix}”：请使用 .xlsx 或 .tsv 文件"])


def read_catalog(path) -> list[EntryData]:
    return parse_rows(read_rows(path))


def saved_entries(call) -> dict[str, Entry]:
    return {e.occupation: e for e in Entry.objects.filter(call=call).with_units()}


@dataclass
class EntryChange:
    entry: Entry
    new: EntryData
    details: list[str]


@dataclass
class CatalogDiff:
    added: list[EntryData] = field(default_factory=list)
    changed: list[EntryChange] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)

    def __bool__(self):
        return bool(self.added or self.changed or self.removed)

    def lines(self) -> list[str]:
        lines = [
            f"新增：{e.number}. {e.occupation}（{len(e.units)}个职业（工种））" for e in self.added
        ]
        lines += [
            f"修改：{c.new.number}. {c.new.occupation}：{'；'.join(c.details)}"
            for c in self.changed
        ]
        lines += [f"删除：{e.number}. {e.occupation}" for e in self.removed]
        return lines or ["没有变化。"]


def _range_text(level_range) -> str:
    return str(level_range) if level_range else "无"


def _unit_label(entry: EntryData, unit: UnitData) -> str:
    if not unit.name:
        return "本职业（不细分）"
    kind = "职业方向" if entry.subdivision == Entry.Subdivision.DIRECTIONS else "工种"
    return f"{kind}“{unit.name}”"


def describe_changes(old: EntryData, new: EntryData) -> list[str]:
    """What differs between two versions of one entry, in Chinese, one phrase per change."""
    details = []
    labels = dict(Entry.Subdivision.choices)
    for label, before, after in [
        ("序号", old.number, new.number),
        ("细分方式", labels[old.subdivision], labels[new.subdivision]),
        ("不细分工种的等级", _range_text(old.shared_range), _range_text(new.shared_range)),
        ("标签", "、".join(old.tags) or "无", "、".join(new.tags) or "无"),
        ("备注", f"“{old.remark}”", f"“{new.remark}”"),
    ]:
        if before != after:
            details.append(f"{label} {before} → {after}")
    old_units = {u.name: u for u in old.units}
    new_names = [u.name for u in new.units]
    for unit in new.units:
        before = old_units.get(unit.name)
        label = _unit_label(new, unit)
        if before is None:
            details.append(f"新增{label}（{unit.level_range}）")
            continue
        if before.level_range != unit.level_range:
            details.append(f"{label}等级 {before.level_range} → {unit.level_range}")
        if before.standard_year != unit.standard_year:
            details.append(
                f"{label}国标版本 {before.standard_year or '无'} → {unit.standard_year or '无'}"
            )
    details += [f"删除{_unit_label(old, u)}" for u in old.units if u.name not in new_names]
    kept_old = [u.name for u in old.units if u.name in new_names]
    if kept_old != [name for name in new_names if name in old_units]:
        details.append("工种顺序调整")
    return details


def compute_diff(call, entries: list[EntryData]) -> CatalogDiff:
    """Match entries by occupation and compare; reads only."""
    saved = saved_entries(call)
    diff = CatalogDiff()
    for data in entries:
        entry = saved.pop(data.occupation, None)
        if entry is None:
            diff.added.append(data)
            continue
        old = EntryData.from_entry(entry)
        if old != data:
            diff.changed.append(EntryChange(entry, data, describe_changes(old, data)))
    diff.removed = sorted(saved.values(), key=lambda e: e.number)
    return diff


def _sync_units(entry: Entry, units: list[UnitData]):
    # Units are matched by name so that whatever refers to a kept unit keeps referring to it.
    existing = {u.name: u for u in entry.units.all()}
    wanted = {u.name for u in units}
    stale = [u.pk for name, u in existing.items() if name not in wanted]
    if stale:
        Unit.objects.filter(pk__in=stale).delete()
    moving = [
        existing[data.name]
        for position, data in enumerate(units, start=1)
        if data.name in existing and existing[data.name].position != position
    ]
    for unit in moving:
        unit.position += PARK_POSITION
        unit.save(update_fields=["position"])
    for position, data in enumerate(units, start=1):
        values = {
            "position": position,
            "level_start": data.level_range.start,
            "level_end": data.level_range.end,
            "standard_year": data.standard_year,
        }
        unit = existing.get(data.name)
        if unit is None:
            Unit.objects.create(entry=entry, name=data.name, **values)
            continue
        dirty = [name for name, value in values.items() if getattr(unit, name) != value]
        for name in dirty:
            setattr(unit, name, values[name])
        if dirty:
            unit.save(update_fields=dirty)


def _entry_values(data: EntryData) -> dict:
    shared = data.shared_range
    return {
        "number": data.number,
        "subdivision": data.subdivision,
        "shared_level_start": shared.start if shared else None,
        "shared_level_end": shared.end if shared else None,
        "is_green": data.is_green,
        "is_digital": data.is_digital,
        "remark": data.remark,
    }


def apply_diff(call, diff: CatalogDiff):
    """Write the diff in one transaction; an empty diff writes nothing."""
    if not diff:
        return
    with transaction.atomic():
        if diff.removed:
            Entry.objects.filter(pk__in=[e.pk for e in diff.removed]).delete()
        renumbered = [c.entry for c in diff.changed if c.entry.number != c.new.number]
        for entry in renumbered:
            entry.number += PARK_NUMBER
            entry.save(update_fields=["number"])
        # Series links are left as they are: link_series maintains them.
        for change in diff.changed:
            for name, value in _entry_values(change.new).items():
                setattr(change.entry, name, value)
            change.entry.save(update_fields=list(_entry_values(change.new)))
            _sync_units(change.entry, change.new.units)
        for data in diff.added:
            entry = Entry.objects.create(
                call=call, occupation=data.occupation, **_entry_values(data)
            )
            _sync_units(entry, data.units)


def import_catalog(call, path, dry_run=False) -> CatalogDiff:
    """Read ``path`` and bring the call's catalog in line with it; raise CatalogFileError."""
    diff = compute_diff(call, read_catalog(path))
    if not dry_run:
        apply_diff(call, diff)
    return diff
