"""The reach and delivery report: sessions run, places, bookings, attendance, and course completion."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from . import queries
from .document import Chart, ChartDrawing, ReportDocument, Section, Table
from .filters import MODES, ReportFilters
from .suppress import HIDDEN_WITH_SMALL, Suppressor, describe_filters, generated_now

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


def session_totals(group: list[queries.SessionFigures]) -> dict:
    places = sum(s.capacity for s in group)
    booked = sum(s.booked for s in group)
    came = sum(s.attended + s.late for s in group)
    absent = sum(s.absent for s in group)
    marked = came + absent
    return {"sessions": len(group), "places": places, "booked": booked, "attended": came, "no_shows": absent,
            "no_show_rate": absent / marked if marked else None,
            "capacity_use": booked / places if places else None,
            "demand_not_met": sum(s.waitlisted for s in group)}


#: the counts of people in a row of totals, in the order the suppression rule checks them
_PEOPLE = ("booked", "attended", "no_shows", "demand_not_met")


def count_visibility(groups: list[dict], hide: Suppressor) -> list[dict[str, bool]]:
    """Which counts of each row may be shown: small ones are hidden, and so is any other count from which a
    hidden one could be worked out (booked = attended + no-shows + unmarked; the rows add up to the total)."""
    matrix = [[t[name] for name in _PEOPLE] for t in groups]
    unmarked = [t["booked"] - t["attended"] - t["no_shows"] for t in groups]
    visible = hide.protect_table(matrix, row_parts=(1, 2), row_unshown=unmarked)
    return [dict(zip(_PEOPLE, row)) for row in visible]


def _rates(totals: dict, visible: dict[str, bool]) -> tuple[float | None, float | None]:
    """(no-show rate, capacity use), each only when the counts it is made of are shown."""
    no_show = totals["no_show_rate"] if visible["attended"] and visible["no_shows"] else None
    capacity = totals["capacity_use"] if visible["booked"] else None
    return no_show, capacity


def _public(totals: dict, visible: dict[str, bool]) -> dict:
    """Totals for the JSON API: hidden counts, and the rates that would give them away, are None."""
    no_show, capacity = _rates(totals, visible)
    return {"sessions": totals["sessions"], "places": totals["places"],
            **{name: totals[name] if visible[name] else None for name in _PEOPLE},
            "no_show_rate": no_show, "capacity_use": capacity}


def _row(label: str, totals: dict, visible: dict[str, bool], hide: Suppressor) -> list:
    no_show, capacity = _rates(totals, visible)
    cells = {name: hide.cell(totals[name], visible[name]) for name in _PEOPLE}
    return [label, totals["sessions"], totals["places"], cells["booked"], cells["attended"], cells["no_shows"],
            no_show, capacity, cells["demand_not_met"]]


def _table(title: str, label: str, groups: list[tuple[str, dict]], hide: Suppressor, note: str = "") -> Table:
    visible = count_visibility([t for _, t in groups], hide)
    return Table(title, [label] + COLUMNS, [_row(name, t, v, hide) for (name, t), v in zip(groups, visible)],
                 decimals=2, note=note, percent_columns={6, 7})


def _delivery(sessions, hide: Suppressor, zone: str, facilitator_names: dict[int, str]) -> Section:
    section = Section("delivery", "Sessions and attendance")
    overall = session_totals(sessions)
    [shown] = count_visibility([overall], hide)
    section.data["totals"] = _public(overall, shown)
    if not sessions:
        section.summary.append("No sessions were delivered for these filters.")
        return section
    no_show_rate, _ = _rates(overall, shown)
    sentence = (f"{overall['sessions']} session{'' if overall['sessions'] == 1 else 's'} delivered with "
                f"{overall['places']} places; ")
    if not shown["booked"]:
        sentence += "too few bookings to show"
    else:
        sentence += f"{overall['booked']} booked"
        if shown["attended"]:
            sentence += f" and {overall['attended']} attended"
        if no_show_rate is not None:
            sentence += f" (no-show rate {no_show_rate:.0%})"
    section.summary.append(sentence + ".")
    if overall["demand_not_met"] and shown["demand_not_met"]:
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
    totals = [session_totals(by_month[m]) for m in months]
    month_groups = [(_month_label(m), t) for m, t in zip(months, totals)]
    section.tables.append(_table("Total", "Scope", [("All sessions", overall)], hide))
    section.tables.append(_table("By month", "Month", month_groups, hide))
    section.tables.append(_table("By delivery mode", "Mode",
                                 [(mode, session_totals(group)) for mode, group in sorted(by_mode.items())], hide))
    section.tables.append(_table("By facilitator", "Facilitator",
                                 [(name, session_totals(group)) for name, group in sorted(by_facilitator.items())],
                                 hide,
                                 note="A session with two facilitators counts for each."))
    visible = count_visibility(totals, hide)

    def plotted(t: dict, v: dict, name: str) -> int:
        return t[name] if v[name] else 0

    text = (f"From {_month_label(months[0])} to {_month_label(months[-1])}; the latest months: "
            + "; ".join(f"{_month_label(m)}: {_counted(t, v, 'booked', 'booked', hide)}, "
                        f"{_counted(t, v, 'attended', 'attended', hide)}"
                        for m, t, v in zip(months[-3:], totals[-3:], visible[-3:]))
            + ". Counts that are not shown are drawn as 0.")
    section.charts.append(Chart(
        "Bookings and attendance by month", text,
        ChartDrawing("attendance_trend", dict(
            months=[_month_label(m) for m in months],
            booked=[plotted(t, v, "booked") for t, v in zip(totals, visible)],
            attended=[plotted(t, v, "attended") for t, v in zip(totals, visible)],
            no_shows=[plotted(t, v, "no_shows") for t, v in zip(totals, visible)],
            title="Bookings and attendance by month")),
        Table("Bookings and attendance by month", ["Month", "Booked", "Attended", "No-shows"],
              [[_month_label(m), hide.cell(t["booked"], v["booked"]), hide.cell(t["attended"], v["attended"]),
                hide.cell(t["no_shows"], v["no_shows"])] for m, t, v in zip(months, totals, visible)])))
    section.data["months"] = [{"month": m, **_public(t, v)} if v["booked"] else {"month": m, "suppressed": True}
                              for m, t, v in zip(months, totals, visible)]
    return section


def _by_unit(rows, hide: Suppressor) -> Section:
    section = Section("units", "Attendance by organisation unit")
    matrix = [[booked, came, absent] for _, booked, came, absent in rows]
    visible = hide.protect_table(matrix, row_parts=(1, 2),
                                 row_unshown=[booked - came - absent for _, booked, came, absent in rows])
    table_rows = []
    for (name, booked, came, absent), shown in zip(rows, visible):
        rate = absent / (came + absent) if (came + absent) and shown[1] and shown[2] else None
        table_rows.append([name, hide.cell(booked, shown[0]), hide.cell(came, shown[1]), hide.cell(absent, shown[2]),
                           rate])
    if table_rows:
        section.tables.append(Table("Booked learners by their organisation unit",
                                    ["Unit", "Booked", "Attended", "No-shows", "No-show rate"], table_rows,
                                    decimals=2, percent_columns={4}))
    else:
        section.summary.append("No bookings for these filters.")
    section.data["units"] = [{"unit": r[0]} | {key: value if isinstance(value, int) else None
                                               for key, value in zip(("booked", "attended", "no_shows"), r[1:4])}
                             | {"no_show_rate": r[4]} for r in table_rows]
    return section


def _courses(figures, hide: Suppressor) -> Section:
    section = Section("courses", "Self-paced courses")
    enrolled = hide.protect_parts([f.enrolled for f in figures])
    completed = hide.protect_table([[f.completed] for f in figures], row_parts=(0,),
                                   row_unshown=[f.enrolled - f.completed for f in figures])
    rows, data = [], []
    for f, shown_enrolled, [shown_completed] in zip(figures, enrolled, completed):
        if not shown_enrolled:
            rows.append([f.title, hide.cell(f.enrolled, False), None, None, None])
            data.append({"course": f.title, "suppressed": True})
            continue
        rate = f.completed / f.enrolled if f.enrolled and shown_completed else None
        median = f.median_days if hide.enough(f.completed) else None
        rows.append([f.title, f.enrolled, hide.cell(f.completed, shown_completed), rate, median])
        data.append({"course": f.title, "enrolled": f.enrolled,
                     "completed": f.completed if shown_completed else None,
                     "completion_rate": rate, "median_days_to_complete": median})
    section.data["courses"] = data
    if rows:
        section.tables.append(Table("Enrolments and completions", ["Course", "Enrolments", "Completed",
                                                                     "Completion rate", "Median days to complete"],
                                    rows, decimals=2, column_decimals={4: 1}, percent_columns={3}))
        total_enrolled = sum(f.enrolled for f in figures)
        total_completed = sum(f.completed for f in figures)
        rate = hide.rate(total_completed, total_enrolled)
        if rate is not None:
            section.summary.append(f"{total_enrolled} enrolments, {total_completed} completed ({rate:.0%}).")
        elif hide.enough(total_enrolled):
            section.summary.append(f"{total_enrolled} enrolments.")
    else:
        section.summary.append("No course enrolments for these filters.")
    return section


def _counted(totals: dict, visible: dict[str, bool], name: str, verb: str, hide: Suppressor) -> str:
    """"12 attended", "fewer than 5 attended", or "number attended not shown"."""
    value = hide.cell(totals[name], visible[name])
    return f"number {verb} {value}" if value == HIDDEN_WITH_SMALL else f"{value} {verb}"


def _month_label(key: str) -> str:
    return datetime.strptime(key, "%Y-%m").strftime("%b %Y")
