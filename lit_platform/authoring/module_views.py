"""The module editor (text, preview, autosave, merging), images and the module's quiz, on the authoring blueprint."""
from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import FieldList, FormField

from ..core.markdown import render_document
from ..courses.importer import link_definitions
from ..extensions import db
from . import pages, services
from .forms import (AttachQuizForm, ImageForm, MergeForm, ModuleForm, QuizForm, SettingsForm, WriteQuizForm,
                    read_module)
from .models import CourseSource
from .views import COURSE, REFUSED, _draft_file, _source, authors_only, bp, carry_out

IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


# Module editor -----------------------------------------------------------------------------------

def preview_html(source: CourseSource, body: str) -> Markup:
    """The module body as learners will see it, with links pointing at the draft's files."""
    modules = set(services.draft(source))

    def rewrite(url: str) -> str:
        target, hash_sign, anchor = url.partition("#")
        if target in modules and target.endswith(".md"):
            return url_for("authoring.edit_module", slug=source.course_slug, path=target) + hash_sign + anchor
        if target.startswith("images/"):
            return url_for("authoring.draft_file", slug=source.course_slug, path=target)
        return url

    html, _ = render_document(body, rewrite)
    return Markup(link_definitions(html, source.course_slug))


def _module_file(source, path):
    if not path.endswith(".md") or "/" in path:
        abort(404)
    return _draft_file(source, path)


@bp.route(f"{COURSE}/modules/<path:path>", methods=["GET", "POST"])
@authors_only
def edit_module(slug, path):
    source = _source(slug)
    current = _module_file(source, path)
    form = ModuleForm()
    preview = None
    if request.method == "GET":
        form.load(current.text, current.revision)
    elif form.validate_on_submit():
        if form.preview.data:
            preview = preview_html(source, form.body.data)
        else:
            mine = form.file_text(current.text)
            try:
                services.save_file(source, path, mine, int(form.base_revision.data or 0), current_user)
            except services.EditConflict as conflict:
                return _merge_page(source, path, conflict.current_file, mine)
            except services.AuthoringError as error:
                form.body.errors.append(str(error))
            else:
                db.session.commit()
                flash("Draft saved.", "success")
                return redirect(url_for("authoring.edit_module", slug=slug, path=path))
    return _module_page(source, path, current, form, preview=preview)


def _module_page(source, path, current, form, status=200, attach_form=None, preview=None):
    quiz = read_module(current.text)[0].get("quiz")
    if attach_form is None:
        attach_form = AttachQuizForm(formdata=None)
    attach_form.quiz.choices = [(0, "Choose a quiz")] + [(q.id, q.title) for q in services.bank_quizzes()]
    return render_template("authoring/module.html", source=source, path=path, form=form, preview=preview,
                           quiz=quiz if isinstance(quiz, str) else None, write_quiz_form=WriteQuizForm(),
                           attach_form=attach_form), status


CONFLICT_MESSAGES = {
    ModuleForm: "Someone else saved this module while you were editing. Your text is still here and nothing was "
                "overwritten: choose “Compare and merge” to see both.",
    QuizForm: "Someone else saved this quiz while you were editing. Your text is still here and nothing was "
              "overwritten: choose “Compare and merge” to see both.",
    SettingsForm: "Someone else saved the settings while you were editing: yours were not saved and nothing was "
                  "overwritten. Copy what you changed, then reload the page to see theirs.",
}


def _autosaved_text(source, path):
    """(the posted form, the file text it makes, the draft file) for a module, a quiz file or course.yaml."""
    if path == "course.yaml":
        current, form = _draft_file(source, path), SettingsForm()
        return form, (lambda: form.file_text(current.text)), current
    if path.startswith("quizzes/") and path.endswith(".yaml"):
        current, form = _draft_file(source, path), QuizForm()
        return form, (lambda: form.text.data), current
    current, form = _module_file(source, path), ModuleForm()
    return form, (lambda: form.file_text(current.text)), current


