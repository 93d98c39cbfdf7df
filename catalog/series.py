"""The 36 浙派工匠 series: load them from the fixture and link catalog entries to them."""

import json
import logging
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Entry, Series

logger = logging.getLogger(__name__)

# Fields of the fixture that the Series model stores; the declared_* counts are only for checking.
SERIES_FIELDS = ("industry", "name", "definition", "occupations", "special_items")

# A list item such as "园艺工(花卉栽培工)" names the occupation "园艺工"; the seed uses ASCII brackets.
TRAILING_PARENTHETICAL = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


def _default_path() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "zhepai_series.json"


def load_series(path=None) -> int:
    """Create or update the series from the fixture, keyed by number; return how many changed."""
    with open(path or _default_path(), encoding="utf-8") as f:
        rows = json.load(f)
    changed = 0
    with transaction.atomic():
        existing = {s.number: s for s in Series.objects.all()}
        for row in rows:
            values = {field: row[field] for field in SERIES_FIELDS}
            series = existing.get(row["number"])
            if series is None:
                Series.objects.create(number=row["number"], **values)
                changed += 1
                continue
            dirty = [field for field, value in values.items() if getattr(series, field) != value]
            # Saving only on a difference keeps a second run free of writes.
            if dirty:
                for field in dirty:
                    setattr(series, field, values[field])
                series.save(update_fields=dirty)
                changed += 1
    return changed


def _occupation_key(item: str) -> str:
    return TRAILING_PARENTHETICAL.sub("", item).strip()


def _series_by_occupation() -> dict[str, list[Series]]:
    """Every occupation name the series list, exact and without a trailing parenthetical."""
    index: dict[str, list[Series]] = {}
    for series in Series.objects.order_by("number"):
        for item in series.occupations:
            for key in {item.strip(), _occupation_key(item)}:
                matches = index.setdefault(key, [])
                if series not in matches:
                    matches.append(series)
    return index


def link_series(call) -> list[Entry]:
    """Set the series of the call's unlinked entries; return the entries still without one."""
    index = _series_by_occupation()
    unlinked = []
    # Entries that already have a series keep it: an administrator may have chosen it by hand.
    for entry in Entry.objects.filter(call=call, series__isnull=True).order_by("number"):
        matches = index.get(entry.occupation.strip(), [])
        if not matches:
            unlinked.append(entry)
            continue
        if len(matches) > 1:
            logger.warning(
                "职业“%s”出现在多个浙派工匠系列中（%s），取序号最小的系列。",
                entry.occupation,
                "、".join(s.full_name for s in matches),
            )
        entry.series = matches[0]
        entry.save(update_fields=["series"])
    return unlinked
