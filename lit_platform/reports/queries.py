"""The reports' reads: aggregates computed in the database, returned as small plain results.

Learning figures start from one row per participant (assessments.models.AssessmentResult), which the
assessment services keep up to date as tests are handed in: the counted scores, and each counted
test's item marks as a small array. Only the performance tasks' section reads answers: their rubric
results, per criterion, are kept with each answer.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import case, func, select, text

from ..assessments.models import AssessmentResult, ConfidenceItem, Instrument
from ..courses.models import Course, LearningOutcome
from ..extensions import db
from ..quizzes.models import Question, QuestionVersion
from .filters import ReportFilters, context_condition, unit_condition


# Learning: one results row per participant ---------------------------------------------------

SCALARS = {"instrument_id": "instrument_id", "conflict": "conflict", "pre": "pre_percent", "post": "post_percent",
           "delayed": "delayed_percent", "post_form": "post_form"}
ARRAYS = ("pre_marks", "pre_max", "post_marks", "post_max")
RATINGS = ("pre_confidence", "post_confidence")


@dataclass
class Layout:
    """The rows of one instrument that share one item order, with their marks as float32 matrices."""
    instrument_id: int
    ids: np.ndarray  # question ids (or confidence item ids), the matrices' columns
    rows: list[int] = field(default_factory=list)
    parts: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    matrices: dict[str, np.ndarray] = field(default_factory=dict)

    def add_chunk(self, pending: dict[str, list[bytes]], dtype) -> None:
        k = len(self.ids)
        for name, values in pending.items():
            self.parts[name].append(np.frombuffer(b"".join(values), dtype=dtype).reshape(-1, k))

    def finish(self) -> None:
        self.rows = np.asarray(self.rows, dtype=np.int64)
        for name in list(self.parts):
            self.matrices[name] = np.concatenate(self.parts.pop(name))  # one matrix's parts at a time


@dataclass
class ResultRows:
    """The participants in scope: their scores as columns, and their item marks grouped by layout."""
    instrument_id: list[int] = field(default_factory=list)
    unit_id: list[int | None] = field(default_factory=list)
    conflict: list[bool] = field(default_factory=list)
    pre: list[float | None] = field(default_factory=list)
    post: list[float | None] = field(default_factory=list)
    delayed: list[float | None] = field(default_factory=list)
    post_form: list[str | None] = field(default_factory=list)
    items: dict[tuple[int, bytes], Layout] = field(default_factory=dict)
    confidence: dict[tuple[int, bytes], Layout] = field(default_factory=dict)


def _result_conditions(filters: ReportFilters, zone: str) -> list:
    """Which results rows a learning report covers: the same rule for every learning query."""
    r = AssessmentResult.__table__.c
    conditions = [context_condition(filters, r.course_id, r.session_id)]
    if filters.instrument:
        conditions.append(r.instrument_id == filters.instrument)
    unit = unit_condition(filters, r.user_id)
    if unit is not None:
        conditions.append(unit)
    start, end = filters.utc_bounds(zone)
    if start is not None:
        conditions.append(r.last_at >= start)
    if end is not None:
        conditions.append(r.last_at < end)
    return conditions


@dataclass
class CriterionTally:
    """One rubric criterion over the paired learners: sums of the shares achieved, and who changed how."""
    n: int = 0
    before: float = 0.0
    after: float = 0.0
    better: int = 0
    worse: int = 0


@dataclass
class PerformanceTask:
    """One performance task's rubric results, tallied over the participants who did it before and after.

    With parallel forms a learner does one form's task before and the other form's after: the two are
    tallied together (`parallel_question_id`), their rubric criteria being the same.
    """
    question_id: int
    type: str
    version_id: int
    parallel_question_id: int | None = None
    learners: int = 0
    criteria: dict[str, CriterionTally] = field(default_factory=lambda: defaultdict(CriterionTally))
    #: checklists only: how often each (learner's answer, expert's answer) pair occurred, before and after
    answers_before: Counter = field(default_factory=Counter)
    answers_after: Counter = field(default_factory=Counter)


def performance_tasks(filters: ReportFilters, zone: str, types: tuple[str, ...]) -> list[PerformanceTask]:
    """Each performance task's rubric criteria, before and after, over the paired participants in scope.

    Streams the responses and keeps only running totals, so memory does not grow with the learners.
    """
    from sqlalchemy import and_, or_, type_coerce
    from sqlalchemy.orm import aliased
    from sqlalchemy.types import JSON

    from ..quizzes.models import Response

    r = AssessmentResult.__table__.c
    # The few versions of performance tasks first: the responses are then found through their index,
    # whatever the planner's estimates of the joins.
    version_ids = list(db.session.scalars(select(QuestionVersion.id).where(QuestionVersion.type.in_(types))))
    if not version_ids:
        return []
    pre, post = aliased(Response), aliased(Response)
    pre_version, post_version = aliased(QuestionVersion), aliased(QuestionVersion)
    checklist = post_version.type == "appraisal_checklist"
    # The same task before and after, or with parallel forms (a different form after) the other form's task
    # of the same type on the same outcome.
    same_task = post_version.question_id == pre_version.question_id
    parallel_task = and_(r.pre_form.is_not(None), r.post_form.is_not(None), r.pre_form != r.post_form,
                         post_version.type == pre_version.type, post_version.outcome == pre_version.outcome)
    query = (select(pre_version.question_id, post_version.question_id, post_version.type, pre_version.id,
                    post_version.id, pre.criteria, post.criteria,
                    type_coerce(case((checklist, pre.answer)), JSON), type_coerce(case((checklist, post.answer)), JSON))
             .select_from(AssessmentResult.__table__)
             .join(pre, and_(pre.attempt_id == r.pre_attempt_id, pre.question_version_id.in_(version_ids)))
             .join(pre_version, pre_version.id == pre.question_version_id)
             .join(post, and_(post.attempt_id == r.post_attempt_id, post.question_version_id.in_(version_ids)))
             .join(post_version, and_(post_version.id == post.question_version_id, or_(same_task, parallel_task)))
             .where(r.conflict.is_(False), *_result_conditions(filters, zone)))
    tasks: dict[tuple[int, int], PerformanceTask] = {}
    experts: dict[int, dict[str, str]] = {}

    def expert_answers(version_id: int) -> dict[str, str]:
        if version_id not in experts:
            spec = db.session.get(QuestionVersion, version_id).spec
            experts[version_id] = {item["key"]: item["expert"] for item in spec.get("items") or []}
        return experts[version_id]

    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # A server-side cursor is planned for its first rows by default (nested loops over the
        # responses); every row is read here, so plan for all of them.
        connection.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
    result = connection.execute(query.execution_options(stream_results=True))
    while chunk := result.fetchmany(10_000):
        for (pre_question, post_question, kind, pre_version_id, version_id, before, after, answer_before,
             answer_after) in chunk:
            pair = (min(pre_question, post_question), max(pre_question, post_question))
            task = tasks.get(pair)
            if task is None:
                task = tasks[pair] = PerformanceTask(pair[0], kind, version_id,
                                                     pair[1] if pair[1] != pair[0] else None)
            if post_question == pair[0]:
                task.version_id = max(task.version_id, version_id)
            task.learners += 1
            before, after = before or {}, after or {}
            for criterion, value in after.items():
                if criterion in before:
                    tally = task.criteria[criterion]
                    tally.n += 1
                    tally.before += before[criterion]
                    tally.after += value
                    tally.better += value > before[criterion] + 1e-9
                    tally.worse += value < before[criterion] - 1e-9
            if kind == "appraisal_checklist":
                for counts, answer, answered in ((task.answers_before, answer_before, pre_version_id),
                                                 (task.answers_after, answer_after, version_id)):
                    for item_key, right in expert_answers(answered).items():
                        given = ((answer or {}).get(item_key) or {}).get("answer")
                        if given:
                            counts[(given, right)] += 1
    return [tasks[pair] for pair in sorted(tasks)]


def learning_rows(filters: ReportFilters, zone: str) -> ResultRows:
    """Every participant in scope: in the filters' courses or sessions and units, whose later test is in range.

    Read in chunks, each chunk's marks unpacked straight into matrices, so that a service with a hundred
    thousand learners needs a few tens of megabytes.
    """
    from ..accounts.models import User

    r = AssessmentResult.__table__.c
    users = User.__table__.c
    query = (select(users.org_unit_id, *(r[column_] for column_ in SCALARS.values()), r.item_ids,
                    *(r[name] for name in ARRAYS), r.confidence_ids, *(r[name] for name in RATINGS))
             .select_from(AssessmentResult.__table__.outerjoin(User.__table__, users.id == r.user_id))
             .where(*_result_conditions(filters, zone)))

    rows = ResultRows()
    scalar_columns = [rows.unit_id] + [getattr(rows, name) for name in SCALARS]
    width = len(scalar_columns)
    result = db.session.connection().execute(query.execution_options(stream_results=True))
    while chunk := result.fetchmany(10_000):
        pending_items: dict[tuple, dict[str, list[bytes]]] = defaultdict(lambda: defaultdict(list))
        pending_ratings: dict[tuple, dict[str, list[bytes]]] = defaultdict(lambda: defaultdict(list))
        for row in chunk:
            index = len(rows.instrument_id)
            for column_, value in zip(scalar_columns, row[:width]):
                column_.append(value)
            instrument_id = row[1]
            item_ids, *marks = (bytes(v or b"") for v in row[width:width + 1 + len(ARRAYS)])
            confidence_ids, *ratings = (bytes(v or b"") for v in row[width + 1 + len(ARRAYS):])
            for layouts, pending, ids, values, names, dtype in (
                    (rows.items, pending_items, item_ids, marks, ARRAYS, np.int32),
                    (rows.confidence, pending_ratings, confidence_ids, ratings, RATINGS, np.int32)):
                if not ids:
                    continue
                layout = layouts.get((instrument_id, ids))
                if layout is None:
                    layout = layouts[(instrument_id, ids)] = Layout(instrument_id, np.frombuffer(ids, dtype=dtype))
                layout.rows.append(index)
                k = len(layout.ids)
                for name, value in zip(names, values):
                    pending[(instrument_id, ids)][name].append(value or _empty(name, k))
        for key, pending in pending_items.items():
            rows.items[key].add_chunk(pending, np.float32)
        for key, pending in pending_ratings.items():
            rows.confidence[key].add_chunk(pending, np.int8)
    for layout in (*rows.items.values(), *rows.confidence.values()):
        layout.finish()
    return rows


def _empty(name: str, k: int) -> bytes:
    """The stored value for a test not taken: no marks (NaN), nothing available, no ratings."""
    if name in RATINGS:
        return bytes(k)
    return np.full(k, np.nan if name.endswith("marks") else 0.0, dtype=np.float32).tobytes()


def question_info(question_ids) -> dict[int, tuple[str, str, str]]:
    """Question id -> (key, short title, outcome code) from the current version."""
    ids = sorted({int(q) for q in question_ids})
    if not ids:
        return {}
    rows = db.session.execute(
        select(Question.id, Question.key, QuestionVersion.title, QuestionVersion.stem, QuestionVersion.outcome)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.id.in_(ids))).all()
    return {qid: (key, title or _shorten(stem), outcome or "") for qid, key, title, stem, outcome in rows}


def confidence_statements(ids) -> dict[int, tuple[str, str]]:
    """Confidence item id -> (statement, outcome)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return {}
    return {cid: (statement, outcome) for cid, statement, outcome in db.session.execute(
        select(ConfidenceItem.id, ConfidenceItem.statement, ConfidenceItem.outcome)
        .where(ConfidenceItem.id.in_(ids)))}


