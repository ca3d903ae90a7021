"""Learners' progress through courses."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..audit import record_event
from ..core.types import utcnow
from ..extensions import db
from ..quizzes.queries import has_passed
from .models import Course, Enrolment, Module, ModuleProgress


class CourseError(ValueError):
    """A step the learner cannot take yet, with a message saying what to do."""


def enrol(course: Course, user, now: datetime | None = None) -> Enrolment:
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.course_id == course.id,
                                                          Enrolment.user_id == user.id))
    if enrolment is None:
        enrolment = Enrolment(course_id=course.id, user_id=user.id, enrolled_at=now or utcnow())
        db.session.add(enrolment)
        db.session.flush()
        record_event("course.enrolled", user, "course", course.id)
    return enrolment


def progress_for(module: Module, user) -> ModuleProgress | None:
    return db.session.scalar(select(ModuleProgress).where(ModuleProgress.module_id == module.id,
                                                          ModuleProgress.user_id == user.id))


def needs_recording(module: Module, user) -> bool:
    """Whether opening the module changes anything (first visit, or a different module than last time)."""
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.course_id == module.course_id,
                                                          Enrolment.user_id == user.id))
    return enrolment is None or enrolment.last_module_id != module.id or progress_for(module, user) is None


def open_module(module: Module, user, now: datetime | None = None) -> ModuleProgress:
    """Record that the learner opened the module, so they can resume there."""
    enrolment = enrol(module.course, user, now)
    enrolment.last_module_id = module.id
    progress = progress_for(module, user)
    if progress is None:
        progress = ModuleProgress(module_id=module.id, user_id=user.id, first_viewed_at=now or utcnow())
        db.session.add(progress)
        db.session.flush()
    return progress


def completion_blocker(quiz, user, passed: bool | None = None) -> str | None:
    """What the learner must still do before a module with this quiz can be marked complete, or None if
    nothing. `quiz` is the module's quiz (or a row with its id, title and pass_mark), None when it has none;
    `passed` is has_passed(quiz, user) where the caller has read it already.
    The module page shows the button by this rule and complete_module refuses by it."""
    if quiz is None or (has_passed(quiz, user) if passed is None else passed):
        return None
    if quiz.pass_mark is not None:
        return f"Pass the quiz “{quiz.title}” ({quiz.pass_mark:g}% or more) to complete this module."
    return f"Take the quiz “{quiz.title}” to complete this module."


def complete_module(module: Module, user, now: datetime | None = None) -> Enrolment:
    """Mark a module done; its quiz must be taken (and passed, if it has a pass mark) first."""
    now = now or utcnow()
    blocker = completion_blocker(module.quiz, user)
    if blocker:
        raise CourseError(blocker)
    progress = open_module(module, user, now)
    if progress.completed_at is None:
        progress.completed_at = now
    enrolment = enrol(module.course, user, now)
    update_completion(enrolment, now)
    return enrolment


def update_completion(enrolment: Enrolment, now: datetime | None = None) -> bool:
    """Complete the course when every required module is complete."""
    required = [m.id for m in enrolment.course.active_modules if m.is_required]
    done = set(db.session.scalars(select(ModuleProgress.module_id).where(
        ModuleProgress.user_id == enrolment.user_id, ModuleProgress.module_id.in_(required),
        ModuleProgress.completed_at.is_not(None))))
    if enrolment.completed_at is None and required and set(required) <= done:
        enrolment.completed_at = now or utcnow()
        record_event("course.completed", enrolment.user_id, "course", enrolment.course_id)
        return True
    return False
