"""Periods and deadlines as pure functions: ISO 8601 durations and the one-calendar-month rule."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_DURATION = re.compile(
    r"P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?)?")
_UNITS = ("years", "months", "weeks", "days", "hours")


@dataclass(frozen=True)
class Duration:
    """A period such as P3Y (three years) or P30D (thirty days): calendar years and months, then exact time."""
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0

    def before(self, moment: datetime) -> datetime:
        """The instant this period before `moment` (a year before 29 February is 28 February)."""
        return add_months(moment, -(12 * self.years + self.months)) - timedelta(
            weeks=self.weeks, days=self.days, hours=self.hours)

    def in_words(self) -> str:
        """'3 years', '1 day', '1 year and 6 months'."""
        parts = []
        for unit in _UNITS:
            count = getattr(self, unit)
            if count:
                parts.append(f"{count} {unit[:-1] if count == 1 else unit}")
        if not parts:
            return "no time at all"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    def __str__(self) -> str:
        text = "P" + "".join(f"{getattr(self, u)}{u[0].upper()}" for u in _UNITS[:4] if getattr(self, u))
        if self.hours:
            text += f"T{self.hours}H"
        return text if text != "P" else "P0D"


def parse_duration(text: str) -> Duration:
    """Read an ISO 8601 duration of whole years, months, weeks, days and hours ("P3Y", "P1Y6M", "PT12H").

    :raises ValueError: with a message that says what is accepted.
    """
    match = _DURATION.fullmatch((text or "").strip().upper())
    if not match:
        raise ValueError(f"'{text}' is not an ISO 8601 duration such as P3Y, P6M, P30D or PT12H.")
    return Duration(**{unit: int(match.group(unit) or 0) for unit in _UNITS})


def add_months(value, months: int):
    """The same day `months` later (or earlier), or the last day of that month when it is shorter."""
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def response_due(received: date, months: int = 1) -> date:
    """When a request received on `received` must be answered: `months` calendar months, the day of receipt
    counting as day one.

    Received 15 January, due 14 February. When the later month has no day with the same number, the
    deadline is that month's last day: received 31 January, due 28 February (29 in a leap year).
    """
    index = received.year * 12 + received.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if received.day > last:
        return date(year, month, last)
    return date(year, month, received.day) - timedelta(days=1)
