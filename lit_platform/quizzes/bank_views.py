"""The question bank and quiz management, for librarians."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Response as HttpResponse, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import throttles
from ..accounts.models import Role
from ..accounts.services import find_user_by_email
from ..extensions import db
from ..security import get_or_404, roles_required
from . import attempts, gift_io, lint, queries, services
from .forms import (QUESTION_FORMS, AddQuestionForm, CategoryForm, ExtensionForm, GiftImportForm, MarkForm, MoveForm,
                    QuizSettingsForm, RandomRuleForm)
from .models import Question, QuestionCategory, Quiz, Response
from .overdue import close_overdue_attempts, has_overdue_attempts
from .types import REGISTRY, get_type

bp = Blueprint("bank", __name__, url_prefix="/bank")
staff_only = roles_required(Role.LIBRARIAN, Role.ADMIN)
#: control characters that never occur in a text file (tab, line breaks and form feed do)
_BINARY_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _category_choices(blank: str | None = None):
    """Category options; with no categories yet, 0 stands for a Default category made on saving."""
    from ..admin.forms import choices

    pairs = [(c.id, c.path) for c in queries.categories_in_order()]
    if not pairs and not blank:
        return choices([(0, "Default")])
    return choices(([(0, blank)] if blank else []) + pairs)


def _chosen_category(category_id: int) -> QuestionCategory:
    return db.session.get(QuestionCategory, category_id) if category_id else services.find_or_create_category("Default")


def _to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(ZoneInfo(current_app.config["LIT_TIMEZONE"])).replace(tzinfo=None)


def _to_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(current_app.config["LIT_TIMEZONE"])).astimezone(timezone.utc)


# Questions -----------------------------------------------------------------------------------

@bp.route("/")
@staff_only
def index():
    args = request.args
    pagination = queries.search_questions(args.get("q", "").strip()[:100], args.get("category", 0, type=int),
                                          args.get("tag", "").strip(), args.get("type", ""),
                                          args.get("retired") == "1", args.get("page", 1, type=int))
    filters = {k: v for k, v in args.items() if k != "page"}
    findings = {q.id: lint.lint_item(lint.item_from_version(q.key, q.current)) for q in pagination.items if q.current}
    return render_template("bank/index.html", pagination=pagination, categories=queries.categories_in_order(),
                           tags=queries.all_tags(), types=REGISTRY, args=args, filters=filters, findings=findings)


@bp.route("/questions/new/<qtype>", methods=["GET", "POST"])
@staff_only
def new_question(qtype):
    if qtype not in QUESTION_FORMS:
        abort(404)
    form = QUESTION_FORMS[qtype]()
    form.category.choices = _category_choices()
    return _save_question_form(form, services.new_question_key(), "bank/question_form.html", is_new=True)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_question(question_id):
    question = get_or_404(Question, question_id)
    version = question.current
    form = QUESTION_FORMS[version.type]()
    form.category.choices = _category_choices()
    if request.method == "GET":
        for name in ("title", "stem", "general_feedback", "feedback_correct", "feedback_partial", "feedback_incorrect",
                     "outcome"):
            getattr(form, name).data = getattr(version, name)
        form.points.data = version.points
        form.tags.data = ", ".join(question.tags)
        form.category.data = question.category_id
        form.load_spec(version.spec)
    return _save_question_form(form, question.key, "bank/question_form.html", question=question)


def _save_question_form(form, key, template, question=None, is_new=False):
    problems = []
    if form.validate_on_submit():
        data = form.question_data()
        problems = getattr(form, "reading_problems", []) + data.problems()
        if not problems:
            category = _chosen_category(form.category.data)
            saved, changed = services.save_question(key, category, data, current_user)
            db.session.commit()
            flash("Question saved." if is_new else (f"Saved as version {saved.current.number}." if changed
                                                    else "Nothing had changed."), "success")
            return redirect(url_for("bank.question", question_id=saved.id))
    elif request.method == "GET" and is_new:
        form.load_spec(_blank_spec(form.qtype))
    return render_template(template, form=form, question=question, problems=problems,
                           qtype=get_type(form.qtype))


def _blank_spec(qtype: str) -> dict:
    return {"single_choice": {"choices": []}, "multiple_response": {"choices": []}, "true_false": {"answer": True},
            "short_answer": {"answers": []}, "numerical": {"answers": []}, "matching": {"pairs": []},
            "ordering": {"items": []}, "essay": {}, "description": {}}.get(qtype, {})


@bp.route("/questions/<int:question_id>")
@staff_only
def question(question_id):
    question = get_or_404(Question, question_id)
    move_form = MoveForm(data={"category": question.category_id})
    move_form.category.choices = _category_choices()
    return render_template("bank/question.html", question=question, version=question.current, move_form=move_form,
                           get_type=get_type, findings=lint.lint_item(lint.item_from_version(question.key,
                                                                                             question.current)))


@bp.route("/questions/<int:question_id>/versions/<int:number>")
@staff_only
def question_version(question_id, number):
    question = get_or_404(Question, question_id)
    version = next((v for v in question.versions if v.number == number), None) or abort(404)
    return render_template("bank/question.html", question=question, version=version, move_form=None,
                           get_type=get_type, findings=lint.lint_item(lint.item_from_version(question.key, version)))


@bp.route("/questions/<int:question_id>/duplicate", methods=["POST"])
@staff_only
def duplicate_question(question_id):
    copy = services.duplicate_question(get_or_404(Question, question_id), current_user)
    db.session.commit()
    flash("A copy has been made; edit it here.", "success")
    return redirect(url_for("bank.edit_question", question_id=copy.id))


@bp.route("/questions/<int:question_id>/move", methods=["POST"])
@staff_only
def move_question(question_id):
    question = get_or_404(Question, question_id)
    form = MoveForm()
    form.category.choices = _category_choices()
    if form.validate_on_submit():
        services.move_question(question, db.session.get(QuestionCategory, form.category.data), current_user)
        db.session.commit()
        flash(f"Moved to {question.category.path}.", "success")
    return redirect(url_for("bank.question", question_id=question.id))


@bp.route("/questions/<int:question_id>/retire", methods=["POST"])
@staff_only
def retire_question(question_id):
    question = get_or_404(Question, question_id)
    services.set_retired(question, not question.is_retired, current_user)
    db.session.commit()
    flash("Retired: it stays in past attempts but is not drawn into new ones." if question.is_retired
          else "Restored.", "success")
    return redirect(url_for("bank.question", question_id=question.id))


@bp.route("/categories", methods=["GET", "POST"])
@staff_only
def categories():
    form = CategoryForm()
    form.parent.choices = _category_choices("Top level")
    if form.validate_on_submit():
        parent = db.session.get(QuestionCategory, form.parent.data) if form.parent.data else None
        try:
            category = services.create_category(form.name.data, parent, current_user)
        except services.BankError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Category {category.path} added.", "success")
            return redirect(url_for("bank.categories"))
    return render_template("bank/categories.html", form=form, categories=queries.categories_in_order())


# GIFT ----------------------------------------------------------------------------------------

@bp.route("/gift/import", methods=["GET", "POST"])
@staff_only
def gift_import():
    form = GiftImportForm()
    form.category.choices = _category_choices()
    result = None
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        # Bytes that are valid UTF-8 can still be a binary file (a stored zip, NUL padding): NUL cannot be
        # stored on PostgreSQL, so the file is refused here with the same message rather than failing later.
        if text is None or _BINARY_CHARACTERS.search(text):
            form.file.errors.append("This file is not plain text in UTF-8. Save it from Moodle or a text editor "
                                    "as UTF-8 and try again.")
        else:
            category = _chosen_category(form.category.data)
            result = gift_io.import_gift(text, category.path, strict=form.strict.data, actor=current_user,
                                         filename=form.file.data.filename or "upload")
            db.session.commit()
    return render_template("bank/gift_import.html", form=form, result=result)


@bp.route("/gift/export")
@throttles.export
@staff_only
def gift_export():
    category_id = request.args.get("category", 0, type=int)
    category = db.session.get(QuestionCategory, category_id) if category_id else None
    text = gift_io.export_category(category.path if category else None)
    name = (category.path.replace("/", "-") if category else "all-questions") + ".gift.txt"
    return HttpResponse(text, mimetype="text/plain; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


# Quizzes -------------------------------------------------------------------------------------

@bp.route("/quizzes")
@staff_only
def quizzes():
    return render_template("bank/quizzes.html", quizzes=queries.all_quizzes())


@bp.route("/quizzes/new", methods=["GET", "POST"])
@bp.route("/quizzes/<int:quiz_id>/settings", methods=["GET", "POST"])
@staff_only
def quiz_settings(quiz_id=None):
    quiz = get_or_404(Quiz, quiz_id) if quiz_id else None
    form = QuizSettingsForm(obj=quiz)
    if request.method == "GET" and quiz:
        form.opens_at.data, form.closes_at.data = _to_local(quiz.opens_at), _to_local(quiz.closes_at)
    if form.validate_on_submit():
        settings = {name: getattr(form, name).data for name in services.QUIZ_SETTINGS}
        settings["pass_mark"] = float(settings["pass_mark"]) if settings["pass_mark"] is not None else None
        settings["opens_at"], settings["closes_at"] = _to_utc(form.opens_at.data), _to_utc(form.closes_at.data)
        try:
            saved = services.save_quiz(quiz.key if quiz else f"bank-quiz.{services.new_question_key()[5:]}", settings,
                                       current_user)
        except services.BankError as error:
            form.closes_at.errors.append(str(error))
        else:
            db.session.commit()
            flash("Quiz settings saved.", "success")
            return redirect(url_for("bank.quiz", quiz_id=saved.id))
    return render_template("bank/quiz_settings.html", form=form, quiz=quiz)


def _quiz_forms():
    random_form = RandomRuleForm(prefix="random")
    random_form.category.choices = _category_choices("Any category")
    return AddQuestionForm(prefix="add"), random_form, ExtensionForm(prefix="ext")


@bp.route("/quizzes/<int:quiz_id>")
@staff_only
def quiz(quiz_id):
    quiz = get_or_404(Quiz, quiz_id)
    if has_overdue_attempts(quiz.id):
        close_overdue_attempts(quiz_id=quiz.id)
    add_form, random_form, extension_form = _quiz_forms()
    return _quiz_page(quiz, add_form, random_form, extension_form)


def _quiz_page(quiz, add_form, random_form, extension_form, status=200):
    return render_template("bank/quiz.html", quiz=quiz, add_form=add_form, random_form=random_form,
                           extension_form=extension_form, attempts=queries.attempts_for_quiz(quiz),
                           extensions=queries.extensions_for(quiz), essays=queries.essays_to_mark(quiz)), status


@bp.route("/quizzes/<int:quiz_id>/slots", methods=["POST"])
@staff_only
def add_slot(quiz_id):
    quiz = get_or_404(Quiz, quiz_id)
    add_form, random_form, extension_form = _quiz_forms()
    if request.form.get("kind") == "random":
        if random_form.validate_on_submit():
            category = db.session.get(QuestionCategory, random_form.category.data) if random_form.category.data else None
            try:
                services.add_random_rule(quiz, random_form.count.data, current_user, category, random_form.tag.data)
            except services.BankError as error:
                random_form.tag.errors.append(str(error))
            else:
                db.session.commit()
                flash("Random questions added.", "success")
                return redirect(url_for("bank.quiz", quiz_id=quiz.id))
    elif add_form.validate_on_submit():
        question = queries.question_by_key(add_form.question_key.data)
        if question is None:
            add_form.question_key.errors.append("There is no question with that key.")
        else:
            try:
                services.add_question_to_quiz(quiz, question, current_user)
            except services.BankError as error:
                add_form.question_key.errors.append(str(error))
            else:
                db.session.commit()
                flash("Question added.", "success")
                return redirect(url_for("bank.quiz", quiz_id=quiz.id))
    return _quiz_page(quiz, add_form, random_form, extension_form, 400)


@bp.route("/quizzes/<int:quiz_id>/slots/<int:slot_id>", methods=["POST"])
@staff_only
def change_slot(quiz_id, slot_id):
    quiz = get_or_404(Quiz, quiz_id)
    action = request.form.get("action")
    try:
        if action == "remove":
            services.remove_slot(quiz, slot_id, current_user)
        elif action in ("up", "down"):
            services.move_slot(quiz, slot_id, -1 if action == "up" else 1, current_user)
        else:
            abort(400)
    except services.BankError as error:
        flash(str(error), "error")
    db.session.commit()
    return redirect(url_for("bank.quiz", quiz_id=quiz.id))


@bp.route("/quizzes/<int:quiz_id>/extensions", methods=["POST"])
@staff_only
def add_extension(quiz_id):
    quiz = get_or_404(Quiz, quiz_id)
    add_form, random_form, extension_form = _quiz_forms()
    if extension_form.validate_on_submit():
        learner = find_user_by_email(extension_form.email.data)
        if learner is None:
            extension_form.email.errors.append("There is no account with that e-mail address.")
        else:
            services.grant_extension(quiz, learner.id, extension_form.extra_minutes.data, current_user)
            db.session.commit()
            flash(f"{learner.name} now has {extension_form.extra_minutes.data} extra minutes.", "success")
            return redirect(url_for("bank.quiz", quiz_id=quiz.id))
    return _quiz_page(quiz, add_form, random_form, extension_form, 400)


@bp.route("/quizzes/<int:quiz_id>/regrade/<int:question_id>", methods=["POST"])
@staff_only
def regrade(quiz_id, question_id):
    quiz = get_or_404(Quiz, quiz_id)
    count = attempts.regrade_question(quiz, get_or_404(Question, question_id), current_user)
    db.session.commit()
    flash(f"Re-scored {count} answer(s) with the question's current version.", "success")
    return redirect(url_for("bank.quiz", quiz_id=quiz.id))


@bp.route("/attempts/<int:attempt_id>")
@staff_only
def attempt(attempt_id):
    return render_template("quizzes/review.html", attempt=queries.attempt_for_staff(attempt_id), get_type=get_type,
                           staff_view=True, mark_form=MarkForm(),
                           appendix_url=lambda response: url_for("exercises.response_appendix", response_id=response.id))


@bp.route("/responses/<int:response_id>/mark", methods=["POST"])
@staff_only
def mark(response_id):
    response = get_or_404(Response, response_id)
    form = MarkForm()
    if form.validate_on_submit():
        try:
            attempts.mark_response(response, float(form.points.data), form.comment.data or "", current_user)
        except attempts.AttemptError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Mark saved.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("bank.attempt", attempt_id=response.attempt_id, _anchor=f"q{response.id}"))
