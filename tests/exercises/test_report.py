"""The learning report shows each performance task's rubric, criterion by criterion, before and after."""
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lit_platform.accounts.models import User
from lit_platform.assessments import services as assessments
from lit_platform.assessments.models import Instrument
from lit_platform.courses.models import Course
from lit_platform.extensions import db
from lit_platform.quizzes import attempts as quiz_attempts
from lit_platform.quizzes import services as quiz_services
from lit_platform.quizzes.services import QuestionData
from lit_platform.reports import learning
from lit_platform.reports.filters import ReportFilters

from .test_appraisal import SPEC as CHECKLIST_SPEC

# Five learners' checklist answers (randomised, concealed, blinded, followed) before and after; the
# expert says yes, cant_tell, no, yes.
BEFORE = [("yes", "yes", "yes", "yes"), ("yes", "yes", "yes", "no"), ("no", "yes", "yes", "yes"),
          ("yes", "no", "no", "yes"), ("yes", "yes", "yes", "yes")]
AFTER = [("yes", "cant_tell", "no", "yes"), ("yes", "cant_tell", "no", "yes"), ("yes", "yes", "no", "yes"),
         ("yes", "cant_tell", "no", "yes"), ("yes", "yes", "yes", "yes")]
KEYS = ("randomised", "concealed", "blinded", "followed")


def take(point, user, answers):
    participant = assessments.participant_for_user(point, user)
    entry = assessments.start(point, participant)
    for response in entry.attempt.responses:
        if response.version.type == "appraisal_checklist":
            values = MultiDict({f"{key}.answer": value for key, value in zip(KEYS, answers)})
            quiz_attempts.save_answer(entry.attempt, response.id, values, user)
    assessments.submit(entry, user)


def performance_section(app, make, course_id, checklists):
    """Add `checklists` [(key, stem, form)] to the course's test, have five learners take it before (BEFORE)
    and after (AFTER), and return the learning report's performance-task section."""
    learners = [make.user() for _ in BEFORE]
    with app.app_context():
        instrument = db.session.scalar(select(Instrument).where(Instrument.course_id == course_id))
        category = quiz_services.find_or_create_category("Tests")
        for key, stem, _ in checklists:
            quiz_services.save_question(key, category, QuestionData("appraisal_checklist", stem, CHECKLIST_SPEC,
                                                                    points=4, outcome="DS1"))
        items = [(item.question.key, item.form) for item in instrument.items]
        items += [(key, form) for key, _, form in checklists]
        assessments.save_instrument(instrument.key, instrument.title, items,
                                    [(c.key, c.outcome, c.statement) for c in instrument.confidence_items],
                                    course_id=course_id)
        points = assessments.ensure_course_points(db.session.get(Course, course_id), instrument)
        for phase, answers in (("pre", BEFORE), ("post", AFTER)):
            for user, given in zip(learners, answers):
                take(points[phase], db.session.get(User, user.id), given)
        db.session.commit()

    with app.test_request_context():
        document = learning.build(ReportFilters(course=course_id), "Europe/London", 1, {})
    return next(s for s in document.sections if s.key == "performance")


def test_checklist_criteria_and_kappa_before_and_after(app, make, course_id):
    section = performance_section(app, make, course_id, [("demo.pp.checklist", "Appraise the trial.", None)])
    table = section.tables[0]
    assert table.title == "demo.pp.checklist: Appraise the trial. (DS1)"
    rows = {row[0]: row[1:] for row in table.rows}
    # Concealment: before 0 of 5 said "can't tell", after 3 of 5: 0% -> 60%, three better, none worse.
    assert rows["Was allocation concealed?"] == pytest.approx([5, 0, 60, 60, 3, 2, 0])
    # Blinding: before 1 of 5 said "no" (learner 4), after 4 of 5.
    assert rows["Were assessors blinded?"] == pytest.approx([5, 20, 80, 60, 3, 2, 0])
    assert rows["Were people randomly allocated?"] == pytest.approx([5, 80, 100, 20, 1, 4, 0])
    assert rows["Were most people followed up?"] == pytest.approx([5, 80, 100, 20, 1, 4, 0])
    task = section.data["tasks"][0]
    assert task["learners"] == 5
    # Pooled over 20 answers after: learner yes 10, cant_tell 3, no 4, ... expert yes 10, cant_tell 5, no 5
    assert task["kappa_after"] == pytest.approx(_kappa(AFTER))
    assert task["kappa_before"] == pytest.approx(_kappa(BEFORE))
    assert task["kappa_before"] < task["kappa_after"]
    assert "Cohen's kappa" in table.note


def _kappa(answers):
    expert = ("yes", "cant_tell", "no", "yes")
    pairs = [(given, right) for row in answers for given, right in zip(row, expert)]
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    expected = sum(sum(a == c for a, _ in pairs) * sum(b == c for _, b in pairs) for c in ("yes", "no", "cant_tell")) / n / n
    return (observed - expected) / (1 - expected)


def test_parallel_forms_pair_one_forms_task_before_with_the_others_after(app, make, course_id):
    """No learner sees the same task twice: form A's checklist before is compared with form B's after."""
    section = performance_section(app, make, course_id, [("demo.pp.checklist-a", "Appraise trial A.", "A"),
                                                         ("demo.pp.checklist-b", "Appraise trial B.", "B")])
    [table] = section.tables
    assert table.title == ("demo.pp.checklist-a: Appraise trial A. with its parallel task demo.pp.checklist-b: "
                           "Appraise trial B. (DS1)")
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["Was allocation concealed?"] == pytest.approx([5, 0, 60, 60, 3, 2, 0])
    [task] = section.data["tasks"]
    assert task["learners"] == 5 and task["parallel_question_id"] is not None
    assert task["kappa_before"] == pytest.approx(_kappa(BEFORE))
    assert task["kappa_after"] == pytest.approx(_kappa(AFTER))
