"""Which submitted version each user last looked at, and which two versions a page compares."""

from django.utils import timezone

from .models import SeenVersion, Snapshot


def last_seen(user, application) -> int | None:
    return (
        SeenVersion.objects.filter(user=user, application=application)
        .values_list("number", flat=True)
        .first()
    )


def mark_seen(user, application, number: int) -> None:
    """Remember that the user has read version `number` (callers pass the newest): one query."""
    if not number:
        return
    # An upsert: a first visit and a later one cost the same, and two tabs cannot collide.
    SeenVersion.objects.bulk_create(
        [SeenVersion(user=user, application=application, number=number, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "application"],
        update_fields=["number", "seen_at"],
    )


def default_pair(numbers: list[int], seen: int | None) -> tuple[int, int] | None:
    """(older, newer) to show by default: since the version last seen, else the previous one."""
    if len(numbers) < 2:
        return None
    newest = max(numbers)
    if seen is not None and seen in numbers and seen < newest:
        return seen, newest
    return sorted(numbers)[-2], newest


def snapshot_numbers(application) -> list[int]:
    return list(
        Snapshot.objects.filter(application=application)
        .order_by("number")
        .values_list("number", flat=True)
    )
