"""The reports' reads: aggregates computed in the database, returned as small plain results.

Learning figures start from each participant's counted attempts (the pairing rule of
assessments/pairing.py, done in SQL with a window function): the first submitted attempt in each
phase counts; an anonymous code with two pre-tests or two post-tests is a conflict and is not paired.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Float, Integer, String, and_, case, cast, func, literal, select, union_all

from ..assessments.models import AssessmentAttempt, AssessmentPoint, ConfidenceItem, Instrument, Participant
from ..courses.models import Course, LearningOutcome
from ..extensions import db
from ..quizzes.models import Attempt, Question, QuestionVersion, Response
from .filters import ReportFilters, context_condition, unit_condition
from .stats import ItemSums, PairedSums, TotalSums


# Counted attempts and pairs -------------------------------------------------------------------

def counted_attempts(filters: ReportFilters):
    """Every finished attempt in scope, ranked within its participant and phase (rank 1 counts)."""
    rank = func.row_number().over(partition_by=(AssessmentAttempt.participant_id, AssessmentPoint.phase),
                                  order_by=(Attempt.submitted_at, Attempt.id))
    in_phase = func.count().over(partition_by=(AssessmentAttempt.participant_id, AssessmentPoint.phase))
    query = (
        select(AssessmentAttempt.participant_id.label("participant_id"),
               AssessmentPoint.phase.label("phase"),
               AssessmentPoint.instrument_id.label("instrument_id"),
               Attempt.id.label("attempt_id"),
               Attempt.quiz_id.label("quiz_id"),
               Attempt.submitted_at.label("submitted_at"),
               Attempt.score.label("score"),
               (100.0 * Attempt.score / Attempt.max_score).label("percent"),
               Participant.user_id.label("user_id"),
               AssessmentAttempt.confidence.label("confidence"),
               rank.label("rank"), in_phase.label("in_phase"))
        .join(AssessmentPoint, AssessmentPoint.id == AssessmentAttempt.point_id)
        .join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
        .join(Participant, Participant.id == AssessmentAttempt.participant_id)
        .where(Attempt.status != "in_progress", Attempt.max_score > 0, Attempt.score.is_not(None),
               context_condition(filters, Participant.course_id, Participant.session_id)))
    if filters.instrument:
        query = query.where(AssessmentPoint.instrument_id == filters.instrument)
    unit = unit_condition(filters, Participant.user_id)
    if unit is not None:
        query = query.where(unit)
    return query.cte("ranked")


def participant_phases(filters: ReportFilters, zone: str, ranked=None):
    """One row per participant: counted pre, post and delayed scores (percent) and whether they conflict."""
    ranked = counted_attempts(filters) if ranked is None else ranked
    counted = ranked.c.rank == 1

    def phase_value(phase, value):
        return func.max(case((and_(counted, ranked.c.phase == phase), value)))

    conflict = func.max(case((and_(ranked.c.user_id.is_(None), ranked.c.in_phase > 1,
                                   ranked.c.phase.in_(("pre", "post"))), 1), else_=0))
    query = (select(ranked.c.participant_id, func.max(ranked.c.instrument_id).label("instrument_id"),
                    phase_value("pre", ranked.c.percent).label("pre"),
                    phase_value("post", ranked.c.percent).label("post"),
                    phase_value("delayed", ranked.c.percent).label("delayed"),
                    phase_value("pre", ranked.c.attempt_id).label("pre_attempt"),
                    phase_value("post", ranked.c.attempt_id).label("post_attempt"),
                    conflict.label("conflict"))
             .group_by(ranked.c.participant_id))
    start, end = filters.utc_bounds(zone)
    # A participant is in the date range when the later of their counted pre- and post-tests is.
    last_taken = func.max(case((and_(counted, ranked.c.phase.in_(("pre", "post"))), ranked.c.submitted_at)))
    if start is not None:
        query = query.having(last_taken >= start)
    if end is not None:
        query = query.having(last_taken < end)
    return query.cte("phases")


@dataclass
class PairingCounts:
    took_pre: int = 0
    took_post: int = 0
    paired: int = 0
    pre_only: int = 0
    post_only: int = 0
    conflicts: int = 0
    delayed_pairs: int = 0


@dataclass
class LearningData:
    counts: PairingCounts
    #: (instrument id, pre percent, post percent) for every pair
    pairs: list[tuple[int, float, float]]
    #: (post percent, delayed percent) for every participant with both
    retention: list[tuple[float, float]]


def learning_pairs(filters: ReportFilters, zone: str) -> LearningData:
    phases = participant_phases(filters, zone)
    ok = phases.c.conflict == 0
    counts_row = db.session.execute(select(
        func.count(phases.c.pre), func.count(phases.c.post),
        func.coalesce(func.sum(case((and_(ok, phases.c.pre.is_not(None), phases.c.post.is_not(None)), 1))), 0),
        func.coalesce(func.sum(case((and_(ok, phases.c.pre.is_not(None), phases.c.post.is_(None)), 1))), 0),
        func.coalesce(func.sum(case((and_(ok, phases.c.pre.is_(None), phases.c.post.is_not(None)), 1))), 0),
        func.coalesce(func.sum(phases.c.conflict), 0),
    )).one()
    pairs = db.session.execute(
        select(phases.c.instrument_id, phases.c.pre, phases.c.post, phases.c.delayed)
        .where(ok, phases.c.post.is_not(None), (phases.c.pre.is_not(None)) | (phases.c.delayed.is_not(None)))
    ).all()
    paired = [(i, float(pre), float(post)) for i, pre, post, _ in pairs if pre is not None]
    retention = [(float(post), float(delayed)) for _, _, post, delayed in pairs if delayed is not None]
    counts = PairingCounts(*(int(v) for v in counts_row), delayed_pairs=len(retention))
    return LearningData(counts, paired, retention)


def _paired_item_rows(filters: ReportFilters, zone: str):
    """One row per paired participant and question: the marks before and after, and the question's outcome."""
    ranked = counted_attempts(filters)
    phases = participant_phases(filters, zone, ranked)
    paired_ids = select(phases.c.participant_id).where(phases.c.conflict == 0, phases.c.pre.is_not(None),
                                                       phases.c.post.is_not(None))
    paired = (select(ranked.c.participant_id, ranked.c.instrument_id, ranked.c.attempt_id, ranked.c.phase)
              .where(ranked.c.rank == 1, ranked.c.phase.in_(("pre", "post")),
                     ranked.c.participant_id.in_(paired_ids))
              .subquery("paired"))
    is_pre = paired.c.phase == "pre"
    return (
        select(paired.c.participant_id, paired.c.instrument_id, QuestionVersion.question_id,
               func.max(QuestionVersion.outcome).label("outcome"),
               func.sum(case((is_pre, Response.score))).label("pre_score"),
               func.sum(case((is_pre, Response.points))).label("pre_points"),
               func.sum(case((~is_pre, Response.score))).label("post_score"),
               func.sum(case((~is_pre, Response.points))).label("post_points"),
               func.max(case((is_pre, Response.fraction))).label("pre_fraction"),
               func.max(case((~is_pre, Response.fraction))).label("post_fraction"))
        .select_from(paired)
        .join(Response, Response.attempt_id == paired.c.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .where(QuestionVersion.type != "description", Response.points > 0)
        .group_by(paired.c.participant_id, paired.c.instrument_id, QuestionVersion.question_id)
        .cte("item_marks"))


@dataclass
class ItemChange:
    question_id: int
    instrument_id: int
    outcome: str
    before_n: int
    before_facility: float | None
    after_n: int
    after_facility: float | None
    both_n: int
    #: wrong before and right after, and the reverse (McNemar's b and c)
    improved: int
    worsened: int


def item_changes_and_outcome_sums(filters: ReportFilters, zone: str, groupings: dict[str, dict]):
    """Per question: facility before and after with McNemar counts; per outcome group: paired sums.

    `groupings` maps a dimension name ("outcome", "acrl", "sconul") to {(instrument id, outcome code):
    [group labels]}. Both come from one pass over the paired participants' responses.
    """
    items = _paired_item_rows(filters, zone).prefix_with("MATERIALIZED")
    right_before = items.c.pre_fraction >= 0.999
    right_after = items.c.post_fraction >= 0.999
    no_text, no_number = literal(None, String), literal(None, Integer)

    def numbers(*values):
        return [cast(value, Float).label(f"v{k}") for k, value in enumerate(values, 1)]

    item_part = (
        select(literal("item", String).label("kind"), no_text.label("dimension"),
               func.max(items.c.outcome).label("label"), items.c.question_id, items.c.instrument_id,
               *numbers(func.count(items.c.pre_fraction), func.avg(items.c.pre_fraction),
                        func.count(items.c.post_fraction), func.avg(items.c.post_fraction),
                        func.count(case((and_(items.c.pre_fraction.is_not(None),
                                              items.c.post_fraction.is_not(None)), 1))),
                        func.count(case((and_(~right_before, right_after), 1))),
                        func.count(case((and_(right_before, ~right_after), 1))),
                        literal(None, Float), literal(None, Float)))
        .group_by(items.c.question_id, items.c.instrument_id))

    mapping_rows = [(dimension, instrument_id, code or "", label)
                    for dimension, mapping in groupings.items()
                    for (instrument_id, code), labels in mapping.items() for label in labels]
    parts = [item_part]
    if mapping_rows:
        mapping = _literal_rows(("dimension", "instrument_id", "code", "label"), (String, Integer, String, String),
                                mapping_rows, "outcome_groups")
        code = func.coalesce(items.c.outcome, "")
        # Each learner's marks per outcome first (a few rows per learner), then the groups they belong to.
        learner_outcomes = (
            select(items.c.participant_id, items.c.instrument_id, code.label("code"),
                   func.sum(items.c.pre_score).label("pre_score"), func.sum(items.c.pre_points).label("pre_points"),
                   func.sum(items.c.post_score).label("post_score"),
                   func.sum(items.c.post_points).label("post_points"))
            .group_by(items.c.participant_id, items.c.instrument_id, code)
            .subquery("learner_outcomes"))
        per_learner = (
            select(mapping.c.dimension, mapping.c.label, learner_outcomes.c.participant_id,
                   (100.0 * func.sum(learner_outcomes.c.pre_score)
                    / func.sum(learner_outcomes.c.pre_points)).label("pre"),
                   (100.0 * func.sum(learner_outcomes.c.post_score)
                    / func.sum(learner_outcomes.c.post_points)).label("post"))
            .join(mapping, and_(mapping.c.instrument_id == learner_outcomes.c.instrument_id,
                                mapping.c.code == learner_outcomes.c.code))
            .group_by(mapping.c.dimension, mapping.c.label, learner_outcomes.c.participant_id)
            .having(func.sum(learner_outcomes.c.pre_points) > 0, func.sum(learner_outcomes.c.post_points) > 0)
            .subquery("per_learner"))
        pre, post = per_learner.c.pre, per_learner.c.post
        has_room = pre < 100.0
        gain = case((has_room, (post - pre) / (100.0 - pre)))
        parts.append(
            select(literal("group", String).label("kind"), per_learner.c.dimension, per_learner.c.label,
                   no_number.label("question_id"), no_number.label("instrument_id"),
                   *numbers(func.count(), func.sum(pre), func.sum(post), func.sum(pre * pre), func.sum(post * post),
                            func.sum(pre * post), func.sum(gain), func.count(gain), func.count(case((~has_room, 1)))))
            .group_by(per_learner.c.dimension, per_learner.c.label))
    rows = db.session.execute(union_all(*parts)).all()

    changes, sums = [], {dimension: {} for dimension in groupings}
    for kind, dimension, label, question_id, instrument_id, *v in rows:
        if kind == "item":
            changes.append(ItemChange(question_id, instrument_id, label or "", int(v[0]), _float(v[1]), int(v[2]),
                                      _float(v[3]), int(v[4]), int(v[5]), int(v[6])))
        else:
            sums[dimension][label] = PairedSums(int(v[0]), float(v[1]), float(v[2]), float(v[3]), float(v[4]),
                                                float(v[5]), float(v[6] or 0.0), int(v[7]), int(v[8]))
    changes.sort(key=lambda c: (c.instrument_id, c.question_id))
    return changes, sums


def _literal_rows(names, types, rows, name: str):
    """A small constant table (UNION ALL of literal rows): SQLite has no VALUES with column names."""
    selects = [select(*(literal(value, type_).label(column_name)
                        for value, type_, column_name in zip(row, types, names))) for row in rows]
    return union_all(*selects).subquery(name)


def _float(value) -> float | None:
    return None if value is None else float(value)


# Confidence ----------------------------------------------------------------------------------

@dataclass
class ConfidenceChange:
    instrument_id: int
    key: str
    statement: str
    outcome: str
    n: int
    before: float | None
    after: float | None


def confidence_changes(filters: ReportFilters, zone: str) -> list[ConfidenceChange]:
    """Mean self-rating before and after, per statement, over paired participants who rated both times."""
    items = db.session.execute(select(ConfidenceItem).order_by(ConfidenceItem.instrument_id,
                                                               ConfidenceItem.position)).scalars().all()
    if filters.instrument:
        items = [i for i in items if i.instrument_id == filters.instrument]
    if not items:
        return []
    phases = participant_phases(filters, zone)
    paired = (select(phases.c.participant_id, phases.c.instrument_id, phases.c.pre_attempt, phases.c.post_attempt)
              .where(phases.c.conflict == 0, phases.c.pre.is_not(None), phases.c.post.is_not(None))
              .subquery("paired"))
    before = AssessmentAttempt.__table__.alias("before")
    after = AssessmentAttempt.__table__.alias("after")
    columns = []
    for item in items:
        rating_before = before.c.confidence[item.key].as_integer()
        rating_after = after.c.confidence[item.key].as_integer()
        both = and_(paired.c.instrument_id == item.instrument_id, rating_before.is_not(None),
                    rating_after.is_not(None))
        columns += [func.count(case((both, 1))), func.avg(case((both, rating_before))),
                    func.avg(case((both, rating_after)))]
    row = db.session.execute(
        select(*columns).select_from(paired)
        .join(before, before.c.attempt_id == paired.c.pre_attempt)
        .join(after, after.c.attempt_id == paired.c.post_attempt)).one()
    return [ConfidenceChange(item.instrument_id, item.key, item.statement, item.outcome, int(row[3 * k] or 0),
                             _float(row[3 * k + 1]), _float(row[3 * k + 2]))
            for k, item in enumerate(items)]


# Item analysis of the post-test ---------------------------------------------------------------

@dataclass
class QuizItemSums:
    quiz_id: int
    question_ids: list[int]
    items: list[ItemSums]
    total: TotalSums


def post_test_item_sums(filters: ReportFilters, zone: str) -> list[QuizItemSums]:
    """Moodle-style item statistics inputs for each post-test quiz (each parallel form is its own test)."""
    ranked = counted_attempts(filters)
    phases = participant_phases(filters, zone, ranked)
    in_range = select(phases.c.participant_id)
    post = (select(ranked.c.attempt_id, ranked.c.quiz_id, ranked.c.score)
            .where(ranked.c.rank == 1, ranked.c.phase == "post", ranked.c.participant_id.in_(in_range))
            .subquery("post"))
    mark = func.coalesce(Response.score, 0.0)
    rows = db.session.execute(
        select(post.c.quiz_id, QuestionVersion.question_id, mark, post.c.score, func.max(Response.points),
               func.count())
        .select_from(post)
        .join(Response, Response.attempt_id == post.c.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .where(QuestionVersion.type != "description", Response.points > 0)
        .group_by(post.c.quiz_id, QuestionVersion.question_id, mark, post.c.score)).all()
    totals = db.session.execute(
        select(post.c.quiz_id, post.c.score, func.count()).group_by(post.c.quiz_id, post.c.score)).all()

    cells: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for quiz_id, question_id, x, t, max_mark, count in rows:
        cells[quiz_id][question_id].append((float(x), float(t or 0.0), float(max_mark or 0.0), int(count)))
    total_counts: dict[int, dict[float, int]] = defaultdict(dict)
    for quiz_id, t, count in totals:
        key = round(float(t or 0.0), 9)
        total_counts[quiz_id][key] = total_counts[quiz_id].get(key, 0) + int(count)

    results = []
    for quiz_id, questions in sorted(cells.items()):
        question_ids = sorted(questions)
        items = [_item_sums(questions[q]) for q in question_ids]
        results.append(QuizItemSums(quiz_id, question_ids, items, _total_sums(total_counts[quiz_id])))
    return results


def _item_sums(cells: list[tuple[float, float, float, int]]) -> ItemSums:
    x_counts: dict[float, int] = {}
    o_counts: dict[float, int] = {}
    n = sum_x = sum_x2 = sum_xt = 0.0
    max_mark = 0.0
    for x, t, mark_max, count in cells:
        n += count
        sum_x += x * count
        sum_x2 += x * x * count
        sum_xt += x * t * count
        max_mark = max(max_mark, mark_max)
        x_key, o_key = round(x, 9), round(t - x, 9)
        x_counts[x_key] = x_counts.get(x_key, 0) + count
        o_counts[o_key] = o_counts.get(o_key, 0) + count
    return ItemSums(n=int(n), sum_x=sum_x, sum_x2=sum_x2, sum_xt=sum_xt, x_counts=x_counts, o_counts=o_counts,
                    max_mark=max_mark)


def _total_sums(counts: dict[float, int]) -> TotalSums:
    return TotalSums(n=sum(counts.values()),
                     sum_t=sum(t * c for t, c in counts.items()),
                     sum_t2=sum(t ** 2 * c for t, c in counts.items()),
                     sum_t3=sum(t ** 3 * c for t, c in counts.items()),
                     sum_t4=sum(t ** 4 * c for t, c in counts.items()),
                     t_counts=counts)


# Names for what the figures are about ----------------------------------------------------------

def question_titles(question_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Question id -> (key, short title of the current version)."""
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(Question.id, Question.key, QuestionVersion.title, QuestionVersion.stem)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.id.in_(question_ids))).all()
    return {qid: (key, title or _shorten(stem)) for qid, key, title, stem in rows}


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@dataclass
class InstrumentInfo:
    id: int
    title: str
    course_id: int | None
    quiz_forms: dict[int, str] = field(default_factory=dict)  # quiz id -> "A", "B" or ""


def instruments() -> dict[int, InstrumentInfo]:
    found = {}
    for instrument in db.session.scalars(select(Instrument).order_by(Instrument.title)):
        forms = {}
        if instrument.quiz_a_id:
            forms[instrument.quiz_a_id] = "A" if instrument.quiz_b_id else ""
        if instrument.quiz_b_id:
            forms[instrument.quiz_b_id] = "B"
        found[instrument.id] = InstrumentInfo(instrument.id, instrument.title, instrument.course_id, forms)
    return found


@dataclass
class OutcomeInfo:
    code: str
    text: str
    acrl: list[str]
    sconul: list[str]


def outcomes_by_instrument(instrument_infos: dict[int, InstrumentInfo]) -> dict[tuple[int, str], OutcomeInfo]:
    """(instrument id, outcome code) -> the outcome's wording and framework references (from its course)."""
    by_course = defaultdict(list)
    for outcome in db.session.scalars(select(LearningOutcome).order_by(LearningOutcome.course_id,
                                                                       LearningOutcome.position)):
        by_course[outcome.course_id].append(outcome)
    found = {}
    for info in instrument_infos.values():
        for outcome in by_course.get(info.course_id, []):
            found[(info.id, outcome.code)] = OutcomeInfo(outcome.code, outcome.text, list(outcome.acrl or []),
                                                         list(outcome.sconul or []))
    return found


def instrument_outcome_codes() -> dict[int, set[str]]:
    """Instrument id -> the outcome codes on its items' current versions."""
    from ..assessments.models import InstrumentItem

    rows = db.session.execute(
        select(InstrumentItem.instrument_id, QuestionVersion.outcome)
        .join(Question, Question.id == InstrumentItem.question_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)).all()
    codes: dict[int, set[str]] = defaultdict(set)
    for instrument_id, outcome in rows:
        codes[instrument_id].add(outcome or "")
    return codes


def course_titles() -> dict[int, str]:
    return dict(db.session.execute(select(Course.id, Course.title)).all())


def report_zone() -> str:
    return current_app.config["LIT_TIMEZONE"]



# Reach and delivery ----------------------------------------------------------------------------

@dataclass
class SessionFigures:
    id: int
    title: str
    starts_at: object
    mode: str
    capacity: int
    facilitator_ids: list[int]
    booked: int = 0
    attended: int = 0
    late: int = 0
    absent: int = 0
    waitlisted: int = 0
    cancelled: int = 0


def _session_scope(filters: ReportFilters, zone: str, now):
    from ..bookings.models import Session
    from .filters import session_conditions

    conditions = [Session.status != "cancelled", Session.starts_at < now]
    if filters.mode == "self_paced":
        conditions.append(Session.id.is_(None))
    extra = session_conditions(filters, Session.id)
    if extra is not None:
        conditions.append(extra)
    start, end = filters.utc_bounds(zone)
    if start is not None:
        conditions.append(Session.starts_at >= start)
    if end is not None:
        conditions.append(Session.starts_at < end)
    return conditions


def delivered_sessions(filters: ReportFilters, zone: str, now) -> list[SessionFigures]:
    """Sessions that have started (not cancelled), with their bookings counted by outcome."""
    from ..bookings.models import Booking, Session, SessionFacilitator

    sessions = {row.id: SessionFigures(row.id, row.title, row.starts_at, row.mode, row.capacity, [])
                for row in db.session.execute(
                    select(Session.id, Session.title, Session.starts_at, Session.mode, Session.capacity)
                    .where(*_session_scope(filters, zone, now)).order_by(Session.starts_at))}
    if not sessions:
        return []
    in_scope = select(Session.id).where(*_session_scope(filters, zone, now))
    for session_id, user_id in db.session.execute(
            select(SessionFacilitator.session_id, SessionFacilitator.user_id)
            .where(SessionFacilitator.session_id.in_(in_scope))):
        sessions[session_id].facilitator_ids.append(user_id)
    booking_query = (select(Booking.session_id, Booking.status, Booking.attendance, func.count())
                     .where(Booking.session_id.in_(in_scope))
                     .group_by(Booking.session_id, Booking.status, Booking.attendance))
    unit = unit_condition(filters, Booking.user_id)
    if unit is not None:
        booking_query = booking_query.where(unit)
    for session_id, status, attendance, count in db.session.execute(booking_query):
        figures = sessions[session_id]
        if status == "confirmed":
            figures.booked += count
            if attendance == "attended":
                figures.attended += count
            elif attendance == "late":
                figures.late += count
            elif attendance == "absent":
                figures.absent += count
        elif status == "waitlisted":
            figures.waitlisted += count
        elif status == "cancelled":
            figures.cancelled += count
    return list(sessions.values())


def attendance_by_unit(filters: ReportFilters, zone: str, now) -> list[tuple[str, int, int, int]]:
    """(unit name, confirmed bookings, attended or late, absent) per learner's organisation unit."""
    from ..accounts.models import OrgUnit, User
    from ..bookings.models import Booking, Session

    came = Booking.attendance.in_(("attended", "late"))
    query = (select(func.coalesce(OrgUnit.name, "No unit"), func.count(),
                    func.count(case((came, 1))), func.count(case((Booking.attendance == "absent", 1))))
             .join(Session, Session.id == Booking.session_id)
             .join(User, User.id == Booking.user_id)
             .outerjoin(OrgUnit, OrgUnit.id == User.org_unit_id)
             .where(Booking.status == "confirmed", *_session_scope(filters, zone, now))
             .group_by(OrgUnit.name).order_by(OrgUnit.name))
    unit = unit_condition(filters, Booking.user_id)
    if unit is not None:
        query = query.where(unit)
    return [(name, int(n), int(a), int(b)) for name, n, a, b in db.session.execute(query)]


@dataclass
class CourseFigures:
    course_id: int
    title: str
    enrolled: int
    completed: int
    median_days: float | None


def course_completion(filters: ReportFilters, zone: str) -> list[CourseFigures]:
    """Enrolments, completions and the median time to complete, per course (by enrolment date)."""
    from ..courses.models import Enrolment

    if filters.session or filters.facilitator or filters.own_sessions_of or (
            filters.mode and filters.mode != "self_paced"):
        return []
    conditions = []
    if filters.course:
        conditions.append(Enrolment.course_id == filters.course)
    start, end = filters.utc_bounds(zone)
    if start is not None:
        conditions.append(Enrolment.enrolled_at >= start)
    if end is not None:
        conditions.append(Enrolment.enrolled_at < end)
    unit = unit_condition(filters, Enrolment.user_id)
    if unit is not None:
        conditions.append(unit)
    rows = db.session.execute(
        select(Course.id, Course.title, func.count(Enrolment.id), func.count(Enrolment.completed_at))
        .join(Enrolment, Enrolment.course_id == Course.id).where(*conditions)
        .group_by(Course.id, Course.title).order_by(Course.title)).all()
    duration = _days_between(Enrolment.enrolled_at, Enrolment.completed_at)
    figures = []
    for course_id, title, enrolled, completed in rows:
        median = None
        if completed:
            ordered = (select(duration).where(Enrolment.course_id == course_id, Enrolment.completed_at.is_not(None),
                                              *conditions).order_by(duration))
            middle = db.session.execute(ordered.limit(2 - completed % 2).offset((completed - 1) // 2)).scalars().all()
            median = sum(float(v) for v in middle) / len(middle) if middle else None
        figures.append(CourseFigures(course_id, title, int(enrolled), int(completed), median))
    return figures


def _days_between(start_column, end_column):
    if db.engine.dialect.name == "sqlite":
        return func.julianday(end_column) - func.julianday(start_column)
    return func.extract("epoch", end_column - start_column) / 86400.0


# Reaction --------------------------------------------------------------------------------------

@dataclass
class ReactionFigures:
    n: int
    usefulness: dict[int, int]
    confidence: dict[int, int]
    recommend_yes: int
    comments: list[tuple[int, str, str, object, bool]]  # id, comment, session title, session start, hidden


def reaction(filters: ReportFilters, zone: str, now, include_hidden: bool = False,
             comment_limit: int = 100) -> ReactionFigures:
    from ..bookings.models import Session, SurveyResponse

    conditions = [SurveyResponse.session_id.in_(select(Session.id).where(*_session_scope(filters, zone, now)))]
    unit = unit_condition(filters, SurveyResponse.user_id)
    if unit is not None:
        conditions.append(unit)
    n, recommend = db.session.execute(
        select(func.count(), func.count(case((SurveyResponse.would_recommend.is_(True), 1))))
        .where(*conditions)).one()
    distributions = {}
    for name in ("usefulness", "confidence"):
        column_ = getattr(SurveyResponse, name)
        distributions[name] = {int(value): int(count) for value, count in db.session.execute(
            select(column_, func.count()).where(*conditions).group_by(column_))}
    comment_conditions = conditions + [SurveyResponse.comment != ""]
    if not include_hidden:
        comment_conditions.append(SurveyResponse.comment_hidden.is_(False))
    comments = db.session.execute(
        select(SurveyResponse.id, SurveyResponse.comment, Session.title, Session.starts_at,
               SurveyResponse.comment_hidden)
        .join(Session, Session.id == SurveyResponse.session_id)
        .where(*comment_conditions).order_by(Session.starts_at.desc(), SurveyResponse.id.desc())
        .limit(comment_limit)).all()
    return ReactionFigures(int(n), distributions["usefulness"], distributions["confidence"], int(recommend),
                           [tuple(row) for row in comments])
