"""The reach and delivery report: sessions run, places, bookings, attendance, and course completion."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from . import charts, queries
from .document import Chart, ReportDocument, Section, Table
from .filters import MODES, ReportFilters
from .suppress import Suppressor, describe_filters, generated_now

METHODS = [
    ("Sessions delivered", "Sessions that have started and were not cancelled, in the date range (by start date)."),
    ("Places offered", "The sum of the sessions' capacities."),
    ("Booked", "Confirmed places at the time of the session (cancelled bookings are counted separately)."),
    ("Attended", "Booked learners marked attended or late in the register."),
    ("No-show rate", "Learners marked absent as a share of the booked learners whose attendance was marked."),
    ("Capacity use", "Booked places as a share of the places offered."),
    ("Demand not met", "Learners still on a waiting list when the session started."),
    ("Completion rate", "Completed enrolments as a share of enrolments made in the date range."),
    ("Median time to complete", "The middle value of the days from enrolling to completing, over completed "
                                "enrolments."),
    ("Small groups", "Counts about fewer people than the installation's minimum group size are not shown."),
]

COLUMNS = ["Sessions", "Places offered", "Booked", "Attended", "No-shows", "No-show rate", "Capacity use",
           "Demand not met"]


def build(filters: ReportFilters, zone: str, min_group: int, filter_labels: dict, now: datetime,
          facilitator_names: dict[int, str]) -> ReportDocument:
    hide = Suppressor(min_group)
    sessions = queries.delivered_sessions(filters, zone, now)
    sections = [_delivery(sessions, hide, zone, facilitator_names),
                _by_unit(queries.attendance_by_unit(filters, zone, now), hide),
                _courses(queries.course_completion(filters, zone), hide)]
    return ReportDocument(key="reach", title="Reach and delivery", generated_at=generated_now(),
                          filters=describe_filters(filters, filter_labels), sections=sections, methods=METHODS,
                          min_group=min_group)


def _totals(group: list[queries.SessionFigures]) -> dict:
    places = sum(s.capacity for s in group)
    booked = sum(s.booked for s in group)
    came = sum(s.attended + s.late for s in group)
    absent = sum(s.absent for s in group)
    marked = came + absent
    return {"sessions": len(group), "places": places, "booked": booked, "attended": came, "no_shows": absent,
            "no_show_rate": absent / marked if marked else None,
            "capacity_use": booked / places if places else None,
            "demand_not_met": sum(s.waitlisted for s in group)}


def _shown(value: int, hide: Suppressor) -> bool:
    return value == 0 or hide.enough(value)


def _public(totals: dict, hide: Suppressor) -> dict:
    """Totals for the JSON API: small counts, and the rates that would give them away, are None."""
    public = {k: (hide.count_value(v) if k not in ("sessions", "places", "no_show_rate", "capacity_use") else v)
              for k, v in totals.items()}
    if not (_shown(totals["no_shows"], hide) and _shown(totals["booked"], hide)):
        public["no_show_rate"] = None
    if not _shown(totals["booked"], hide):
        public["capacity_use"] = None
    return public


def _row(label: str, totals: dict, hide: Suppressor) -> list:
    """A table row; a rate is hidden with the small count it would give away."""
    return [label, totals["sessions"], totals["places"], hide.count(totals["booked"]), hide.count(totals["attended"]),
            hide.count(totals["no_shows"]),
            totals["no_show_rate"] if _shown(totals["booked"], hide) and _shown(totals["no_shows"], hide) else None,
            totals["capacity_use"] if _shown(totals["booked"], hide) else None,
            hide.count(totals["demand_not_met"])]


def _delivery(sessions, hide: Suppressor, zone: str, facilitator_names: dict[int, str]) -> Section:
    section = Section("delivery", "Sessions and attendance")
    overall = _totals(sessions)
    section.data["totals"] = _public(overall, hide)
    if not sessions:
        section.summary.append("No sessions were delivered for these filters.")
        return section
    section.summary.append(
        f"{overall['sessions']} session{'' if overall['sessions'] == 1 else 's'} delivered with "
        f"{overall['places']} places; "
        + (f"{overall['booked']} booked and {overall['attended']} attended"
           + (f" (no-show rate {overall['no_show_rate']:.0%})"
              if overall["no_show_rate"] is not None and _shown(overall["no_shows"], hide) else "")
           if hide.enough(overall["booked"]) else "too few bookings to show")
        + ".")
    if overall["demand_not_met"] and hide.enough(overall["demand_not_met"]):
        section.summary.append(f"{overall['demand_not_met']} learners were still waiting for a place when their "
                               "session started: demand the timetable did not meet.")
    tz = ZoneInfo(zone)
    by_month, by_mode, by_facilitator = defaultdict(list), defaultdict(list), defaultdict(list)
    for s in sessions:
        by_month[s.starts_at.astimezone(tz).strftime("%Y-%m")].append(s)
        by_mode[MODES.get(s.mode, s.mode)].append(s)
        for facilitator in s.facilitator_ids or [0]:
            by_facilitator[facilitator_names.get(facilitator, "No facilitator")].append(s)
    months = sorted(by_month)
    month_rows = [_row(_month_label(m), _totals(by_month[m]), hide) for m in months]
    section.tables.append(Table("Total", ["Scope"] + COLUMNS, [_row("All sessions", overall, hide)], decimals=2))
    section.tables.append(Table("By month", ["Month"] + COLUMNS, month_rows, decimals=2))
    section.tables.append(Table("By delivery mode", ["Mode"] + COLUMNS,
                                [_row(mode, _totals(group), hide) for mode, group in sorted(by_mode.items())],
                                decimals=2))
    section.tables.append(Table("By facilitator", ["Facilitator"] + COLUMNS,
                                [_row(name, _totals(group), hide) for name, group in sorted(by_facilitator.items())],
                                decimals=2, note="A session with two facilitators counts for each."))
    totals = [_totals(by_month[m]) for m in months]

    def plotted(value: int) -> int:
        return value if _shown(value, hide) else 0

    text = (f"From {_month_label(months[0])} to {_month_label(months[-1])}; the latest months: "
            + ", ".join(f"{_month_label(m)} {hide.count(t['attended'])} attended of {hide.count(t['booked'])} booked"
                        for m, t in zip(months[-3:], totals[-3:]))
            + f". Counts under {hide.min_group} are drawn as 0.")
    section.charts.append(Chart(
        "Bookings and attendance by month", text,
        lambda: charts.attendance_trend([_month_label(m) for m in months],
                                        [plotted(t["booked"]) for t in totals],
                                        [plotted(t["attended"]) for t in totals],
                                        [plotted(t["no_shows"]) for t in totals],
                                        "Bookings and attendance by month"),
        Table("Bookings and attendance by month", ["Month", "Booked", "Attended", "No-shows"],
              [[_month_label(m), hide.count(t["booked"]), hide.count(t["attended"]), hide.count(t["no_shows"])]
               for m, t in zip(months, totals)])))
    shown = [_shown(t["booked"], hide) for t in totals]
    section.data["months"] = [{"month": m, **_public(t, hide)} if ok else {"month": m, "suppressed": True}
                              for m, t, ok in zip(months, totals, shown)]
    return section


def _by_unit(rows, hide: Suppressor) -> Section:
    section = Section("units", "Attendance by organisation unit")
    table_rows = []
    for name, booked, came, absent in rows:
        if not hide.enough(booked):
            table_rows.append([name, hide.count(booked), None, None, None])
            continue
        marked = came + absent
        table_rows.append([name, booked, hide.count(came), hide.count(absent),
                           absent / marked if marked and _shown(absent, hide) and _shown(came, hide) else None])
    if table_rows:
        section.tables.append(Table("Booked learners by their organisation unit",
                                    ["Unit", "Booked", "Attended", "No-shows", "No-show rate"], table_rows,
                                    decimals=2))
    else:
        section.summary.append("No bookings for these filters.")
    section.data["units"] = [{"unit": r[0]} | {key: value if isinstance(value, int) else None
                                               for key, value in zip(("booked", "attended", "no_shows"), r[1:4])}
                             for r in table_rows]
    return section


def _courses(figures, hide: Suppressor) -> Section:
    section = Section("courses", "Self-paced courses")
    rows, data = [], []
    for f in figures:
        if not hide.enough(f.enrolled):
            rows.append([f.title, hide.count(f.enrolled), None, None, None])
            data.append({"course": f.title, "suppressed": True})
            continue
        completed = hide.count(f.completed)
        rate = f.completed / f.enrolled if f.enrolled else None
        median = f.median_days if hide.enough(f.completed) else None
        rows.append([f.title, f.enrolled, completed, rate, median])
        data.append({"course": f.title, "enrolled": f.enrolled, "completed": hide.count_value(f.completed),
                     "completion_rate": rate, "median_days_to_complete": median})
    section.data["courses"] = data
    if rows:
        section.tables.append(Table("Enrolments and completions", ["Course", "Enrolments", "Completed",
                                                                     "Completion rate", "Median days to complete"],
                                    rows, decimals=2, column_decimals={4: 1}))
        total_enrolled = sum(f.enrolled for f in figures)
        total_completed = sum(f.completed for f in figures)
        if hide.enough(total_enrolled):
            section.summary.append(f"{total_enrolled} enrolments, {total_completed} completed "
                                   f"({total_completed / total_enrolled:.0%}).")
    else:
        section.summary.append("No course enrolments for these filters.")
    return section


def _month_label(key: str) -> str:
    return datetime.strptime(key, "%Y-%m").strftime("%b %Y")
