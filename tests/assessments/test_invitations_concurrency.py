"""`lit assessments invite-delayed` on two machines at once: each learner is invited to the follow-up test once."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.assessments import services
from lit_platform.assessments.models import AssessmentPoint
from lit_platform.core.types import utcnow
from lit_platform.courses.models import Course
from lit_platform.courses.services import enrol
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

from ..conftest import run_at_once
from ..courses.conftest import COURSE_YAML, import_folder, write_course
from ..factories import Factories
from .test_course_prepost import FORMS_ASSESSMENT

LEARNERS = 20


def learners_due(app, tmp_path) -> list[int]:
    """LEARNERS people who completed a course with a four-week follow-up test five weeks ago."""
    yaml = COURSE_YAML.replace("pretest: optional", "pretest: required\ndelayed_post_weeks: 4")
    slug = import_folder(app, write_course(tmp_path, **{"course.yaml": yaml, "assessment.yaml": FORMS_ASSESSMENT}))
    users = [Factories(app).user() for _ in range(LEARNERS)]
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        pre = db.session.scalar(select(AssessmentPoint).where(AssessmentPoint.course_id == course.id,
                                                              AssessmentPoint.phase == "pre"))
        for user in users:
            learner = db.session.get(User, user.id)
            services.participant_for_user(pre, learner)
            enrol(course, learner).completed_at = utcnow() - timedelta(weeks=5)
        db.session.commit()
    return [user.id for user in users]


def test_three_runs_started_together_invite_each_learner_once(committed_app, tmp_path):
    user_ids = learners_due(committed_app, tmp_path)
    counts = run_at_once(committed_app, lambda: services.queue_delayed_invitations(
        lambda course: f"https://learning.library.example/courses/{course.slug}/tests/delayed"))
    assert sum(counts) == LEARNERS
    with committed_app.app_context():
        invited = Counter(db.session.scalars(select(OutboxMessage.user_id).where(
            OutboxMessage.subject.like("A short follow-up test%"))))
    assert sorted(invited) == sorted(user_ids) and set(invited.values()) == {1}
