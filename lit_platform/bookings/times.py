"""Local wall-clock times to UTC and back, and the dates of a repeating series (pure functions).

Librarians enter times in the installation's zone (LIT_TIMEZONE). Two local times need a decision:
- a time that does not exist (clocks go forward: 01:30 on the last Sunday of March in London) is
  refused with a message that says why;
- a time that happens twice (clocks go back: 01:30 on the last Sunday of October) is taken as its
  first occurrence, still on summer time (fold=0), and the caller is told so it can say which.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

MAX_OCCURRENCES = 52


class LocalTimeError(ValueError):
    """A local time that cannot be used, with a message fit to show the user."""


@dataclass(frozen=True)
class Resolved:
    utc: datetime
    #: the local time happened twice that night; the first (summer time) was taken
    ambiguous: bool = False


def _describe(local: datetime) -> str:
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def resolve_local(local: datetime, zone_name: str) -> Resolved:
    """Turn a naive local time into UTC.

    :raises LocalTimeError: the time does not exist in the zone (a spring-forward gap).
    """
    zone = ZoneInfo(zone_name)
    local = local.replace(tzinfo=None, second=0, microsecond=0)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != local:
        before = (first - timedelta(hours=3)).astimezone(zone)
        after = (first + timedelta(hours=3)).astimezone(zone)
        raise LocalTimeError(
            f"{_describe(local)} does not exist in {zone_name}: the clocks go forward that night "
            f"(from {before.tzname()} to {after.tzname()}). Choose a time outside the missing hour.")
    ambiguous = first.utcoffset() != second.utcoffset()
    return Resolved(first.astimezone(timezone.utc), ambiguous)


def to_local(value: datetime, zone_name: str) -> datetime:
    """A UTC datetime as naive local wall-clock time, for filling in forms."""
    return value.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


def ambiguity_note(local: datetime, zone_name: str) -> str:
    """What to tell the user when a local time happened twice."""
    first = local.replace(tzinfo=ZoneInfo(zone_name), fold=0)
    return (f"{_describe(local)} happens twice in {zone_name} because the clocks go back that night; "
            f"the first one ({first.tzname()}, before the change) was used.")


def _add_months(day: date, months: int, wanted_day: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(wanted_day, calendar.monthrange(year, month)[1]))


def series_dates(first: date, frequency: str, count: int | None = None, until: date | None = None) -> list[date]:
    """Dates of a repeating series, the first included: `count` of them, or up to and including `until`.

    Monthly series keep the day of the month; in a shorter month they fall on its last day.
    :raises LocalTimeError: neither or both limits given, or more than MAX_OCCURRENCES dates.
    """
    if (count is None) == (until is None):
        raise LocalTimeError("Say how many times the session repeats, or until which date.")
    step = {"weekly": 7, "fortnightly": 14}.get(frequency)
    if step is None and frequency != "monthly":
        raise LocalTimeError(f"Unknown repeat frequency {frequency}.")
    if until is not None and until < first:
        raise LocalTimeError("The last date is before the first session.")
    dates: list[date] = []
    n = 0
    while True:
        day = first + timedelta(days=step * n) if step else _add_months(first, n, first.day)
        if (count is not None and n >= count) or (until is not None and day > until):
            break
        dates.append(day)
        n += 1
        if len(dates) > MAX_OCCURRENCES:
            raise LocalTimeError(f"A series can have at most {MAX_OCCURRENCES} sessions.")
    return dates


def combine(day: date, at: time) -> datetime:
    return datetime.combine(day, at.replace(second=0, microsecond=0))
