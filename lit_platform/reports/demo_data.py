"""Synthetic teaching data at scale, for `lit demo-data`: evaluation reports to look at and benchmark.

One run adds a whole library teaching service on top of the shipped courses: organisation units,
learners, librarians and a manager, enrolments with progress, pre/post/delayed tests answered
according to an item-response model, live sessions with bookings, waitlists and attendance,
session tests (signed-in and anonymous) and reaction surveys.

Everything is written with Core bulk INSERTs and ids chosen here, batch by batch, so 100,000
learners (some four million item responses) take minutes, not hours, and memory stays flat. The
same number of learners, seed and day give the same rows on an empty database. No e-mail is
queued and no audit events are written: nothing here happened.
"""
from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, inspect, select, text

from ..accounts.models import OrgUnit, User, UserRole
from ..accounts.passwords import hash_password
from ..assessments.codes import make_code
from ..assessments.results import rebuild_all
from ..assessments.models import AssessmentAttempt, AssessmentPoint, ConfidenceItem, Instrument, InstrumentItem, Participant
from ..assessments.services import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, ensure_course_points
from ..bookings.models import Booking, Session, SessionFacilitator, SessionUnit, SurveyResponse
from ..bookings.services import CHECKIN_ALPHABET
from ..courses.models import Course, Enrolment, Module, ModuleProgress
from ..extensions import db
from ..quizzes.models import Attempt, Question, QuestionVersion, QuizSlot, Response
from ..quizzes.types import get_type

SYNTHETIC_DOMAIN = "synthetic.invalid"
MANAGER_EMAIL = f"manager@{SYNTHETIC_DOMAIN}"
#: every synthetic account shares this published password (hashed once per run)
PASSWORD = "synthetic library data"
#: rows per INSERT statement
BATCH = 10_000
#: learners written (and committed) together in the course phase
CHUNK = 500
#: one live session for this many learners (at least MIN_SESSIONS)
LEARNERS_PER_SESSION = 60
MIN_SESSIONS = 6

FIRST_NAMES = [
    "Aisha", "Alfie", "Amara", "Arjun", "Beatrix", "Callum", "Chen", "Dara", "Eilidh", "Emeka", "Esme", "Fatima",
    "Finn", "Grace", "Hamza", "Harriet", "Ines", "Isaac", "Jasmine", "Jonah", "Kai", "Keira", "Leon", "Lucia",
    "Maya", "Mohammed", "Niamh", "Noah", "Olu", "Orla", "Pavel", "Phoebe", "Rafael", "Rhys", "Saoirse", "Sofia",
    "Theo", "Tomasz", "Yara", "Zain",
]
LAST_NAMES = [
    "Ahmed", "Baker", "Brennan", "Campbell", "Chowdhury", "Clarke", "Davies", "Edwards", "Ferreira", "Fraser",
    "Green", "Hall", "Hussain", "Jackson", "Kaur", "Kowalski", "Lam", "MacDonald", "Martin", "Mitchell", "Moore",
    "Nowak", "O'Brien", "Osei", "Owusu", "Parry", "Price", "Rahman", "Roberts", "Robinson", "Scott", "Shah",
    "Stewart", "Taylor", "Thomas", "Wallace", "Ward", "Watson", "Williams", "Wright",
]

#: (name, kind, audience, learners' weight at this level, [(child name, kind, weight)])
UNIT_TREE = [
    ("Faculty of Health Sciences", "faculty", "health", 2, [
        ("Nursing and Midwifery", "department", 14), ("Medicine", "department", 9),
        ("Allied Health Professions", "department", 6), ("Public Health", "department", 4)]),
    ("Faculty of Arts and Social Sciences", "faculty", "arts", 2, [
        ("History and Archaeology", "department", 4), ("Social Work", "department", 6), ("Law", "department", 5),
        ("Education", "department", 7)]),
    ("Northfield NHS Foundation Trust", "trust", "nhs", 1, [
        ("Emergency Department", "team", 5), ("Community Nursing", "team", 7),
        ("Research and Development", "team", 3)]),
    ("City Libraries", "library service", "public", 1, [
        ("Central Library", "branch", 8), ("Eastgate Branch", "branch", 4), ("Riverside Branch", "branch", 3)]),
    ("Library Services", "department", "staff", 0, [("Teaching and Learning Team", "team", 0)]),
]
#: how likely learners of each audience choose each shipped course (others: 1)
COURSE_TASTE = {
    "health": {"searching": 4.5, "critical-appraisal": 3.5, "misinformation": 2},
    "arts": {"searching": 5, "critical-appraisal": 1.5, "misinformation": 3.5},
    "nhs": {"searching": 4, "critical-appraisal": 4.5, "misinformation": 1.5},
    "public": {"searching": 3.5, "critical-appraisal": 0.5, "misinformation": 6},
    None: {},
}
#: workshop titles and the course each belongs with (None: no course)
WORKSHOPS = [
    ("Searching the literature: getting started", "searching"),
    ("Boolean searching masterclass", "searching"),
    ("Systematic searching for evidence reviews", "searching"),
    ("Finding grey literature and trial registers", "searching"),
    ("Critical appraisal of randomised controlled trials", "critical-appraisal"),
    ("Making sense of the numbers: risk, NNT and confidence intervals", "critical-appraisal"),
    ("Journal club: appraising a cohort study", "critical-appraisal"),
    ("Spotting health misinformation", "misinformation"),
    ("Checking images and viral claims", "misinformation"),
    ("Lateral reading for everyday life", "misinformation"),
    ("Reference management with Zotero", None),
    ("Literature search drop-in", None),
    ("Getting the most from the library's e-resources", None),
    ("Keeping up to date: alerts, feeds and table-of-contents services", None),
]
ROOMS = ["Library training room 1", "Library training room 2", "Education centre, room 4", "Central Library, Learning Lab",
         "Postgraduate centre seminar room", "Eastgate Branch community room"]
