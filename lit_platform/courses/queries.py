"""Read-only selects for courses."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from datetime import datetime

from flask import abort
from sqlalchemy import String, and_, bindparam, cast, func, or_, select, type_coerce
from sqlalchemy.orm import joinedload

from ..core.types import UTCDateTime

from ..accounts.models import User
from ..accounts.queries import unit_and_descendant_ids
from ..extensions import db
from .models import Course, Enrolment, Module, ModuleProgress


def catalogue(text: str = "", topic: str = "", audience: str = "", max_minutes: int = 0) -> list[Course]:
    query = select(Course).where(Course.is_retired.is_(False))
    if text:
        like = f"%{text.lower()}%"
        query = query.where(or_(func.lower(Course.title).like(like), func.lower(Course.summary).like(like)))
    if topic:
        query = query.where(cast(Course.topics, String).like(f'%"{topic}"%'))
    if audience:
        query = query.where(cast(Course.audience, String).like(f'%"{audience}"%'))
    if max_minutes:
        query = query.where(Course.minutes <= max_minutes)
    return list(db.session.scalars(query.order_by(Course.title)))


def catalogue_facets() -> tuple[list[str], list[str]]:
    courses = db.session.scalars(select(Course).where(Course.is_retired.is_(False))).all()
    return (sorted({t for c in courses for t in c.topics}), sorted({a for c in courses for a in c.audience}))


def course_by_slug(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug, Course.is_retired.is_(False)))
    if course is None:
        abort(404)
    return course


def module_by_slug(course: Course, slug: str) -> Module:
    module = next((m for m in course.active_modules if m.slug == slug), None)
    if module is None:
        abort(404)
    return module


def enrolment_of(course: Course, user) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id == user.id))


def completed_module_ids(course: Course, user) -> set[int]:
    return set(db.session.scalars(
        select(ModuleProgress.module_id).join(Module)
        .where(Module.course_id == course.id, ModuleProgress.user_id == user.id,
               ModuleProgress.completed_at.is_not(None))))


@dataclass
class CourseVisit:
    """Which version of a course is current, and the learner's enrolment and progress in it."""
    course_key: tuple[int, int, datetime]  # id, version, imported_at: see outline.py
    enrolled: bool = False
    pretest_done: bool = False
    last_module_id: int | None = None
    viewed: set[int] = field(default_factory=set)
    completed: dict[int, datetime] = field(default_factory=dict)

    def needs_recording(self, module_id: int) -> bool:
        """Whether opening the module changes anything (first visit, or a different module than last time)."""
        return not self.enrolled or self.last_module_id != module_id or module_id not in self.viewed


# Built once: building a statement with this many joins costs more than running it.
_COURSE_VISIT = (
    select(Course.id, Course.version, Course.imported_at, Enrolment.id.label("enrolment_id"),
           Enrolment.last_module_id, Enrolment.pretest_done_at, ModuleProgress.module_id, ModuleProgress.completed_at)
    .select_from(Course)
    .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("user_id")))
    .outerjoin(Module, and_(Module.course_id == Course.id, Module.is_retired.is_(False)))
    .outerjoin(ModuleProgress, and_(ModuleProgress.module_id == Module.id,
                                    ModuleProgress.user_id == bindparam("user_id")))
    .where(Course.slug == bindparam("slug"), Course.is_retired.is_(False))
)


def course_visit(slug: str, user) -> CourseVisit:
    """The published course's version and the user's progress in its modules, in one query; 404 if none."""
    rows = db.session.execute(_COURSE_VISIT, {"slug": slug, "user_id": user.id}).all()
    if not rows:
        abort(404)
    first = rows[0]
    visit = CourseVisit(course_key=(first.id, first.version, first.imported_at),
                        enrolled=first.enrolment_id is not None, last_module_id=first.last_module_id,
                        pretest_done=first.pretest_done_at is not None)
    for row in rows:
        if row.module_id is not None:
            visit.viewed.add(row.module_id)
            if row.completed_at is not None:
                visit.completed[row.module_id] = row.completed_at
    return visit


@cache
def _my_learning_query():
    """Built once with a bound user id: building the statement cost more than running it."""
    done = (select(func.count()).select_from(ModuleProgress).join(Module)
            .where(Module.course_id == Enrolment.course_id, ModuleProgress.user_id == Enrolment.user_id,
                   ModuleProgress.completed_at.is_not(None), Module.is_retired.is_(False))
            .correlate(Enrolment).scalar_subquery())
    total = (select(func.count()).select_from(Module)
             .where(Module.course_id == Enrolment.course_id, Module.is_retired.is_(False), Module.is_required.is_(True))
             .correlate(Enrolment).scalar_subquery())
    # Only the course columns the page shows: a course row also carries its description, reading and glossary.
    course = joinedload(Enrolment.course).load_only(Course.slug, Course.title, Course.assessment_key, Course.pretest,
                                                     Course.delayed_post_weeks)
    return (select(Enrolment, done, total).where(Enrolment.user_id == bindparam("user_id")).options(course)
            .order_by(Enrolment.completed_at.is_not(None), Enrolment.enrolled_at.desc()))


def my_learning(user) -> list[tuple[Enrolment, int, int]]:
    """The user's enrolments with (modules completed, required modules), in one query."""
    rows = db.session.execute(_my_learning_query(), {"user_id": user.id}).all()
    return [(enrolment, d, t) for enrolment, d, t in rows]


def learner_progress(course: Course, unit_id: int = 0) -> list[dict]:
    """One row per enrolled learner: modules completed, last activity, completion; aggregated in SQL."""
    done = func.count(ModuleProgress.completed_at)
    last = type_coerce(func.max(func.coalesce(ModuleProgress.completed_at, ModuleProgress.first_viewed_at)),
                       UTCDateTime())
    query = (
        select(User.id, User.name, User.email, User.org_unit_id, Enrolment.enrolled_at, Enrolment.completed_at,
               done.label("done"), last.label("last_activity"))
        .join(Enrolment, Enrolment.user_id == User.id)
        .outerjoin(Module, (Module.course_id == Enrolment.course_id) & Module.is_retired.is_(False))
        .outerjoin(ModuleProgress, (ModuleProgress.module_id == Module.id) & (ModuleProgress.user_id == User.id))
        .where(Enrolment.course_id == course.id)
        .group_by(User.id, User.name, User.email, User.org_unit_id, Enrolment.enrolled_at, Enrolment.completed_at)
        .order_by(User.name)
    )
    if unit_id:
        query = query.where(User.org_unit_id.in_(unit_and_descendant_ids(unit_id)))
    return [row._asdict() for row in db.session.execute(query)]
