"""Demo pre/post results for `lit demo`: cohorts through each shipped course, and a walk-in workshop.

Answers are drawn at random (with a fixed seed, so every demo database is the same) from each
demo learner's chance of answering correctly, which is higher after the course than before, so
the reports have a realistic spread: most improve, some do not, a few drop out before the post-test.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..accounts.services import create_user, find_or_create_unit_path
from ..core.types import utcnow
from ..courses.models import Course, Enrolment, ModuleProgress
from ..extensions import db
from ..quizzes import attempts as quiz_attempts
from ..quizzes.types import get_type
from . import services
from .codes import make_code
from .models import AssessmentPoint, Participant

COHORT = 24
UNITS = ["Faculty of Health / Nursing", "Faculty of Health / Medicine", "Faculty of Law", "Public library service"]
FIRST = ["Amira", "Ben", "Chloe", "Dev", "Ellis", "Farah", "Gus", "Hana", "Ivo", "Jess", "Kofi", "Lena",
         "Mo", "Nia", "Owen", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vic", "Wen", "Yusuf"]
SURNAMES = ["Adams", "Bello", "Carter", "Dube", "Evans", "Fischer", "Gill", "Hughes", "Iqbal", "Jones", "Khan",
            "Lewis", "Mensah", "Novak", "Okafor", "Patel", "Quayle", "Reid", "Singh", "Turner", "Usman", "Vance",
            "Walsh", "Young"]


def _values(version, right: bool):
    """Form values that answer `version` rightly or wrongly (None: leave it unanswered)."""
    spec, kind = version.spec, version.type
    question_type = get_type(kind)
    if question_type.is_performance:
        return question_type.demo_values(spec, right)
    if kind == "single_choice":
        choices = sorted(spec["choices"], key=lambda c: c.get("weight", 0))
        return [choices[-1]["id"] if right else choices[0]["id"]]
    if kind == "multiple_response":
        good = [c["id"] for c in spec["choices"] if c.get("weight", 0) > 0]
        bad = [c["id"] for c in spec["choices"] if c.get("weight", 0) <= 0]
        return good if right else (bad[:1] or None)
    if kind == "true_false":
        return ["true" if spec["answer"] == right else "false"]
    if not right:
        return None
    if kind == "short_answer":
        return [max(spec["answers"], key=lambda a: a.get("weight", 1))["text"].replace("*", "")]
    if kind == "numerical":
        answer = max(spec["answers"], key=lambda a: a.get("weight", 1))
        return [str(answer.get("value", answer.get("min")))]
    if kind == "matching":
        return {pair["id"]: pair["answer"] for pair in spec["pairs"]}
    if kind == "ordering":
        return [str(n) for n in range(1, len(spec["items"]) + 1)]
    return None


def _answer_and_submit(entry, user, chance: float, rng: random.Random, when, confidence_shift: int) -> None:
    attempt = entry.attempt
    attempt.started_at = when
    for response in attempt.responses:
        if not get_type(response.version.type).takes_response:
            continue
        values = _values(response.version, rng.random() < chance)
        if values is not None:
            quiz_attempts.save_answer(attempt, response.id, values, user, now=when)
    entry.confidence = {item.key: max(1, min(5, rng.choice([2, 2, 3, 3, 4]) + confidence_shift))
                        for item in entry.point.instrument.confidence_items}
    quiz_attempts.submit_attempt(attempt, user, when + timedelta(minutes=rng.randint(6, 14)))


def _cohort():
    people = []
    for n in range(COHORT):
        email = f"{FIRST[n].lower()}.{SURNAMES[n].lower()}@example.org"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(email, f"{FIRST[n]} {SURNAMES[n]}", None, ["learner"],
                               find_or_create_unit_path(UNITS[n % len(UNITS)]))
        people.append(user)
    return people


def add_demo_course_results(echo=print) -> None:
    """Each shipped course: most of a cohort take the pre-test, complete the course and take the post-test."""
    rng = random.Random(20261127)
    people = None
    for course in db.session.scalars(select(Course).where(Course.assessment_key.is_not(None)).order_by(Course.slug)):
        points = {p.phase: p for p in db.session.scalars(select(AssessmentPoint).where(AssessmentPoint.course_id == course.id))}
        if "pre" not in points or db.session.scalar(select(Participant.id).where(Participant.course_id == course.id)):
            continue
        people = people or _cohort()
        now = utcnow()
        for user in people:
            ability = rng.uniform(0.25, 0.6)
            start = now - timedelta(days=rng.randint(40, 80), hours=rng.randint(0, 8))
            enrolment = Enrolment(course_id=course.id, user_id=user.id, enrolled_at=start)
            db.session.add(enrolment)
            entry = services.start(points["pre"], services.participant_for_user(points["pre"], user), now=start)
            _answer_and_submit(entry, user, ability, rng, start, 0)
            enrolment.pretest_done_at = start + timedelta(minutes=15)
            if rng.random() < 0.15:
                continue  # dropped out before finishing the course
            finished = start + timedelta(days=rng.randint(5, 20))
            for module in course.active_modules:
                db.session.add(ModuleProgress(module_id=module.id, user_id=user.id, first_viewed_at=start,
                                              completed_at=finished))
            enrolment.completed_at = finished
            enrolment.last_module_id = course.active_modules[-1].id
            if rng.random() < 0.1:
                continue  # completed, but did not take the post-test
            entry = services.start(points["post"], entry.participant, now=finished)
            _answer_and_submit(entry, user, min(0.95, ability + rng.uniform(0.1, 0.4)), rng, finished, 1)
            if "delayed" in points and finished + timedelta(weeks=course.delayed_post_weeks) < now and rng.random() < 0.5:
                later = finished + timedelta(weeks=course.delayed_post_weeks, days=rng.randint(0, 5))
                entry = services.start(points["delayed"], entry.participant, now=later)
                _answer_and_submit(entry, user, min(0.95, ability + rng.uniform(0.05, 0.3)), rng, later, 1)
        db.session.flush()
        echo(f"{course.slug}: demo pre/post results for {len(people)} learners")


def add_demo_session_results(session, echo=print) -> None:
    """A past walk-in workshop: 12 anonymous participants, one who joined late, one shared code.

    The session is evaluated with the pre/post test of the course it teaches; without one, it has none."""
    from .models import Instrument

    if session.course_id is None:
        return
    instrument = db.session.scalar(select(Instrument).join(Course, Course.assessment_key == Instrument.key)
                                   .where(Course.id == session.course_id))
    if instrument is None:
        return
    rng = random.Random(7)
    points = services.ensure_session_points(session, instrument)
    start, end = session.starts_at, session.ends_at
    codes = []
    for n in range(12):
        code, _ = make_code({"letters": rng.choice(["MA", "JO", "SA", "PE", "AN", "RO", "DA", "LI"]),
                             "day": f"{rng.randint(1, 28):02d}", "siblings": str(rng.randint(0, 3))})
        codes.append(code)
    codes[11] = codes[3]  # two people happen to make the same code
    services.open_point(points["pre"], None, start)
    abilities = {}
    for n, code in enumerate(codes[:11] + [codes[11]]):
        if n == 10:
            continue  # arrives late: post-test only
        participant = services.participant_for_code(points["pre"], code)
        entry = services.start(points["pre"], participant, now=start)
        abilities[n] = rng.uniform(0.25, 0.55)
        _answer_and_submit(entry, None, abilities[n], rng, start + timedelta(minutes=2), 0)
    services.close_point(points["pre"], None, start + timedelta(minutes=15))
    services.open_point(points["post"], None, end - timedelta(minutes=15))
    for n, code in enumerate(codes[:11]):
        participant = services.participant_for_code(points["post"], code)
        entry = services.start(points["post"], participant, now=end - timedelta(minutes=15))
        chance = min(0.95, abilities.get(n, 0.4) + rng.uniform(0.15, 0.4))
        _answer_and_submit(entry, None, chance, rng, end - timedelta(minutes=14), 1)
    services.close_point(points["post"], None, end)
    echo(f"{session.title}: demo pre/post results for a walk-in group")