@bp.route(f"{COURSE}/autosave/<path:path>", methods=["POST"])
@authors_only
def autosave(slug, path):
    """Save an editor's fields (sent by fetch as the author types, and when the tab closes): a module, a quiz
    file or the course settings. 409 when someone else saved since `base_revision`; 400 with the reason when
    the fields cannot be saved as they are."""
    source = _source(slug)
    form, text, current = _autosaved_text(source, path)
    if not form.validate_on_submit():
        return jsonify(saved=False, message="Not saved: " + " ".join(_messages(form))), 400
    try:
        saved = services.save_file(source, path, text(), int(form.base_revision.data or 0), current_user)
    except services.EditConflict as conflict:
        return jsonify(saved=False, revision=conflict.current_file.revision,
                       message=CONFLICT_MESSAGES[type(form)]), 409
    except services.AuthoringError as error:
        return jsonify(saved=False, message=f"Not saved: {error}. Copy your text before leaving this page."), 400
    db.session.commit()
    message = "Draft saved."
    if isinstance(form, QuizForm) and (problems := pages.check_quiz(path, form.text.data).problems):
        message = (f"Draft saved, with {len(problems)} problem{'s' if len(problems) != 1 else ''}: "
                   "the course cannot be published until they are fixed (save to see them).")
    return jsonify(saved=True, revision=getattr(saved, "revision", current.revision), message=message)


def _messages(form) -> list[str]:
    """A form's error messages in field order, those of nested forms (the settings' outcome rows) included.
    Read from the fields: a form's `errors` does not show messages its `validate` added after the fields ran."""
    messages = []
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                messages += _messages(entry.form) if isinstance(entry, FormField) else entry.errors
        else:
            messages += field.errors
    return messages


@bp.route(f"{COURSE}/preview", methods=["POST"])
@authors_only
def preview(slug):
    """The live preview: the posted Markdown rendered as learners see it (an HTML fragment)."""
    source = _source(slug)
    body = request.form.get("body", "")
    if len(body) > 200_000:
        abort(413)
    return Response(str(preview_html(source, body)), mimetype="text/html")


def _merge_page(source, path, theirs, mine):
    form = MergeForm(formdata=None)
    form.base_revision.data = str(theirs.revision)
    form.mine.data = mine
    form.combined.data = mine
    return render_template("authoring/merge.html", source=source, path=path, form=form, theirs=theirs.text), 409


@bp.route(f"{COURSE}/merge/<path:path>", methods=["POST"])
@authors_only
def merge(slug, path):
    """Settle a conflict: keep my text, take theirs, or save a combined text."""
    source = _source(slug)
    current = _draft_file(source, path)
    form = MergeForm()
    if not form.validate_on_submit():
        return render_template("authoring/merge.html", source=source, path=path, form=form,
                               theirs=current.text), 400
    if form.choice.data != "theirs":
        text = form.mine.data if form.choice.data == "mine" else form.combined.data
        try:
            services.save_file(source, path, text, int(form.base_revision.data or 0), current_user)
        except services.EditConflict as conflict:
            return _merge_page(source, path, conflict.current_file, text)
        except services.AuthoringError as error:
            form.choice.errors.append(str(error))
            return render_template("authoring/merge.html", source=source, path=path, form=form,
                                   theirs=current.text), 400
        db.session.commit()
    flash("Their version kept; your changes were dropped." if form.choice.data == "theirs" else "Draft saved.",
          "success")
    endpoint = "authoring.edit_module" if path.endswith(".md") else "authoring.edit_quiz"
    return redirect(url_for(endpoint, slug=slug, path=path))


# Images and quizzes ------------------------------------------------------------------------------

@bp.route(f"{COURSE}/images", methods=["GET", "POST"])
@authors_only
def images(slug):
    source = _source(slug)
    form = ImageForm()
    snippet = None
    if form.validate_on_submit() and (saved := carry_out(lambda: services.save_image(
            source, form.file.data.filename, form.file.data.read(), form.alt.data, current_user), form.file)) \
            is not REFUSED:
        snippet = saved
        flash("Image uploaded. Copy the Markdown below into a module where it belongs.", "success")
    paths = [path for path in services.draft(source) if path.startswith("images/")]
    return render_template("authoring/images.html", source=source, form=form, snippet=snippet, paths=paths), \
        400 if form.errors else 200