START_TIMES = [time(9, 30), time(10), time(11), time(12, 30), time(13), time(14), time(15, 30), time(17, 30)]
COMMENTS = {
    "good": ["Really practical, I will use this straight away.", "Clear and well paced; the examples were spot on.",
             "Loved the hands-on exercises.", "The facilitator answered all my questions. Thank you!",
             "Saved me hours on my dissertation search.", "Best library session I have been to.",
             "Good mix of explanation and practice."],
    "fair": ["Useful, but a bit rushed at the end.", "Would have liked more time to practise.",
             "Some of it I knew already, the second half was new.", "Handouts to take away would help.",
             "Fine overall; the room was too warm."],
    "poor": ["Too fast for a beginner.", "Not what I expected from the description.",
             "The online link did not work for the first ten minutes.", "Too basic for my level."],
}


@dataclass
class Summary:
    """What a run wrote, by kind."""

    learners: int = 0
    staff: int = 0
    org_units: int = 0
    enrolments: int = 0
    completed_enrolments: int = 0
    module_progress: int = 0
    participants: int = 0
    sessions: int = 0
    bookings: int = 0
    assessment_attempts: int = 0
    item_responses: int = 0
    survey_responses: int = 0

    def lines(self) -> list[tuple[str, int]]:
        return [("learners", self.learners), ("librarians and manager", self.staff), ("organisation units", self.org_units),
                ("enrolments", self.enrolments), ("  completed", self.completed_enrolments),
                ("module progress rows", self.module_progress), ("test participants", self.participants),
                ("sessions", self.sessions), ("bookings", self.bookings),
                ("assessment attempts", self.assessment_attempts), ("item responses", self.item_responses),
                ("survey responses", self.survey_responses)]


class _NoProgress:
    def update(self, n: int) -> None:
        pass


@contextmanager
def _no_progress(label: str, length: int):
    yield _NoProgress()


def synthetic_data_present(domain: str = SYNTHETIC_DOMAIN) -> bool:
    """Whether an earlier run's accounts (at `domain`) are in the database (False before the schema exists)."""
    if not inspect(db.session.connection()).has_table(User.__tablename__):
        return False
    return db.session.scalar(select(User.id).where(User.email.like(f"%@{domain}")).limit(1)) is not None


def generate(learners: int, seed: int, today: date, progress=_no_progress, *, domain: str = SYNTHETIC_DOMAIN,
             sessions: int | None = None, session_days: tuple[int, int] = (365, 60),
             facilitator_ids: tuple[int, ...] = ()) -> Summary:
    """Add the synthetic service for `learners` learners, as of the start of `today` (UTC); commits per batch.

    `progress(label, length)` is a context manager whose value has `update(n)` (click.progressbar fits).
    Accounts are made at `domain`. `sessions` (default: one per LEARNERS_PER_SESSION learners) start
    between `session_days` days before today and after it; `facilitator_ids` are existing librarians
    who run some of them alongside the synthetic ones.
    Course instruments and points must exist (the shipped courses imported).
    """
    if learners < 1:
        raise ValueError("learners must be at least 1")
    generator = _Generator(learners, seed, today, progress, domain=domain, sessions=sessions,
                           session_days=session_days, facilitator_ids=facilitator_ids)
    generator.run()
    return generator.summary


# Writing -------------------------------------------------------------------------------------

#: parents before children, so every batch satisfies the foreign keys
TABLES = [OrgUnit, User, UserRole, Enrolment, ModuleProgress, Session, SessionFacilitator, SessionUnit, AssessmentPoint,
          Participant, Attempt, AssessmentAttempt, Response, Booking, SurveyResponse]


class _Writer:
    """Collects rows per table and writes them with executemany INSERTs, then commits."""

    def __init__(self):
        self.tables = [model.__table__ for model in TABLES]
        self.pending: dict[tuple, list[dict]] = defaultdict(list)
        self.written: Counter = Counter()
        self.next_ids: dict[str, int] = {}
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        for table in self.tables:
            if "id" in table.c:
                self.next_ids[table.name] = self._highest_id(table) + 1

    def _highest_id(self, table) -> int:
        highest = db.session.scalar(select(func.max(table.c.id))) or 0
        sequence = self._sequence(table)
        if sequence:
            # A PostgreSQL sequence can be ahead of the rows (rolled-back inserts); never hand out its past values.
            last, called = db.session.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
            highest = max(highest, last if called else last - 1)
        return highest

    def _sequence(self, table) -> str | None:
        if not self.postgres:
            return None
        return db.session.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name})

    def new_id(self, table) -> int:
        value = self.next_ids[table.name]
        self.next_ids[table.name] = value + 1
        return value

    def add(self, table, row: dict) -> None:
        # Rows are grouped by their keys: one executemany needs the same columns in every row.
        self.pending[(table.name, *row)].append(row)

    def flush(self) -> None:
        groups = sorted(self.pending.items(), key=lambda item: self._order(item[0][0]))
        self.pending = defaultdict(list)
        for (name, *_), rows in groups:
            table = self.tables[self._order(name)]
            for start in range(0, len(rows), BATCH):
                db.session.execute(table.insert(), rows[start:start + BATCH])
            self.written[name] += len(rows)
        db.session.commit()

    def _order(self, name: str) -> int:
        return next(n for n, table in enumerate(self.tables) if table.name == name)

    def advance_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids given here, so the app's own inserts do not collide."""
        for table in self.tables:
            sequence = self._sequence(table) if "id" in table.c else None
            if sequence and self.written[table.name]:
                db.session.execute(text("SELECT setval(CAST(:sequence AS regclass), :value)"),
                                   {"sequence": sequence, "value": self.next_ids[table.name] - 1})
        db.session.commit()


# Instruments and the item-response model ------------------------------------------------------

@dataclass
class _Item:
    """One question of an instrument quiz, with its model parameters and answers at each level of credit."""

    question_id: int
    version_id: int
    points: float
    takes_response: bool
    auto_scored: bool
    #: discrimination, difficulty, and the chance of guessing right
    a: float = 1.0
    b: float = 0.0
    guess: float = 0.0
    right: object = None
    partial: list = field(default_factory=list)  # [(answer, fraction)] with 0 < fraction < 1
    wrong: list = field(default_factory=list)  # [(answer, fraction)] with the lowest fractions
    #: performance tasks: the rubric criteria each candidate answer earns, by the answer's JSON
    criteria: dict = field(default_factory=dict)

    def criteria_of(self, answer) -> dict | None:
        return self.criteria.get(json.dumps(answer, sort_keys=True)) if self.criteria else None


