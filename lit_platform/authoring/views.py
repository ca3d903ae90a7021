"""Authoring courses in the browser: the course editor, publishing, versions, copies, zips and upstream merges.

The module, quiz and image editors are in module_views.py, on the same blueprint."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..extensions import db
from ..security import roles_required
from . import pages, services
from .forms import AddModuleForm, CopyForm, NewCourseForm, PublishForm, SettingsForm, UploadForm, UpstreamForm
from .models import CourseSource

bp = Blueprint("authoring", __name__, url_prefix="/authoring")
authors_only = roles_required(Role.AUTHOR, Role.ADMIN)
COURSE = "/courses/<slug>"


_source = pages.source_or_404


def _draft_file(source: CourseSource, path: str):
    found = services.draft(source).get(path)
    if found is None:
        abort(404)
    return found


def _refused(error) -> None:
    flash(str(getattr(error, "message", None) or error), "error")


#: what carry_out returns when the service refused
REFUSED = object()


def carry_out(call, field=None):
    """Run a service call and commit what it did. When the service refuses (AuthoringError), nothing is committed
    and the reason goes beside `field`, or is flashed when there is no field to put it by; returns REFUSED then.
    (Saving a file, which can end in a merge page, and publishing, which can end in a page of problems, handle
    their refusals themselves.)"""
    try:
        result = call()
    except services.AuthoringError as error:
        if field is None:
            _refused(error)
        else:
            field.errors.append(str(error))
        return REFUSED
    db.session.commit()
    return result


# Index, new courses, copies and uploads ----------------------------------------------------------

@bp.route("/")
@authors_only
def index():
    return render_template("authoring/index.html", **pages.overview(), copy_form=CopyForm(),
                           upload_form=UploadForm())


@bp.route("/new", methods=["GET", "POST"])
@authors_only
def new_course():
    form = NewCourseForm()
    if form.validate_on_submit() and (source := carry_out(
            lambda: services.new_course(form.slug.data, form.title.data, current_user), form.slug)) is not REFUSED:
        flash("Course created as a draft.", "success")
        return redirect(url_for("authoring.course", slug=source.course_slug))
    return render_template("authoring/new.html", form=form)


@bp.route("/copy", methods=["POST"])
@authors_only
def copy():
    form = CopyForm()
    if form.validate_on_submit() and (source := carry_out(lambda: services.make_local_copy(
            form.shipped.data, form.slug.data, form.title.data, current_user), form.slug)) is not REFUSED:
        flash("Local copy made. Learners see it once you publish it.", "success")
        return redirect(url_for("authoring.course", slug=source.course_slug))
    return render_template("authoring/index.html", **pages.overview(), copy_form=form,
                           upload_form=UploadForm(), failed_copy=form.shipped.data), 400


@bp.route("/upload", methods=["POST"])
@authors_only
def upload():
    form = UploadForm()
    if form.validate_on_submit() and (uploaded := carry_out(
            lambda: services.import_zip(form.file.data.read(), current_user), form.file)) is not REFUSED:
        source, changed = uploaded
        flash(f"Uploaded: {changed} file(s) of the draft changed." if changed
              else "Uploaded: nothing had changed.", "success")
        return redirect(url_for("authoring.course", slug=source.course_slug))
    return render_template("authoring/index.html", **pages.overview(), copy_form=CopyForm(),
                           upload_form=form), 400


# The course page ---------------------------------------------------------------------------------

def _course_page(source, status=200, **forms):
    forms.setdefault("publish_form", PublishForm())
    forms.setdefault("module_form", AddModuleForm())
    if "settings_form" not in forms:
        course_file = _draft_file(source, "course.yaml")
        forms["settings_form"] = SettingsForm(formdata=None)
        forms["settings_form"].load(course_file.text, course_file.revision)
    return render_template("authoring/course.html", source=source, page=pages.course_page(
        source, services.upstream_changes(source) if source.upstream_slug else []),
                           upstream_form=UpstreamForm(formdata=None), **forms), status


@bp.route(COURSE)
@authors_only
def course(slug):
    return _course_page(_source(slug))


@bp.route(f"{COURSE}/settings", methods=["POST"])
@authors_only
def settings(slug):
    source = _source(slug)
    form = SettingsForm()
    course_file = _draft_file(source, "course.yaml")
    if form.validate_on_submit():
        try:
            services.save_file(source, "course.yaml", form.file_text(course_file.text),
                               int(form.base_revision.data or 0), current_user)
        except services.EditConflict:
            form.title.errors.append("Someone else saved the settings since you opened this page: your changes "
                                     "were not saved. Reload the page to see theirs.")
        except services.AuthoringError as error:
            form.title.errors.append(str(error))
        else:
            db.session.commit()
            flash("Settings saved in the draft.", "success")
            return redirect(url_for("authoring.course", slug=slug))
    return _course_page(source, 400, settings_form=form)


@bp.route(f"{COURSE}/modules", methods=["POST"])
@authors_only
def add_module(slug):
    source = _source(slug)
    form = AddModuleForm()
    if form.validate_on_submit() and (path := carry_out(
            lambda: services.add_module(source, form.module_title.data, current_user), form.module_title)) \
            is not REFUSED:
        flash("Module added.", "success")
        return redirect(url_for("authoring.edit_module", slug=slug, path=path))
    return _course_page(source, 400, module_form=form)


@bp.route(f"{COURSE}/modules/<path:path>/move", methods=["POST"])
@authors_only
def move_module(slug, path):
    source = _source(slug)
    _draft_file(source, path)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    if carry_out(lambda: services.move_module(source, path, direction, current_user)) is not REFUSED:
        flash(f"Module moved {direction}.", "success")
    return redirect(url_for("authoring.course", slug=slug) + "#modules")


@bp.route(f"{COURSE}/modules/<path:path>/retire", methods=["POST"])
@authors_only
def retire_module(slug, path):
    source = _source(slug)
    _draft_file(source, path)
    if carry_out(lambda: services.retire_module(source, path, current_user)) is not REFUSED:
        flash("Module retired from the draft. Learners keep their progress; publish to take it out of the course.",
              "success")
    return redirect(url_for("authoring.course", slug=slug) + "#modules")


@bp.route(f"{COURSE}/publish", methods=["POST"])
@authors_only
def publish(slug):
    source = _source(slug)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            version = services.publish(source, form.note.data, current_user)
        except services.PublishProblems as error:
            return render_template("authoring/problems.html", source=source, problems=error.problems), 400
        number = version.number if version else None
        db.session.commit()
        flash(f"Published as version {number}." if number else "Nothing had changed since the last "
              "version: nothing was published.", "success")
        return redirect(url_for("authoring.course", slug=slug))
    return _course_page(source, 400, publish_form=form)


@bp.route(f"{COURSE}/discard", methods=["POST"])
@authors_only
def discard(slug):
    """Put the draft back to the published version."""
    source = _source(slug)
    if (changed := carry_out(lambda: services.discard_draft(source, current_user))) is not REFUSED:
        flash(f"Draft changes discarded ({changed} file(s)): the draft is the published version again.", "success")
    return redirect(url_for("authoring.course", slug=slug))


@bp.route(f"{COURSE}/versions/<int:number>")
@authors_only
def version(slug, number):
    source = _source(slug)
    against = request.args.get("against", number - 1, type=int)
    try:
        diffs = services.version_diff(source, against, number)
    except services.AuthoringError:
        abort(404)
    return render_template("authoring/diff.html", source=source, diffs=diffs,
                           heading=f"Version {number} compared with version {against}" if against
                           else f"Version {number}", number=number,
                           latest=source.versions[-1].number if source.versions else None)


@bp.route(f"{COURSE}/changes")
@authors_only
def changes(slug):
    source = _source(slug)
    return render_template("authoring/diff.html", source=source, diffs=services.draft_diff(source),
                           heading="Draft compared with the published version", number=None, latest=None)


@bp.route(f"{COURSE}/versions/<int:number>/rollback", methods=["POST"])
@authors_only
def rollback(slug, number):
    source = _source(slug)
    if (version := carry_out(lambda: services.rollback(source, number, current_user))) is not REFUSED:
        flash(f"Version {number} is published again, as version {version.number}.", "success")
    return redirect(url_for("authoring.course", slug=slug) + "#versions")


@bp.route(f"{COURSE}/download")
@authors_only
def download(slug):
    which = "draft" if request.args.get("which") == "draft" else "published"
    try:
        data = services.export_zip(slug, which)
    except services.AuthoringError:
        abort(404)
    name = f"{slug}-draft.zip" if which == "draft" else f"{slug}.zip"
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route(f"{COURSE}/upstream/<path:path>", methods=["POST"])
@authors_only
def merge_upstream(slug, path):
    source = _source(slug)
    form = UpstreamForm()
    if not form.validate_on_submit():
        flash("Choose which version to keep.", "error")
    elif carry_out(lambda: services.merge_upstream(source, path, form.take.data, current_user)) is not REFUSED:
        flash(f"{path}: {'took the shipped version' if form.take.data == 'theirs' else 'kept ours'}.", "success")
    return redirect(url_for("authoring.course", slug=slug) + "#upstream")


from . import module_views  # noqa: E402,F401  (the module, quiz and image editors, on this blueprint)