@bp.route(f"{COURSE}/files/<path:path>")
@authors_only
def draft_file(slug, path):
    """An image of the draft, for the preview."""
    source = _source(slug)
    suffix = PurePosixPath(path).suffix.lower()
    if not path.startswith("images/") or suffix not in IMAGE_TYPES:
        abort(404)
    content = _draft_file(source, path).content
    mimetype = "image/svg+xml" if suffix == ".svg" else mimetypes.types_map.get(suffix, "application/octet-stream")
    return Response(content, mimetype=mimetype, headers={"Content-Security-Policy": "default-src 'none'; "
                                                                                          "style-src 'unsafe-inline'"})


@bp.route(f"{COURSE}/quizzes/<path:path>", methods=["GET", "POST"])
@authors_only
def edit_quiz(slug, path):
    """The quiz file as YAML. A file with problems is saved in the draft all the same (as autosave does, so no
    work is lost) and shown with its problems; publishing refuses the course until they are fixed."""
    source = _source(slug)
    if not path.startswith("quizzes/") or not path.endswith(".yaml"):
        abort(404)
    current = _draft_file(source, path)
    form = QuizForm()
    if request.method == "GET":
        form.text.data, form.base_revision.data = current.text, str(current.revision)
    elif form.validate_on_submit():
        try:
            services.save_file(source, path, form.text.data, int(form.base_revision.data or 0), current_user)
        except services.EditConflict as conflict:
            return _merge_page(source, path, conflict.current_file, form.text.data)
        except services.AuthoringError as error:
            form.text.errors.append(str(error))
        else:
            db.session.commit()
            problems = pages.check_quiz(path, form.text.data).problems
            if problems:
                flash(f"Quiz saved in the draft with {len(problems)} problem{'s' if len(problems) != 1 else ''}: "
                      "the course cannot be published until they are fixed.", "error")
            else:
                flash("Quiz saved in the draft.", "success")
            return redirect(url_for("authoring.edit_quiz", slug=slug, path=path))
    check = pages.check_quiz(path, form.text.data or "")
    return render_template("authoring/quiz.html", source=source, path=path, form=form, check=check), \
        400 if form.errors else 200


@bp.route(f"{COURSE}/modules/<path:path>/quiz", methods=["POST"])
@authors_only
def write_quiz(slug, path):
    """A new quiz for the module, from a skeleton, opened in the quiz editor."""
    source = _source(slug)
    _module_file(source, path)
    if WriteQuizForm().validate_on_submit() and (
            quiz_path := carry_out(lambda: services.write_new_quiz(source, path, current_user))) is not REFUSED:
        flash("Quiz written in the draft: replace the example question with your own.", "success")
        return redirect(url_for("authoring.edit_quiz", slug=slug, path=quiz_path))
    return redirect(url_for("authoring.edit_module", slug=slug, path=path))


@bp.route(f"{COURSE}/modules/<path:path>/bank-quiz", methods=["POST"])
@authors_only
def attach_quiz(slug, path):
    """A published quiz of the question bank copied into the draft as the module's quiz file."""
    source = _source(slug)
    current = _module_file(source, path)
    form = AttachQuizForm()
    form.quiz.choices = [(0, "Choose a quiz")] + [(q.id, q.title) for q in services.bank_quizzes()]
    if form.validate_on_submit() and (quiz_path := carry_out(
            lambda: services.attach_bank_quiz(source, path, form.quiz.data, current_user), form.quiz)) is not REFUSED:
        flash("Quiz attached: its questions are now part of this course's draft.", "success")
        return redirect(url_for("authoring.edit_quiz", slug=slug, path=quiz_path))
    module_form = ModuleForm(formdata=None)
    module_form.load(current.text, current.revision)
    return _module_page(source, path, current, module_form, status=400, attach_form=form)
