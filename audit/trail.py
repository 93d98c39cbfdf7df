"""Recording changes: who changed which field of which record, from what to what.

Called by the domain functions themselves (scores, reviews, weights, selections, publication,
organisation edits, status changes), in their transaction: a change and its record commit
together. Signals would miss the conditional ``update()`` that guards a review's version.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from .models import Change, Subject

# Shown for a value that was empty or a record that did not exist yet / any more.
NONE = "（空）"


def _display(obj, field: models.Field) -> str:
    value = getattr(obj, field.attname)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        # As stored, so a value read back from the database compares equal.
        places = getattr(field, "decimal_places", None)
        return f"{value:.{places}f}" if places is not None else f"{value:f}"
    if field.is_relation:
        related = getattr(obj, field.name)
        return str(related) if related is not None else ""
    return str(value)


def values(obj, fields) -> dict[str, str] | None:
    """The fields' values as people read them; None for no object (created or deleted)."""
    if obj is None:
        return None
    return {name: _display(obj, obj._meta.get_field(name)) for name in fields}


def record(
    actor,
    subject: Subject,
    obj,
    before: dict | None,
    after: dict | None,
    *,
    call=None,
    label: str = "",
    object_id=None,
    at=None,
) -> list[Change]:
    """One Change row per field whose value differs between `before` and `after`."""
    before, after = before or {}, after or {}
    model = type(obj)
    at = at or timezone.now()
    rows = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name, ""), after.get(name, "")
        if old == new:
            continue
        try:
            field_label = str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            field_label = name
        rows.append(
            Change(
                at=at,
                actor=actor if getattr(actor, "pk", None) else None,
                call=call,
                subject=subject,
                object_id=object_id if object_id is not None else obj.pk,
                object_label=(label or str(obj))[:300],
                field=name,
                field_label=field_label,
                old=old,
                new=new,
            )
        )
    return Change.objects.bulk_create(rows)
