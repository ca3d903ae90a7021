"""The manager's headline figures for a term, each from the report it links to and under the same rules.

Learners, course completions, sessions delivered, attendance, paired learners with their mean gain, and
satisfaction. Each figure reuses the reports' own queries (reach, reaction, the learning report's scope), so the
home page and the reports cannot disagree; figures about fewer people than the minimum group are not shown, and
rates are fractions shown as percentages, as in the reports. About a dozen queries, whatever the data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, union

from ..assessments.models import AssessmentResult
from ..bookings.models import Booking, Session
from ..core.small_groups import Suppressor
from ..courses.models import Enrolment
from ..extensions import db
from . import queries
from .exports import percent_text
from .filters import ReportFilters
from .reach import count_visibility, session_totals
from .terms import Term


@dataclass(frozen=True)
class Figure:
    """One headline: its label, the figure as shown ("fewer than 5" when hidden), a sentence of detail, and
    the report (kind) it comes from."""
    key: str
    label: str
    value: str
    detail: str
    report: str


@dataclass
class Headline:
    term: Term
    filters: ReportFilters
    figures: list[Figure] = field(default_factory=list)

    def report_args(self) -> dict[str, str]:
        """The term as report filters in a URL."""
        return self.filters.query_args()


def _plural(n: int | str, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _learners(filters: ReportFilters, zone: str, now: datetime) -> int:
    """People who enrolled on a course, or had a place on a session held, in the term."""
    start, end = filters.utc_bounds(zone)
    enrolled = select(Enrolment.user_id.label("user_id")).where(
        Enrolment.enrolled_at >= start, Enrolment.enrolled_at < end, Enrolment.user_id.is_not(None))
    booked = (select(Booking.user_id.label("user_id")).join(Session, Session.id == Booking.session_id)
              .where(Booking.status == "confirmed", Booking.user_id.is_not(None),
                     *queries._session_scope(filters, zone, now)))
    either = union(enrolled, booked).subquery()
    return db.session.scalar(select(func.count()).select_from(either))


def _pairs(filters: ReportFilters, zone: str) -> tuple[int, float | None, float | None]:
    """(paired learners, mean before, mean after) in the learning report's scope: both tests counted, no conflict."""
    r = AssessmentResult
    n, before, after = db.session.execute(
        select(func.count(), func.avg(r.pre_percent), func.avg(r.post_percent))
        .where(*queries._result_conditions(filters, zone), r.conflict.is_(False), r.pre_percent.is_not(None),
               r.post_percent.is_not(None))).one()
    return int(n), (float(before) if before is not None else None), (float(after) if after is not None else None)


def headline_figures(term: Term, zone: str, hide: Suppressor, now: datetime) -> Headline:
    """The term's headline figures (see the module docstring)."""
    filters = ReportFilters(date_from=term.first_day, date_to=term.last_day)
    headline = Headline(term, filters)
    add = headline.figures.append

    learners = _learners(filters, zone, now)
    add(Figure("learners", "Learners", str(hide.count(learners)),
               "took part: enrolled on a course or had a place on a session", "reach"))

    courses = queries.course_completion(filters, zone, medians=False)
    enrolled, completed = sum(c.enrolled for c in courses), sum(c.completed for c in courses)
    rate = hide.rate(completed, enrolled)
    if rate is not None:  # as the reach report's summary: both counts, or only what gives nothing away
        value, detail = str(completed), f"of {enrolled} enrolments made in the term ({percent_text(rate)} completed)"
    elif hide.enough(enrolled):
        value, detail = "not shown", f"of {enrolled} enrolments made in the term: too few to show either way"
    elif enrolled:
        value, detail = "not shown", f"{hide.count(enrolled)} enrolments made in the term"
    else:
        value, detail = "0", "no enrolments were made in the term"
    add(Figure("completions", "Course completions", value, detail, "reach"))

    sessions = queries.delivered_sessions(filters, zone, now)
    totals = session_totals(sessions)
    add(Figure("sessions", "Sessions delivered", str(totals["sessions"]),
               f"with {_plural(totals['places'], 'place')} offered", "reach"))

    [shown] = count_visibility([totals], hide)
    marked = totals["attended"] + totals["no_shows"]
    if shown["attended"] and shown["no_shows"] and marked:  # as the report's no-show rate: marked registers only
        no_show = totals["no_show_rate"]
        attendance = percent_text(1 - no_show)
        detail = f"of the {marked} booked learners in marked registers came (no-show rate {percent_text(no_show)})"
    elif not marked:
        attendance, detail = "–", "no registers were marked"
    else:
        attendance, detail = "not shown", "too few learners to show without identifying anyone"
    add(Figure("attendance", "Attendance", attendance, detail, "reach"))

    paired, before, after = _pairs(filters, zone)
    if hide.enough(paired) and before is not None and after is not None:
        change = after - before
        gain = f"{change:+.0f} points"
        detail = (f"percentage points: the mean change from before to after for {paired} paired learners "
                  f"(from {before:.0f}% to {after:.0f}%)")
    else:
        gain = "–" if not paired else "not shown"
        detail = (f"{_plural(hide.count(paired), 'learner')} took both tests" if paired else
                  "no learner took both the pre-test and the post-test")
    add(Figure("gain", "Paired learners and mean gain", gain, detail, "learning"))

    reaction = queries.reaction(filters, zone, now, comment_limit=0)
    if hide.enough(reaction.n):
        useful = sum(v * c for v, c in reaction.usefulness.items()) / reaction.n
        add(Figure("satisfaction", "Satisfaction", percent_text(reaction.recommend_yes / reaction.n),
                   f"would recommend their session ({reaction.n} responses; usefulness {useful:.1f} out of 5)",
                   "reaction"))
    else:
        add(Figure("satisfaction", "Satisfaction", "–" if not reaction.n else "not shown",
                   f"{_plural(hide.count(reaction.n), 'survey response')}: too few to show" if reaction.n
                   else "no survey responses", "reaction"))
    return headline
