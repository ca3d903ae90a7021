"""The course catalogue, course and module pages, progress, certificates."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user

from .. import throttles
from ..assessments import queries as assessment_queries
from ..accounts.models import Role
from ..accounts.queries import org_units_in_order
from ..accounts.services import visitors_may_browse
from ..core.database import start_write_transaction
from ..core.exports import csv_response, download, html_to_pdf
from ..core.types import utcnow
from ..extensions import db
from ..quizzes.queries import quiz_for_learner
from ..security import login_required, public, public_when, roles_required
from . import queries, services
from .files import file_from_sources
from .importer import COURSES_URL
from .loader import SLUG
from .models import Module
from .outline import course_outline

bp = Blueprint("courses", __name__)
IMAGE_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif"}
#: an SVG opened at its own URL is a document: nothing in it may run or load anything
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


#: the catalogue and course pages: open to visitors unless an administrator asks them to sign in first
browsable = public_when(visitors_may_browse)


@bp.route(COURSES_URL)
@browsable
def catalogue():
    args = request.args
    courses = queries.catalogue(args.get("q", "").strip()[:100], args.get("topic", ""), args.get("audience", ""),
                                args.get("length", 0, type=int))
    topics, audiences = queries.catalogue_facets()
    return render_template("courses/catalogue.html", courses=courses, topics=topics, audiences=audiences, args=args)


@bp.route(f"{COURSES_URL}/<slug>")
@browsable
def course(slug):
    course = queries.course_by_slug(slug)
    if not current_user.is_authenticated:
        return render_template("courses/course.html", course=course, enrolment=None, done=set())
    return render_template("courses/course.html", course=course, enrolment=queries.enrolment_of(course, current_user),
                           done=queries.completed_module_ids(course, current_user))


@bp.route(f"{COURSES_URL}/<slug>/glossary")
@browsable
def glossary(slug):
    course = queries.course_by_slug(slug)
    if not course.glossary:
        abort(404)
    return render_template("courses/glossary.html", course=course,
                           modules={m.slug: m for m in course.active_modules})


@bp.route(f"{COURSES_URL}/<slug>/start", methods=["POST"])
@login_required
def start(slug):
    course = queries.course_by_slug(slug)
    enrolment = services.enrol(course, current_user)
    db.session.commit()
    if course.asks_pretest and enrolment.pretest_done_at is None:
        return redirect(url_for("assessments.course_test", slug=slug, phase="pre"))
    module = enrolment.last_module if enrolment.last_module and not enrolment.last_module.is_retired else None
    module = module or course.active_modules[0]
    return redirect(url_for("courses.module", slug=course.slug, module_slug=module.slug))


@bp.route(f"{COURSES_URL}/<slug>/<module_slug>")
@login_required
def module(slug, module_slug):
    visits = queries.course_visit(slug, current_user)
    course = course_outline(visits.course_key)
    module = course.module(module_slug)
    if course.asks_pretest and not visits.pretest_done:
        return redirect(url_for("assessments.course_test", slug=slug, phase="pre"))
    if visits.needs_recording(module.id):
        start_write_transaction()
        services.open_module(db.session.get(Module, module.id), current_user)
        db.session.commit()
    previous, next_module = course.neighbours(module)
    quiz = quiz_for_learner(module.quiz_id, current_user) if module.quiz_id else None
    completed_at = visits.completed.get(module.id)
    blocker = None if completed_at or quiz is None else services.completion_blocker(quiz, current_user, quiz.passed)
    return render_template("courses/module.html", course=course, module=module,
                           completed_at=completed_at, done=set(visits.completed), quiz=quiz,
                           last_attempt=quiz.last_attempt if quiz else None, blocker=blocker,
                           previous=previous, next=next_module)


@bp.route(f"{COURSES_URL}/<slug>/<module_slug>/complete", methods=["POST"])
@login_required
def complete(slug, module_slug):
    course = queries.course_by_slug(slug)
    module = queries.module_by_slug(course, module_slug)
    try:
        enrolment = services.complete_module(module, current_user)
    except services.CourseError as error:
        flash(str(error), "error")
        return redirect(url_for("courses.module", slug=slug, module_slug=module_slug, _anchor="complete"))
    db.session.commit()
    if enrolment.completed_at:
        flash(f"You have completed {course.title}. Your certificate is ready.", "success")
        return redirect(url_for("courses.course", slug=slug))
    flash(f"“{module.title}” marked complete.", "success")
    modules = course.active_modules
    index = modules.index(module)
    if index + 1 < len(modules):
        return redirect(url_for("courses.module", slug=slug, module_slug=modules[index + 1].slug))
    return redirect(url_for("courses.course", slug=slug))


@bp.route(f"{COURSES_URL}/<slug>/files/<path:filename>")
@public
def course_file(slug, filename):
    """Course images (only images/, only image types): from the course's folder, or from another file source."""
    root = Path(current_app.config["LIT_COURSES_PATH"]).resolve() / slug
    # A course slug, never "." or ".." (which would reach the folders around the course folders).
    if not SLUG.match(slug) or not filename.startswith("images/") \
            or Path(filename).suffix.lower() not in IMAGE_SUFFIXES:
        abort(404)
    if not (root / "course.yaml").is_file():
        content = file_from_sources(slug, filename)
        if content is not None:
            response = current_app.response_class(content, mimetype=mimetypes.guess_type(filename)[0])
            response.headers["Content-Security-Policy"] = IMAGE_POLICY
            response.cache_control.public, response.cache_control.max_age = True, 300
            return response
    return send_from_directory(root, filename, max_age=3600)


@bp.route("/learning")
@login_required
def my_learning():
    return render_template("courses/my_learning.html", rows=queries.my_learning(current_user), now=utcnow(),
                           tests=assessment_queries.tests_taken(current_user))


def _completed_enrolment(slug):
    course = queries.course_by_slug(slug)
    enrolment = queries.enrolment_of(course, current_user)
    if enrolment is None or enrolment.completed_at is None:
        abort(404)
    return course, enrolment


@bp.route(f"{COURSES_URL}/<slug>/certificate")
@login_required
def certificate(slug):
    course, enrolment = _completed_enrolment(slug)
    return render_template("courses/certificate.html", course=course, enrolment=enrolment, for_pdf=False)


@bp.route(f"{COURSES_URL}/<slug>/certificate.pdf")
@throttles.export
@login_required
def certificate_pdf(slug):
    course, enrolment = _completed_enrolment(slug)
    html = render_template("courses/certificate.html", course=course, enrolment=enrolment, for_pdf=True)
    return download(html_to_pdf(html), f"certificate-{course.slug}.pdf", "application/pdf")


@bp.route(f"{COURSES_URL}/<slug>/progress")
@roles_required(Role.LIBRARIAN, Role.MANAGER, Role.ADMIN)
def progress(slug):
    course = queries.course_by_slug(slug)
    unit_id = request.args.get("unit", 0, type=int)
    rows = queries.learner_progress(course, unit_id)
    required = sum(1 for m in course.active_modules if m.is_required)
    if request.args.get("format") == "csv":
        return csv_response(
            ["name", "email", "enrolled", "modules_completed", "modules_required", "completed", "last_activity"],
            ([r["name"], r["email"], r["enrolled_at"].isoformat(), r["done"], required,
              r["completed_at"].isoformat() if r["completed_at"] else "",
              r["last_activity"].isoformat() if r["last_activity"] else ""] for r in rows),
            f"progress-{course.slug}.csv")
    return render_template("courses/progress.html", course=course, rows=rows, required=required,
                           units=org_units_in_order(), unit_id=unit_id)
