"""People with data in every table that holds personal data, made through the real services where it matters
(tests taken and handed in, so that results and reports are real) and as plain rows elsewhere."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lit_platform.accounts.models import PasswordResetToken, User
from lit_platform.assessments import queries as assessment_queries
from lit_platform.assessments import services as assessments
from lit_platform.assessments.models import Participant
from lit_platform.audit import record_event
from lit_platform.authoring.drafts import store_blob
from lit_platform.authoring.models import CourseSource, SourceFile, SourceVersion
from lit_platform.bookings.models import (ApiToken, Booking, CalendarFeed, Session, SessionFacilitator, SessionSeries,
                                          SurveyResponse)
from lit_platform.core.types import utcnow
from lit_platform.courses.models import Enrolment, Module, ModuleProgress
from lit_platform.exercises.models import SavedSearch
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.privacy.models import PrivacyRequest, RetentionReview
from lit_platform.sso.models import LinkedIdentity
from lit_platform.sso.saml_models import SamlRequest
from lit_platform.quizzes import attempts as quiz_attempts
from lit_platform.quizzes.models import Attempt, Question, Quiz, QuizExtension, QuizSlot

from ..bookings.conftest import SessionFactory

_numbers = itertools.count(1)


def answer_values(version, right: bool) -> list[str]:
    """Form values that answer the pre/post items (single choice, true/false) rightly or wrongly."""
    if version.type == "true_false":
        return ["true" if version.spec["answer"] == right else "false"]
    choices = sorted(version.spec["choices"], key=lambda c: c.get("weight", 0))
    return [(choices[-1] if right else choices[0])["id"]]


def take_test(user_id: int | None, course_id: int, phase: str, right: tuple[bool, ...], confidence: str = "3",
              now=None) -> int:
    """Take and hand in a course's pre- or post-test through the assessment services; returns the participant id.

    Call inside an app context; the caller commits.
    """
    point = assessment_queries.course_points(course_id)[phase]
    user = db.session.get(User, user_id)
    participant = assessments.participant_for_user(point, user)
    entry = assessments.start(point, participant, now=now)
    for response, is_right in zip(entry.attempt.responses, itertools.cycle(right)):
        quiz_attempts.save_answer(entry.attempt, response.id, answer_values(response.version, is_right), user, now=now)
    assessments.save_confidence(entry, {"demo.conf.boolean": confidence})
    assessments.submit(entry, user, now=now)
    return participant.id


@dataclass
class Seeded:
    user_id: int
    name: str
    email: str
    participant_ids: list[int] = field(default_factory=list)
    attempt_ids: list[int] = field(default_factory=list)
    session_id: int = 0


def seed_person(app, make, course_id: int, name: str, email: str, neutral, shared_session: Session) -> Seeded:
    """A learner who is also staff, with rows in every registered table through every link.

    Whatever they did as staff they did to rows about `neutral` (a third person) or to nothing personal, so a
    copy of their data can be checked for anybody else's.
    """
    person = make.user(email, name, roles=["learner", "librarian"])
    own_session = SessionFactory(app, make)(neutral, title=f"Searching clinic {next(_numbers)}")
    quiz = make.quiz()
    with app.app_context():
        now = utcnow()
        user = db.session.get(User, person.id)
        # Learning: both tests of the course, an enrolment, a module opened, extra time, a saved search.
        participant_id = take_test(user.id, course_id, "pre", (False, True))
        take_test(user.id, course_id, "post", (True, True))
        module = db.session.scalar(select(Module).where(Module.course_id == course_id).order_by(Module.position))
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
        enrolment.last_module_id = module.id
        db.session.add(ModuleProgress(module_id=module.id, user_id=user.id, first_viewed_at=now))
        db.session.add(QuizExtension(quiz_id=quiz.id, user_id=user.id, extra_minutes=15, granted_by_id=neutral.id))
        db.session.add(QuizExtension(quiz_id=quiz.id, user_id=neutral.id, extra_minutes=10, granted_by_id=user.id))
        db.session.add(SavedSearch(user_id=user.id, title="Falls in older people", question="Do exercise programmes "
                                   "prevent falls?", syntax="pubmed", plan=[{"name": "Falls", "terms": ["falls"]}],
                                   search="falls[tiab] AND exercise[tiab]", hits={"1": "120"}))
        # As staff: the quiz, its questions and versions, a marked answer in an anonymous attempt.
        db.session.get(Quiz, quiz.id).created_by_id = user.id
        for question in db.session.scalars(select(Question).join(QuizSlot, QuizSlot.question_id == Question.id)
                                           .where(QuizSlot.quiz_id == quiz.id)):
            question.created_by_id = user.id
            for version in question.versions:
                version.created_by_id = user.id
        anonymous = quiz_attempts.create_attempt(db.session.get(Quiz, quiz.id), None)
        marked = anonymous.responses[0]
        marked.marked_by_id, marked.marked_at, marked.answer = user.id, now, "An anonymous answer"
        # Sessions: a booking and feedback on the shared session; as staff, their own session and series.
        series = SessionSeries(frequency="weekly", created_by_id=user.id)
        db.session.add(series)
        db.session.flush()
        session = db.session.get(Session, own_session.id)
        session.created_by_id, session.series_id = user.id, series.id
        db.session.add(SessionFacilitator(session_id=session.id, user_id=user.id))
        db.session.add(Booking(session_id=shared_session.id, user_id=user.id, status="confirmed", position=next(_numbers),
                               attendance="attended"))
        db.session.add(Booking(session_id=session.id, user_id=neutral.id, status="confirmed", position=1,
                               added_by_id=user.id))
        db.session.add(SurveyResponse(session_id=shared_session.id, user_id=user.id, usefulness=4, confidence=4,
                                      would_recommend=True, comment="The Boolean exercise helped."))
        db.session.add(SurveyResponse(session_id=session.id, user_id=neutral.id, usefulness=2, confidence=3,
                                      would_recommend=False, comment="Too fast.", comment_hidden=True,
                                      comment_hidden_by_id=user.id))
        # Account things: a reset link, e-mail, a calendar feed, an API token, sign-ins in the audit log.
        db.session.add(PasswordResetToken(user_id=user.id, token_hash=f"{next(_numbers):064d}",
                                          expires_at=now + timedelta(hours=1)))
        db.session.add(OutboxMessage(user_id=user.id, to_address=user.email, subject="Your place is confirmed",
                                     body_text=f"Hello {user.name}, your place is confirmed."))
        db.session.add(OutboxMessage(to_address=user.email.upper(), subject="Welcome", body_text="Welcome aboard."))
        db.session.add(CalendarFeed(user_id=user.id, token_hash=f"f{next(_numbers):063d}"))
        db.session.add(ApiToken(user_id=user.id, name="Reference manager", token_hash=f"a{next(_numbers):063d}",
                                prefix="lit_abc"))
        # Single sign-on: an identity at a provider linked to the account, with the address it gave.
        db.session.add(LinkedIdentity(user_id=user.id, provider="uni", subject=f"sub-{user.id}", email=user.email,
                                      last_used_at=now))
        # A SAML sign-in answered by the identity provider and not yet finished in the browser.
        db.session.add(SamlRequest(id=f"id-request-{user.id}", provider="uni", user_id=user.id, answered_at=now,
                                   name_id=f"pairwise-{user.id}"))
        record_event("login.succeeded", user, "user", user.id, ip_address="192.0.2.10")
        # Requests and retention: a request about them; as staff, one they logged and completed, a review.
        today = date.today()
        db.session.add(PrivacyRequest(kind="access", user_id=user.id, received_on=today, due_on=today,
                                      logged_by_id=neutral.id))
        db.session.add(PrivacyRequest(kind="access", user_id=neutral.id, received_on=today, due_on=today,
                                      logged_by_id=user.id, completed_by_id=user.id, status="completed",
                                      completed_at=now))
        db.session.add(RetentionReview(as_of=now, items={}, applied={}, created_by_id=user.id,
                                       approved_by_id=user.id))
        # Authoring, as staff: a course they started, a draft file they saved, a version they published.
        source = CourseSource(course_slug=f"authored-{next(_numbers)}", origin="new", created_by_id=user.id,
                              upstream_base={})
        db.session.add(source)
        db.session.flush()
        db.session.add(SourceFile(source_id=source.id, path="course.yaml", sha256=store_blob(b"title: Ours\n"),
                                  updated_by_id=user.id))
        db.session.add(SourceVersion(source_id=source.id, number=1, files={}, note="First version",
                                     published_by_id=user.id))
        db.session.commit()
        participant_ids = db.session.scalars(select(Participant.id).where(Participant.user_id == user.id)).all()
        attempt_ids = db.session.scalars(select(Attempt.id).where(Attempt.user_id == user.id)).all()
        assert participant_id in participant_ids
        return Seeded(user.id, name, email, list(participant_ids), list(attempt_ids), session.id)


@pytest.fixture
def neutral(make):
    return make.user("neutral.third@example.org", "Nell Neutral", roles=["learner", "librarian", "admin"])


@pytest.fixture
def shared_session(app, make, neutral):
    return SessionFactory(app, make)(neutral, title="Finding the evidence")


@pytest.fixture
def two_people(app, make, course_id, neutral, shared_session):
    """(Ada, Brendan): the same kinds of data in every registered table."""
    ada = seed_person(app, make, course_id, "Ada Quillfeather", "ada.quill@example.org", neutral, shared_session)
    brendan = seed_person(app, make, course_id, "Brendan Oakhurst", "brendan.oak@example.org", neutral, shared_session)
    return ada, brendan