@dataclass
class _Form:
    quiz_id: int
    items: list[_Item]
    max_score: float


@dataclass
class _Instrument:
    id: int
    forms: dict  # form (None, "A" or "B") -> _Form
    confidence_keys: list[str]

    @property
    def has_forms(self) -> bool:
        return "B" in self.forms


def _performance_candidates(version) -> tuple[object, list, list, dict]:
    """A performance task's expert answer and a typical novice's, with the rubric criteria each earns."""
    question_type = get_type(version.type)
    answers = [question_type.read_response(version.spec, question_type.demo_values(version.spec, good))
               for good in (True, False)]
    scored = [question_type.score(version.spec, answer) for answer in answers]
    criteria = {json.dumps(answer, sort_keys=True): result.criteria for answer, result in zip(answers, scored)}
    return answers[0], [], [(answers[1], scored[1].fraction)], criteria


def _candidates(version) -> tuple[object, list, list]:
    """The right answer, partly right answers and wrong answers to `version`, each scored by its type."""
    spec, kind = version.spec, version.type
    right, others = None, []
    if kind == "single_choice":
        best = max(spec["choices"], key=lambda c: c.get("weight", 0))
        right, others = best["id"], [c["id"] for c in spec["choices"] if c is not best]
    elif kind == "true_false":
        right, others = spec["answer"], [not spec["answer"]]
    elif kind == "multiple_response":
        good = [c["id"] for c in spec["choices"] if c.get("weight", 0) > 0]
        bad = [c["id"] for c in spec["choices"] if c.get("weight", 0) <= 0]
        order = [c["id"] for c in spec["choices"]]
        right = good
        others = [[g for g in good if g != left_out] for left_out in good if len(good) > 1]
        others += [sorted(good[:1] + bad[:1], key=order.index), bad[:1], bad[:2]]
        others = [answer for answer in others if answer]
    elif kind == "short_answer":
        best = max(spec["answers"], key=lambda a: a.get("weight", 1))
        right = best["text"].replace("*", "")
        others = [a["text"].replace("*", "") for a in spec["answers"] if a is not best]
        others += ["not sure", "search it online", "I don't know"]
    elif kind == "numerical":
        best = max(spec["answers"], key=lambda a: a.get("weight", 1))
        value = float(best.get("value", best.get("min", 0)))
        right = value
        others = [float(a.get("value", a.get("min", 0))) for a in spec["answers"] if a is not best]
        others += [value * 2 + 1, value / 2 + 3, value + 10, 0.0]
    elif kind == "matching":
        pairs = spec["pairs"]
        right = {p["id"]: p["answer"] for p in pairs}
        for n in range(len(pairs) - 1):  # two answers swapped
            answer = dict(right)
            answer[pairs[n]["id"]], answer[pairs[n + 1]["id"]] = pairs[n + 1]["answer"], pairs[n]["answer"]
            others.append(answer)
        others.append({p["id"]: pairs[(n + 1) % len(pairs)]["answer"] for n, p in enumerate(pairs)})
    elif kind == "ordering":
        ids = [i["id"] for i in spec["items"]]
        right = ids
        others = [ids[:n] + [ids[n + 1], ids[n]] + ids[n + 2:] for n in range(len(ids) - 1)]
        others.append(ids[1:] + ids[:1])
    else:
        return None, [], []
    question_type = get_type(kind)
    scored = [(answer, question_type.score(spec, answer).fraction) for answer in others]
    partial = [(answer, fraction) for answer, fraction in scored if 1e-9 < fraction < 1 - 1e-9]
    lowest = min((fraction for _, fraction in scored), default=0.0)
    wrong = [(answer, fraction) for answer, fraction in scored if fraction <= lowest + 1e-9]
    return right, partial, wrong


def _load_instruments(rng: random.Random) -> dict[int, _Instrument]:
    """Every instrument's quizzes as lists of items, with difficulty and discrimination for each question.

    One or two items per instrument are made deliberately weak, as real tests have them: one that
    does not tell stronger from weaker learners, and one nearly everybody gets right before teaching.
    """
    instruments = {}
    for instrument in db.session.scalars(select(Instrument).where(Instrument.quiz_a_id.is_not(None))
                                         .order_by(Instrument.id)):
        shared = list(db.session.scalars(select(InstrumentItem.question_id).where(
            InstrumentItem.instrument_id == instrument.id, InstrumentItem.form.is_(None))
            .order_by(InstrumentItem.position)))
        weak_flat = shared[rng.randrange(len(shared))] if shared else None
        weak_easy = shared[rng.randrange(len(shared))] if len(shared) > 3 else None
        params: dict[int, tuple[float, float]] = {}
        forms = {}
        quizzes = [("A" if instrument.quiz_b_id else None, instrument.quiz_a_id)]
        if instrument.quiz_b_id:
            quizzes.append(("B", instrument.quiz_b_id))
        for form, quiz_id in quizzes:
            items = []
            rows = db.session.execute(
                select(QuizSlot.points, Question.id, QuestionVersion)
                .join(Question, Question.id == QuizSlot.question_id)
                .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                .where(QuizSlot.quiz_id == quiz_id, Question.is_retired.is_(False))
                .order_by(QuizSlot.position)).all()
            for slot_points, question_id, version in rows:
                question_type = get_type(version.type)
                if question_id not in params:
                    if question_id == weak_flat:
                        params[question_id] = (rng.uniform(-0.35, 0.05), rng.uniform(-0.3, 0.3))
                    elif question_id == weak_easy:
                        params[question_id] = (0.9, -3.2)
                    else:
                        params[question_id] = (rng.uniform(0.7, 1.9), max(-1.8, min(1.8, rng.gauss(0.0, 0.75))))
                a, b = params[question_id]
                criteria = {}
                if question_type.is_performance:
                    right, partial, wrong, criteria = _performance_candidates(version)
                else:
                    right, partial, wrong = _candidates(version)
                guess = {"single_choice": 0.6 / max(2, len(version.spec.get("choices", []))),
                         "true_false": 0.35}.get(version.type, 0.0)
                items.append(_Item(question_id, version.id, version.points if slot_points is None else slot_points,
                                   question_type.takes_response, question_type.auto_scored, a, b, guess,
                                   right, partial, wrong, criteria))
            if items:
                forms[form] = _Form(quiz_id, items, sum(i.points for i in items if i.takes_response))
        keys = list(db.session.scalars(select(ConfidenceItem.key).where(ConfidenceItem.instrument_id == instrument.id)
                                       .order_by(ConfidenceItem.position)))
        if forms:
            if "A" in forms and "B" not in forms:
                forms[None] = forms.pop("A")
            instruments[instrument.id] = _Instrument(instrument.id, forms, keys)
    return instruments


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# The generator -------------------------------------------------------------------------------

