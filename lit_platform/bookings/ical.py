"""iCalendar (RFC 5545/5546) invitations and feeds, built with the icalendar library from plain values."""
from __future__ import annotations

import calendar as calendar_module
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vText

PRODID = "-//lit-platform//Session bookings//EN"


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class EventInfo:
    uid: str
    sequence: int
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    location: str = ""
    #: the online joining link, or the session's page when there is none to share
    url: str = ""
    organizer: Person | None = None
    attendees: list[Person] = field(default_factory=list)
    #: CONFIRMED or CANCELLED
    status: str = "CONFIRMED"
    stamp: datetime | None = None


def _address(person: Person, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def _local_or_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """Local time with the zone, except in an hour that happens twice (clocks going back): there a local
    time is ambiguous (RFC 5545 says it means the first pass, and not every client agrees), so the
    instant is written in UTC, which every client reads the same way."""
    local = value.astimezone(zone)
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return value.astimezone(timezone.utc)
    return local


def build_event(info: EventInfo, zone_name: str) -> Event:
    zone = ZoneInfo(zone_name)
    event = Event()
    event.add("uid", info.uid)
    event.add("sequence", info.sequence)
    event.add("dtstamp", info.stamp or datetime.now(timezone.utc))
    event.add("dtstart", _local_or_utc(info.starts_at, zone))
    event.add("dtend", _local_or_utc(info.ends_at, zone))
    event.add("summary", info.title)
    event.add("status", info.status)
    if info.description:
        event.add("description", info.description)
    if info.location:
        event.add("location", info.location)
    if info.url:
        event.add("url", info.url)
    if info.organizer:
        event.add("organizer", _address(info.organizer))
    for person in info.attendees:
        event.add("attendee", _address(person, role="REQ-PARTICIPANT", partstat="ACCEPTED", rsvp="FALSE"),
                  encode=False)
    return event


def build_calendar(events: list[EventInfo], zone_name: str, method: str | None = None, name: str = "") -> str:
    """A VCALENDAR with every event and the VTIMEZONE their times refer to.

    `method` is REQUEST or CANCEL for e-mailed invitations (RFC 5546) and None for feeds and for
    storing in a CalDAV calendar, where METHOD is not allowed.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("name", name)
    if events:
        years = [e.starts_at.year for e in events] + [e.ends_at.year for e in events]
        calendar.add_component(vtimezone(zone_name, min(years) - 1, max(years) + 1))
    for info in events:
        calendar.add_component(build_event(info, zone_name))
    return calendar.to_ical().decode("utf-8")


# VTIMEZONE -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transition:
    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool

    @property
    def local_start(self) -> datetime:
        """The moment of change in the local time before it, as DTSTART requires."""
        return (self.at + self.offset_from).replace(tzinfo=None)


@lru_cache(maxsize=128)
def transitions(zone_name: str, first_year: int, last_year: int) -> tuple[Transition, ...]:
    """Every change of UTC offset in the zone between the two years, found to the minute."""
    zone = ZoneInfo(zone_name)
    found = []
    moment = datetime(first_year, 1, 1, tzinfo=timezone.utc)
    end = datetime(last_year + 1, 1, 1, tzinfo=timezone.utc)
    before = moment.astimezone(zone).utcoffset()
    step = timedelta(hours=6)
    while moment < end:
        after_moment = moment + step
        after = after_moment.astimezone(zone).utcoffset()
        if after != before:
            low, high = moment, after_moment
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            high = high.replace(second=0, microsecond=0)  # offsets change on the minute
            local = high.astimezone(zone)
            found.append(Transition(high, before, after, local.tzname() or "", bool(local.dst())))
            before = after
        moment = after_moment
    return tuple(found)


_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _rule(local: datetime) -> tuple[int, str]:
    week = (local.day - 1) // 7 + 1
    if local.day + 7 > calendar_module.monthrange(local.year, local.month)[1]:
        week = -1
    return local.month, f"{week}{_WEEKDAYS[local.weekday()]}"


def vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for the years the events fall in: yearly RRULEs where the changes follow a weekday rule
    (as in most zones; every calendar client reads these), explicit RDATEs otherwise, a fixed offset if none."""
    component = Timezone()
    component.add("tzid", zone_name)
    found = transitions(zone_name, first_year, last_year)
    if not found:
        zone = ZoneInfo(zone_name)
        sample = datetime(first_year, 7, 1, tzinfo=timezone.utc).astimezone(zone)
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(1970, 1, 1))
        standard.add("tzoffsetfrom", sample.utcoffset())
        standard.add("tzoffsetto", sample.utcoffset())
        standard.add("tzname", sample.tzname() or zone_name)
        component.add_component(standard)
        return component
    groups: dict[tuple, list[Transition]] = {}
    for transition in found:
        groups.setdefault((transition.is_dst, transition.offset_from, transition.offset_to, transition.name),
                          []).append(transition)
    for (is_dst, offset_from, offset_to, name), members in groups.items():
        part = TimezoneDaylight() if is_dst else TimezoneStandard()
        first = members[0].local_start
        part.add("dtstart", first)
        part.add("tzoffsetfrom", offset_from)
        part.add("tzoffsetto", offset_to)
        part.add("tzname", name)
        rules = {(_rule(m.local_start), m.local_start.time()) for m in members}
        years = [m.local_start.year for m in members]
        if len(rules) == 1 and years == list(range(years[0], years[0] + len(years))) and len(members) > 1:
            (month, byday), _ = rules.pop()
            part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": byday})
        else:
            for member in members[1:]:
                part.add("rdate", member.local_start)
        component.add_component(part)
    return component
