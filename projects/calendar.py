"""Working days: Monday to Friday, unless the calendar (CalendarDay rows) says otherwise."""

import datetime as dt

from .models import CalendarDay

NOTICE_WORKING_DAYS = 5


def is_workday(day: dt.date, overrides: dict) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The last of `days` working days counted from `start` (start itself counts if it works)."""
    # A year's window covers any notice; one query whatever the length.
    overrides = dict(
        CalendarDay.objects.filter(
            date__gte=start, date__lte=start + dt.timedelta(days=366)
        ).values_list("date", "is_workday")
    )
    day, counted = start, 0
    while True:
        if is_workday(day, overrides):
            counted += 1
            if counted == days:
                return day
        day += dt.timedelta(days=1)