@dataclass
class _CourseInfo:
    id: int
    slug: str
    modules: list[int]
    asks_pretest: bool
    delayed_weeks: int
    instrument: _Instrument | None
    points: dict  # phase -> point id
    #: a little harder or easier than the others
    offset: float = 0.0


class _Generator:
    def __init__(self, learners: int, seed: int, today: date, progress, domain: str = SYNTHETIC_DOMAIN,
                 sessions: int | None = None, session_days: tuple[int, int] = (365, 60),
                 facilitator_ids: tuple[int, ...] = ()):
        self.n = learners
        self.domain = domain
        self.session_count = sessions or max(MIN_SESSIONS, learners // LEARNERS_PER_SESSION)
        self.session_days = session_days
        self.facilitator_ids = list(facilitator_ids)
        self.seed = seed
        self.now = datetime.combine(today, time(0), tzinfo=timezone.utc)
        self.progress = progress
        self.summary = Summary()
        self.zone = ZoneInfo(current_app.config.get("LIT_TIMEZONE", "Europe/London"))
        # user ids, join and created times, units, audiences and abilities of the learners, by index
        self.user_ids: list[int] = []
        self.created: list[datetime] = []
        self.units: list[int | None] = []
        self.audiences: list[str | None] = []
        self.abilities: list[float] = []
        self.librarians: list[int] = []
        #: (quiz id << 32 | user id) -> attempts so far, for Attempt.number
        self.quiz_uses: dict[int, int] = {}
        self.forms_used: dict[tuple, Counter] = defaultdict(Counter)

    def rng(self, phase: str) -> random.Random:
        return random.Random(f"{self.seed}/{phase}")

    def run(self) -> None:
        self.writer = _Writer()
        self.instruments = _load_instruments(self.rng("instruments"))
        self.courses = self._load_courses()
        self.password_hash = hash_password(PASSWORD)
        self._people()
        self._course_learning()
        self._sessions()
        self.writer.advance_sequences()
        self._results()
        written = self.writer.written
        self.summary.org_units = written[OrgUnit.__tablename__]
        self.summary.enrolments = written[Enrolment.__tablename__]
        self.summary.module_progress = written[ModuleProgress.__tablename__]
        self.summary.participants = written[Participant.__tablename__]
        self.summary.sessions = written[Session.__tablename__]
        self.summary.bookings = written[Booking.__tablename__]
        self.summary.assessment_attempts = written[AssessmentAttempt.__tablename__]
        self.summary.item_responses = written[Response.__tablename__]
        self.summary.survey_responses = written[SurveyResponse.__tablename__]

    def _results(self) -> None:
        """The one-row-per-participant results that reports read, as hand-ins keep them in the app."""
        participants = db.session.scalar(select(func.count(Participant.id)))
        with self.progress("Results for reports", participants) as bar:
            rebuild_all(progress=bar.update)
        db.session.commit()

    def _load_courses(self) -> list[_CourseInfo]:
        courses = []
        for course in db.session.scalars(select(Course).where(Course.is_retired.is_(False)).order_by(Course.id)):
            instrument = db.session.scalar(select(Instrument).where(Instrument.key == course.assessment_key)) \
                if course.assessment_key else None
            points = {}
            if instrument is not None and instrument.id in self.instruments:
                points = {phase: point.id for phase, point in ensure_course_points(course, instrument).items()}
            modules = list(db.session.scalars(select(Module.id).where(Module.course_id == course.id,
                                                                      Module.is_retired.is_(False))
                                              .order_by(Module.position)))
            courses.append(_CourseInfo(course.id, course.slug, modules, course.asks_pretest, course.delayed_post_weeks,
                                       self.instruments.get(instrument.id) if points else None, points,
                                       {"critical-appraisal": -0.25, "misinformation": 0.15}.get(course.slug, 0.0)))
        db.session.commit()
        if not any(course.instrument for course in courses):
            raise ValueError("No course has a pre/post test: import the shipped courses first.")
        return courses

    # People --------------------------------------------------------------------------------

    def _people(self) -> None:
        rng = self.rng("people")
        writer, units = self.writer, OrgUnit.__table__
        existing = {(parent, name): unit_id for unit_id, parent, name in
                    db.session.execute(select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.name))}
        self.unit_roots: dict[int, list[int]] = {}  # root unit id -> learner indexes, for restricted sessions
        choices, weights = [], []

        def unit(name, kind, parent):
            unit_id = existing.get((parent, name))
            if unit_id is None:
                unit_id = writer.new_id(units)
                writer.add(units, {"id": unit_id, "name": name, "parent_id": parent, "kind": kind})
            return unit_id

        staff_unit = None
        for name, kind, audience, weight, children in UNIT_TREE:
            root = unit(name, kind, None)
            self.unit_roots[root] = []
            if weight:
                choices.append((root, root, audience))
                weights.append(weight)
            for child_name, child_kind, child_weight in children:
                child = unit(child_name, child_kind, root)
                if audience == "staff":
                    staff_unit = child
                elif child_weight:
                    choices.append((child, root, audience))
                    weights.append(child_weight)
        choices.append((None, None, None))  # registered without a unit
        weights.append(sum(weights) * 0.03)
        cumulative = [sum(weights[:n + 1]) for n in range(len(weights))]
        writer.flush()

        users, roles = User.__table__, UserRole.__table__
        staff_count = min(10, 4 + self.n // 25_000)
        joined = self.now - timedelta(days=620)
        staff = [(f"librarian{k}@{self.domain}", self._name(rng), "librarian") for k in range(1, staff_count + 1)]
        staff.append((f"manager@{self.domain}", self._name(rng), "manager"))
        for email, name, role in staff:
            user_id = writer.new_id(users)
            writer.add(users, self._user_row(user_id, email, name, staff_unit, joined, self.now - timedelta(days=1)))
            writer.add(roles, {"user_id": user_id, "role": role})
            if role == "librarian":
                self.librarians.append(user_id)
        self.librarians += self.facilitator_ids
        self.summary.staff = len(staff)

        with self.progress("Learners", self.n) as bar:
            for n in range(1, self.n + 1):
                user_id = writer.new_id(users)
                unit_id, root, audience = rng.choices(choices, cum_weights=cumulative)[0]
                created = self.now - timedelta(days=540 * rng.random() ** 1.15 + 1, seconds=rng.randrange(86_400))
                last_login = created + (self.now - created) * rng.random() ** 0.5
                writer.add(users, self._user_row(user_id, f"learner{n}@{self.domain}", self._name(rng), unit_id,
                                                 created, last_login))
                writer.add(roles, {"user_id": user_id, "role": "learner"})
                if root is not None:
                    self.unit_roots[root].append(n - 1)
                self.user_ids.append(user_id)
                self.created.append(created)
                self.units.append(unit_id)
                self.audiences.append(audience)
                self.abilities.append(rng.gauss({"nhs": -0.7, "public": -1.05}.get(audience, -0.9), 0.9))
                if n % BATCH == 0:
                    writer.flush()
                    bar.update(BATCH)
            writer.flush()
            bar.update(self.n % BATCH)
        self.summary.learners = self.n

    @staticmethod
    def _name(rng: random.Random) -> str:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

    def _user_row(self, user_id, email, name, unit_id, created, last_login) -> dict:
        return {"id": user_id, "email": email, "name": name, "password_hash": self.password_hash,
                "org_unit_id": unit_id, "is_active": True, "session_version": 1, "created_at": created,
                "last_login_at": last_login, "password_changed_at": created}

    # Courses and their tests ---------------------------------------------------------------

    def _course_learning(self) -> None:
        rng = self.rng("courses")
        for course in self.courses:
            if course.instrument and course.instrument.has_forms:
                self.forms_used[("course", course.id)].update(dict(db.session.execute(
                    select(Participant.first_form, func.count()).where(Participant.course_id == course.id,
                                                                       Participant.first_form.is_not(None))
                    .group_by(Participant.first_form)).all()))
        tastes = {audience: [taste.get(c.slug, 1.0) for c in self.courses] for audience, taste in COURSE_TASTE.items()}
        with self.progress("Courses and pre/post tests", self.n) as bar:
            for index in range(self.n):
                roll = rng.random()
                wanted = 0 if roll < 0.1 else 1 if roll < 0.6 else 2 if roll < 0.88 else 3
                weights = list(tastes[self.audiences[index]])
                chosen = []
                for _ in range(min(wanted, len(self.courses))):
                    pick = rng.choices(range(len(self.courses)), weights=weights)[0]
                    weights[pick] = 0.0
                    chosen.append(pick)
                start = self.created[index] + timedelta(days=rng.expovariate(1 / 14))
                for pick in chosen:
                    if start >= self.now - timedelta(hours=2):
                        break
                    self._enrol(rng, index, self.courses[pick], start)
                    start += timedelta(days=rng.uniform(3, 90))
                if (index + 1) % CHUNK == 0:
                    self.writer.flush()
                    bar.update(CHUNK)
            self.writer.flush()
            bar.update(self.n % CHUNK)

    def _enrol(self, rng: random.Random, index: int, course: _CourseInfo, enrolled: datetime) -> None:
        writer = self.writer
        user_id = self.user_ids[index]
        row = {"id": writer.new_id(Enrolment.__table__), "course_id": course.id, "user_id": user_id,
               "enrolled_at": enrolled, "last_module_id": None, "completed_at": None, "pretest_done_at": None}
        writer.add(Enrolment.__table__, row)
        instrument = course.instrument
        theta = self.abilities[index] + course.offset
        participant = None
        began = enrolled + timedelta(minutes=rng.uniform(1, 30))
        if instrument and course.asks_pretest:
            if rng.random() < 0.03 or began >= self.now:
                return  # enrolled, never took the pre-test, so never reached the modules
            participant = self._participant(rng, ("course", course.id), instrument, began, user_id=user_id)
            finished = self._take(rng, course.points["pre"], participant, instrument, "pre", theta, began)
            row["pretest_done_at"] = finished
            began = finished
            if rng.random() < 0.01:  # took the pre-test a second time
                again = finished + timedelta(minutes=rng.uniform(5, 60 * 24))
                if again < self.now:
                    began = self._take(rng, course.points["pre"], participant, instrument, "pre", theta + 0.1, again)

        # Working through the modules: most finish within days or weeks; some stop part way.
        modules = course.modules
        days = min(90.0, max(0.3, rng.lognormvariate(math.log(9), 0.8)))
        completed = began + timedelta(days=days)
        finishes = rng.random() < 0.68 and completed < self.now
        opened = len(modules) if finishes else rng.randint(0, max(0, len(modules) - 1))
        stop = completed if finishes else min(self.now, completed)
        for n in range(opened):
            first = min(began + (stop - began) * (n / len(modules)) + timedelta(minutes=rng.uniform(0, 30)),
                        self.now - timedelta(minutes=1))
            done = (began + (stop - began) * ((n + 1) / len(modules)) if finishes or n < opened - 1 else None)
            if done is not None and done <= first:
                done = first + timedelta(minutes=rng.uniform(5, 40))
            if done is not None and done >= self.now:
                done = None
            writer.add(ModuleProgress.__table__, {"id": writer.new_id(ModuleProgress.__table__),
                                                  "module_id": modules[n], "user_id": user_id,
                                                  "first_viewed_at": first, "completed_at": done})
        if opened:
            row["last_module_id"] = modules[opened - 1]
        if not finishes:
            return
        row["completed_at"] = completed
        self.summary.completed_enrolments += 1
        if not instrument or "post" not in course.points or rng.random() >= 0.82:
            return
        gain = rng.gauss(1.4, 0.55)
        later = completed + timedelta(minutes=rng.uniform(1, 20))
        if rng.random() < 0.35:
            later += timedelta(days=rng.uniform(0.2, 5))
        if later >= self.now:
            return
        if participant is None:
            participant = self._participant(rng, ("course", course.id), instrument, later, user_id=user_id)
        self._take(rng, course.points["post"], participant, instrument, "post", theta + gain, later)
        if not course.delayed_weeks or "delayed" not in course.points:
            return
        due = completed + timedelta(weeks=course.delayed_weeks)
        if due >= self.now:
            return
        participant["delayed_invited_at"] = due + timedelta(hours=rng.uniform(0, 24))
        when = participant["delayed_invited_at"] + timedelta(days=rng.expovariate(1 / 3))
        if rng.random() < 0.35 and when < self.now:
            self._take(rng, course.points["delayed"], participant, instrument, "delayed",
                       theta + gain * rng.uniform(0.5, 0.85), when)

    # Tests -----------------------------------------------------------------------------------

    def _participant(self, rng, context: tuple, instrument: _Instrument, when: datetime, user_id: int | None = None,
                     code: str | None = None) -> dict:
        """A participant row in a course or session; forms are counterbalanced as assign_form does."""
        first_form = None
        if instrument.has_forms:
            used = self.forms_used[context]
            first_form = "A" if used["A"] <= used["B"] else "B"
            used[first_form] += 1
        kind, context_id = context
        row = {"id": self.writer.new_id(Participant.__table__), "course_id": context_id if kind == "course" else None,
               "session_id": context_id if kind == "session" else None, "user_id": user_id, "code": code,
               "first_form": first_form, "created_at": when, "delayed_invited_at": None}
        self.writer.add(Participant.__table__, row)
        return row

    def _take(self, rng: random.Random, point_id: int, participant: dict, instrument: _Instrument, phase: str,
              theta: float, started: datetime, minutes: tuple[float, float] = (5, 16), complete: bool = True,
              number: int | None = None) -> datetime:
        """One submitted attempt at a point, answered by a learner of ability `theta`; returns when it was handed in."""
        writer = self.writer
        first = participant["first_form"]
        form = None if first is None else ({"A": "B", "B": "A"}[first] if phase == "post" else first)
        quiz = instrument.forms[form]
        user_id = participant["user_id"]
        if number is None:
            key = quiz.quiz_id << 32 | user_id
            number = self.quiz_uses.get(key, 0) + 1
            self.quiz_uses[key] = number
        attempt_id = writer.new_id(Attempt.__table__)
        submitted = started + timedelta(minutes=rng.uniform(*minutes))
        if submitted >= self.now:
            submitted = started + (self.now - started) * 0.9
        step = (submitted - started) / (len(quiz.items) + 1)
        # An attempt closed by the librarian before it was handed in keeps only the first answers.
        answered_until = len(quiz.items) if complete else rng.randint(len(quiz.items) // 3, len(quiz.items) - 1)
        responses, total = Response.__table__, 0.0
        for position, item in enumerate(quiz.items, 1):
            row = {"id": writer.new_id(responses), "attempt_id": attempt_id, "position": position, "page": 1,
                   "question_version_id": item.version_id, "shown_version_id": item.version_id,
                   "points": item.points}
            if not item.takes_response or item.right is None:
                row.update(answered_at=None, fraction=0.0 if item.auto_scored else None,
                           score=0.0 if item.auto_scored else None)
                writer.add(responses, row)
                continue
            if position > answered_until or rng.random() < 0.004:
                row.update(answered_at=None, fraction=0.0, score=0.0)  # skipped: no answer, no marks
                writer.add(responses, row)
                continue
            chance = item.guess + (1 - item.guess) * _logistic(item.a * (theta - item.b))
            if rng.random() < chance:
                answer, fraction = item.right, 1.0
            elif item.partial and (not item.wrong or rng.random() < chance + 0.15):
                answer, fraction = item.partial[rng.randrange(len(item.partial))]
            else:
                answer, fraction = item.wrong[rng.randrange(len(item.wrong))]
            score = fraction * item.points
            total += score
            row.update(answer=answer, answered_at=started + step * position, fraction=fraction, score=score,
                       criteria=item.criteria_of(answer))
            writer.add(responses, row)
        writer.add(Attempt.__table__, {
            "id": attempt_id, "quiz_id": quiz.quiz_id, "user_id": user_id, "number": number, "status": "submitted",
            "started_at": started, "deadline_at": None, "submitted_at": submitted, "score": total,
            "max_score": quiz.max_score, "needs_marking": False})
        shift = {"pre": 0, "post": 1, "delayed": 1}[phase]
        confidence = {}
        for key in instrument.confidence_keys:
            rating = round(2.5 + 0.45 * theta + rng.gauss(0, 0.7)) + shift * (rng.random() < 0.75)
            if phase == "delayed" and rng.random() < 0.3:
                rating -= 1
            confidence[key] = max(1, min(5, rating))
        writer.add(AssessmentAttempt.__table__, {
            "id": writer.new_id(AssessmentAttempt.__table__), "point_id": point_id, "participant_id": participant["id"],
            "attempt_id": attempt_id, "form": form, "confidence": confidence, "is_complete": complete,
            "created_at": started})
        return submitted

    # Sessions --------------------------------------------------------------------------------

    def _sessions(self) -> None:
        rng = self.rng("sessions")
        count = self.session_count
        courses = {c.slug: c for c in self.courses}
        instruments = [c.instrument for c in self.courses if c.instrument]
        codes = set(db.session.scalars(select(AssessmentPoint.join_code).where(AssessmentPoint.join_code.is_not(None))))
        uids = set(db.session.scalars(select(Session.ical_uid)))
        roots = [root for root, members in self.unit_roots.items() if members]
        starts = sorted(self._session_start(rng) for _ in range(count))
        with self.progress("Sessions, bookings and feedback", count) as bar:
            for n, (starts_at, minutes) in enumerate(starts, 1):
                title, slug = WORKSHOPS[rng.randrange(len(WORKSHOPS))]
                course = courses.get(slug) if slug and rng.random() < 0.6 else None
                restricted_to = roots[rng.randrange(len(roots))] if roots and rng.random() < 0.08 else None
                session, bookings = self._session(rng, title, course, starts_at, minutes, restricted_to, uids)
                if session["status"] == "scheduled" and session["ends_at"] <= self.now:
                    attendees = [b for b in bookings if b["attendance"] in ("attended", "late")]
                    if len(attendees) >= 3 and instruments and rng.random() < 1 / 3:
                        instrument = course.instrument if course and course.instrument else \
                            instruments[rng.randrange(len(instruments))]
                        self._session_tests(rng, session, instrument, attendees, codes)
                    self._surveys(rng, session, attendees)
                if n % 200 == 0:
                    self.writer.flush()
                    bar.update(200)
            self.writer.flush()
            bar.update(count % 200)

    def _session_start(self, rng: random.Random) -> tuple[datetime, int]:
        """A weekday within the generator's session days of today, at a usual local start time; and a length in minutes."""
        before, after = self.session_days
        day = (self.now - timedelta(days=before) + timedelta(days=rng.uniform(0, before + after))).date()
        while day.weekday() >= 5:
            day += timedelta(days=1)
        local = datetime.combine(day, START_TIMES[rng.randrange(len(START_TIMES))], tzinfo=self.zone)
        return local.astimezone(timezone.utc), rng.choice([45, 60, 60, 90, 90, 120])

    def _session(self, rng, title, course, starts_at, minutes, restricted_to, uids) -> tuple[dict, list[dict]]:
        writer = self.writer
        session_id = writer.new_id(Session.__table__)
        mode = rng.choices(["in_person", "online", "hybrid"], weights=[45, 35, 20])[0]
        capacity = rng.randint(12, 40)
        created = min(starts_at - timedelta(days=rng.uniform(14, 56)), self.now - timedelta(days=rng.uniform(1, 10)))
        uid = f"{rng.getrandbits(128):032x}@lit-platform"
        while uid in uids:
            uid = f"{rng.getrandbits(128):032x}@lit-platform"
        uids.add(uid)
        ends_at = starts_at + timedelta(minutes=minutes)
        cancelled = rng.random() < 0.03
        facilitators = rng.sample(self.librarians, 2 if rng.random() < 0.2 else 1)
        row = {"id": session_id, "title": title,
               "description": f"A {minutes}-minute workshop run by the library's teaching team.",
               "description_html": f"<p>A {minutes}-minute workshop run by the library's teaching team.</p>",
               "course_id": course.id if course else None, "starts_at": starts_at, "ends_at": ends_at, "mode": mode,
               "location": ROOMS[rng.randrange(len(ROOMS))] if mode != "online" else "",
               "online_url": f"https://meet.{self.domain}/{session_id}" if mode != "in_person" else "",
               "capacity": capacity, "booking_opens_at": None, "booking_closes_at": None, "cancel_cutoff_hours": None,
               "is_restricted": restricted_to is not None, "waitlist_enabled": rng.random() < 0.9,
               "status": "cancelled" if cancelled else "scheduled",
               "cancel_reason": "The facilitator is unwell; we will run it again soon." if cancelled else "",
               "ical_uid": uid, "ical_sequence": 1 if cancelled else 0, "series_id": None,
               "checkin_code": "".join(rng.choice(CHECKIN_ALPHABET) for _ in range(6)),
               "created_by_id": facilitators[0], "created_at": created, "updated_at": created}
        writer.add(Session.__table__, row)
        for user_id in facilitators:
            writer.add(SessionFacilitator.__table__, {"session_id": session_id, "user_id": user_id})
        if restricted_to is not None:
            writer.add(SessionUnit.__table__, {"session_id": session_id, "unit_id": restricted_to})
        return row, self._book(rng, row, restricted_to)

    def _book(self, rng, session: dict, restricted_to: int | None) -> list[dict]:
        """Bookings as they would have arrived: places first come, first served, then the waitlist;
        cancelled places go to the longest waiting; past sessions have their register taken."""
        starts_at, capacity = session["starts_at"], session["capacity"]
        window_end = min(starts_at, self.now)
        if window_end <= session["created_at"]:
            return []
        window = window_end - session["created_at"]
        demand = capacity * rng.lognormvariate(-0.12, 0.38)
        demand *= window / (starts_at - session["created_at"])  # a future session is still filling up
        pool = self.unit_roots[restricted_to] if restricted_to is not None else None
        arrivals, taken = [], set()
        for _ in range(int(demand)):
            booked_at = session["created_at"] + window * rng.random() ** 0.8
            for _try in range(20):
                index = pool[rng.randrange(len(pool))] if pool is not None else rng.randrange(self.n)
                if index not in taken and self.created[index] < booked_at:
                    taken.add(index)
                    arrivals.append((booked_at, index))
                    break
        arrivals.sort()
        events = []
        for booked_at, index in arrivals:
            events.append((booked_at, 0, index))
            if rng.random() < 0.12:
                cancel_at = booked_at + (window_end - booked_at) * rng.random()
                events.append((cancel_at, 1, index))
        events.sort()
        bookings, by_index, waiting, confirmed = [], {}, [], 0
        table = Booking.__table__
        for when, kind, index in events:
            if kind == 0:
                if confirmed < capacity:
                    status, confirmed = "confirmed", confirmed + 1
                elif session["waitlist_enabled"]:
                    status = "waitlisted"
                else:
                    continue  # full, and no waiting list: turned away
                booking = {"id": self.writer.new_id(table), "session_id": session["id"],
                           "user_id": self.user_ids[index], "status": status, "position": len(bookings) + 1,
                           "booked_at": when, "confirmed_at": when if status == "confirmed" else None,
                           "cancelled_at": None, "added_by_id": None, "attendance": None,
                           "attendance_marked_at": None, "checked_in_at": None, "reminded_at": None,
                           "ical_sequence": 0}
                bookings.append(booking)
                by_index[index] = booking
                if status == "waitlisted":
                    waiting.append(booking)
                continue
            booking = by_index.get(index)
            if booking is None:
                continue
            if booking["status"] == "confirmed":
                if when >= starts_at - timedelta(hours=24):
                    continue  # past the cancellation cut-off: the place is kept
                confirmed -= 1
                if waiting:  # the longest waiting gets the place
                    promoted = waiting.pop(0)
                    promoted["status"], promoted["confirmed_at"] = "confirmed", when
                    confirmed += 1
            else:
                waiting.remove(booking)
            booking.update(status="cancelled", cancelled_at=when, ical_sequence=1)
        past = session["ends_at"] <= self.now and session["status"] == "scheduled"
        reminder = starts_at - timedelta(hours=24)
        for booking in bookings:
            if booking["status"] != "confirmed":
                continue
            if booking["confirmed_at"] < reminder < self.now and session["status"] == "scheduled":
                booking["reminded_at"] = reminder + timedelta(minutes=rng.uniform(0, 20))
            if not past:
                continue
            mark = rng.choices(["attended", "late", "absent"], weights=[70, 6, 24])[0]
            booking["attendance"] = mark
            booking["attendance_marked_at"] = starts_at + timedelta(minutes=rng.uniform(5, 40))
            if mark != "absent" and session["mode"] != "online" and rng.random() < 0.5:
                arrived = rng.uniform(11, 25) if mark == "late" else rng.uniform(-12, 9)
                booking["checked_in_at"] = starts_at + timedelta(minutes=arrived)
                booking["attendance_marked_at"] = booking["checked_in_at"]
        for booking in bookings:
            self.writer.add(table, booking)
        return bookings

    def _session_tests(self, rng, session: dict, instrument: _Instrument, attendees: list[dict], codes: set) -> None:
        """Pre- and post-test in the room: signed in, or (walk-in groups) with self-made anonymous codes."""
        session_id = session["id"]
        starts_at, ends_at = session["starts_at"], session["ends_at"]
        points = {}
        for phase, opened, closed in (("pre", starts_at, starts_at + timedelta(minutes=15)),
                                      ("post", ends_at - timedelta(minutes=15), ends_at)):
            code = "".join(rng.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
            while code in codes:
                code = "".join(rng.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
            codes.add(code)
            points[phase] = self.writer.new_id(AssessmentPoint.__table__)
            self.writer.add(AssessmentPoint.__table__, {
                "id": points[phase], "instrument_id": instrument.id, "phase": phase, "course_id": None,
                "session_id": session_id, "is_open": False, "opened_at": opened, "closed_at": closed,
                "join_code": code})
        anonymous = rng.random() < 0.4
        by_code: dict[str, dict] = {}
        taken: dict[int, Counter] = defaultdict(Counter)  # participant id -> attempts per phase
        for booking in attendees:
            theta = self._ability_of(booking["user_id"]) + rng.gauss(0, 0.3)
            gain = rng.gauss(0.8, 0.5)
            takes_pre = booking["attendance"] == "attended" or rng.random() < 0.5
            takes_post = rng.random() < 0.9
            if not (takes_pre or takes_post):
                continue
            first_seen = starts_at + timedelta(minutes=rng.uniform(0, 4)) if takes_pre else \
                ends_at - timedelta(minutes=rng.uniform(10, 14))
            if anonymous:
                code, _ = make_code({"letters": rng.choice(FIRST_NAMES)[:2].upper(),
                                     "day": f"{rng.randint(1, 28):02d}", "siblings": str(rng.choice("0001112234"))})
                participant = by_code.get(code)
                if participant is None:  # two people who make the same code share a participant (a conflict)
                    participant = by_code[code] = self._participant(rng, ("session", session_id), instrument,
                                                                    first_seen, code=code)
            else:
                participant = self._participant(rng, ("session", session_id), instrument, first_seen,
                                                user_id=booking["user_id"])
            for phase, wanted, when, level in (("pre", takes_pre, starts_at, theta),
                                               ("post", takes_post, ends_at - timedelta(minutes=14), theta + gain)):
                if not wanted:
                    continue
                taken[participant["id"]][phase] += 1
                self._take(rng, points[phase], participant, instrument, phase, level,
                           when + timedelta(minutes=rng.uniform(0, 3)), minutes=(4, 10),
                           complete=rng.random() >= 0.03,
                           number=taken[participant["id"]][phase] if anonymous else None)

    def _ability_of(self, user_id: int) -> float:
        # Learner ids are consecutive within a run, so the index is an offset.
        return self.abilities[user_id - self.user_ids[0]]

    def _surveys(self, rng, session: dict, attendees: list[dict]) -> None:
        table = SurveyResponse.__table__
        hidden = "is_hidden" in table.c
        for booking in attendees:
            if rng.random() >= 0.5:
                continue
            usefulness = rng.choices([1, 2, 3, 4, 5], weights=[2, 4, 14, 38, 42])[0]
            confidence = max(1, min(5, usefulness - rng.choices([0, 1, 2], weights=[55, 35, 10])[0]
                                    + (rng.random() < 0.1)))
            comment = ""
            if rng.random() < 0.2:
                mood = "good" if usefulness >= 4 else "fair" if usefulness == 3 else "poor"
                comment = rng.choice(COMMENTS[mood])
            created = session["ends_at"] + timedelta(minutes=rng.uniform(-14, 60 * 72))
            row = {"id": self.writer.new_id(table), "session_id": session["id"], "user_id": booking["user_id"],
                   "usefulness": usefulness, "confidence": confidence,
                   "would_recommend": usefulness >= 4 or (usefulness == 3 and rng.random() < 0.5),
                   "comment": comment, "created_at": min(created, self.now - timedelta(minutes=1)),
                   "comment_hidden": False, "comment_hidden_by_id": None}
            if hidden:
                row["is_hidden"] = False
            self.writer.add(table, row)