def unit_names() -> dict[int, str]:
    from ..accounts.models import OrgUnit

    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.name)).all())


# Names for what the figures are about ----------------------------------------------------------

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


@dataclass
class VersionUsed:
    """A question version that counted post-tests in scope showed, as the item-writing checks read it."""
    instrument_id: int
    question_id: int
    key: str
    version_id: int
    number: int
    type: str
    stem: str
    spec: dict
    outcome: str | None
    form: str | None


def post_test_versions(filters: ReportFilters, zone: str,
                       questions: dict[int, set[int]]) -> dict[int, list[VersionUsed]]:
    """Instrument id -> the question versions its counted post-tests in scope were answered on.

    `questions`: instrument id -> the questions its post-tests in scope hold (from the results rows).
    A question with one version can only have been answered on that one; for a question edited since,
    each version is kept if an answer in a counted post-test in scope points at it (found through the
    answers' version index, stopping at the first), so later edits do not change what the report says
    about tests already taken, and the answers themselves are not read.
    """
    from sqlalchemy import exists

    from ..assessments.models import InstrumentItem
    from ..quizzes.models import Response

    wanted = sorted({q for ids in questions.values() for q in ids})
    if not wanted:
        return {}
    versions = db.session.execute(
        select(Question.id, Question.key, QuestionVersion.id, QuestionVersion.number, QuestionVersion.type,
               QuestionVersion.stem, QuestionVersion.spec, QuestionVersion.outcome)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(Question.id.in_(wanted)).order_by(Question.id, QuestionVersion.number)).all()
    by_question: dict[int, list] = defaultdict(list)
    for row in versions:
        by_question[row[0]].append(row)
    forms = {(i, q): form for i, q, form in db.session.execute(
        select(InstrumentItem.instrument_id, InstrumentItem.question_id, InstrumentItem.form)
        .where(InstrumentItem.question_id.in_(wanted)))}
    r = AssessmentResult.__table__.c
    found: dict[int, list[VersionUsed]] = {}
    for instrument_id, ids in sorted(questions.items()):
        edited = [row[2] for q in ids for row in by_question.get(q, []) if len(by_question[q]) > 1]
        answered = set()
        if edited:
            post_attempts = select(r.post_attempt_id).where(r.instrument_id == instrument_id, r.conflict.is_(False),
                                                            *_result_conditions(filters, zone))
            answered = set(db.session.scalars(select(QuestionVersion.id).where(
                QuestionVersion.id.in_(edited),
                exists().where(Response.question_version_id == QuestionVersion.id,
                               Response.attempt_id.in_(post_attempts)))))
        found[instrument_id] = [
            VersionUsed(instrument_id, *row, forms.get((instrument_id, row[0])))
            for q in sorted(ids) for row in by_question.get(q, [])
            if len(by_question[q]) == 1 or row[2] in answered]
    return found


def confidence_outcomes() -> dict[int, list[str]]:
    """Instrument id -> the outcome codes of its confidence statements."""
    found: dict[int, list[str]] = defaultdict(list)
    for instrument_id, outcome in db.session.execute(
            select(ConfidenceItem.instrument_id, ConfidenceItem.outcome).order_by(ConfidenceItem.position)):
        found[instrument_id].append(outcome)
    return dict(found)


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
             .outerjoin(User, User.id == Booking.user_id)  # bookings kept after erasure have no user
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


def course_completion(filters: ReportFilters, zone: str, medians: bool = True) -> list[CourseFigures]:
    """Enrolments, completions and (unless `medians` is False) the median time to complete, per course (by
    enrolment date). The medians take one query per course with completions; the rest takes one."""
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
        if completed and medians:
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
    if not comment_limit:
        return ReactionFigures(int(n), distributions["usefulness"], distributions["confidence"], int(recommend), [])
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
