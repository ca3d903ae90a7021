"""The demo learner's own progress for `lit demo`, so their home has somewhere to carry on from: part way through
one course, the pre-test of another still to take, and a third completed with its certificate. Added once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..accounts.services import find_user_by_email
from ..core.types import utcnow
from ..extensions import db
from .models import Course, Enrolment, ModuleProgress

#: (course slug, modules completed, completed the course days ago or None, took the pre-test)
DEMO_PROGRESS = [("searching", 2, None, True), ("misinformation", 0, None, False),
                 ("critical-appraisal", None, 3, True)]


def add_demo_learning(echo=print) -> None:
    learner = find_user_by_email("learner@example.org")
    if learner is None or db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == learner.id).limit(1)):
        return
    now = utcnow()
    added = 0
    for slug, done, completed_days_ago, pretest in DEMO_PROGRESS:
        course = db.session.scalar(select(Course).where(Course.slug == slug, Course.is_retired.is_(False)))
        if course is None:
            continue
        modules = course.active_modules
        started = now - timedelta(days=20)
        completed_at = now - timedelta(days=completed_days_ago) if completed_days_ago is not None else None
        finished = modules if completed_at else modules[:done]
        for index, module in enumerate(finished):
            moment = started + timedelta(days=index + 1)
            db.session.add(ModuleProgress(module_id=module.id, user_id=learner.id, first_viewed_at=moment,
                                          completed_at=min(moment, completed_at or moment)))
        # Part way through: the module after the last one completed is open, to carry on from.
        opened = modules[len(finished)] if not completed_at and done and len(finished) < len(modules) else None
        if opened is not None:
            db.session.add(ModuleProgress(module_id=opened.id, user_id=learner.id,
                                          first_viewed_at=now - timedelta(hours=3)))
        last = opened or (finished[-1] if finished else None)
        db.session.add(Enrolment(course_id=course.id, user_id=learner.id, enrolled_at=started,
                                 pretest_done_at=started if pretest else None, completed_at=completed_at,
                                 last_module_id=last.id if last else None))
        added += 1
    if added:
        echo(f"Gave the demo learner progress in {added} courses")
