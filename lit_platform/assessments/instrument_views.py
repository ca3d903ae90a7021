"""Building pre/post instruments from bank questions, for librarians."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from ..accounts.models import Role
from ..audit import record_event
from ..extensions import db
from ..quizzes import queries as quiz_queries
from ..security import get_or_404, roles_required
from . import instruments, queries, services
from .models import Instrument

bp = Blueprint("instruments", __name__, url_prefix="/bank/instruments")
staff_only = roles_required(Role.LIBRARIAN, Role.ADMIN)


class InstrumentForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the test a title."), Length(max=255)],
                        description="Shown to learners, e.g. “Searching the literature: before and after”.")
    key = StringField("Key", validators=[DataRequired("Give the test a key."), Regexp(
        instruments.KEY.pattern, message="Use 2 to 80 lower-case letters, digits, dots and hyphens.")],
        description="A short identifier that never changes, e.g. library.searching-prepost.")
    confidence = TextAreaField("Confidence statements", render_kw={"rows": 5}, description=(
        "Optional. One per line: the learning-outcome code, a | and a statement learners rate from 1 to 5, "
        "e.g. SE3 | I can combine search terms with AND and OR."))


@bp.route("/")
@staff_only
def index():
    rows = db.session.scalars(select(Instrument).order_by(Instrument.title)).all()
    return render_template("assessments/instruments.html", instruments=rows)


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:instrument_id>", methods=["GET", "POST"])
@staff_only
def edit(instrument_id=None):
    instrument = get_or_404(Instrument, instrument_id) if instrument_id else None
    if instrument is not None and instrument.course_id is not None:
        return render_template("assessments/instrument_from_files.html", instrument=instrument,
                               test_findings=instruments.instrument_findings(instrument),
                               findings=instruments.question_findings([i.question for i in instrument.items]))
    form = InstrumentForm(obj=instrument)
    if instrument is not None:
        form.key.data = instrument.key
        if request.method == "GET":
            form.confidence.data = instruments.confidence_text(instrument)
    category_id = request.values.get("category", 0, type=int)
    current = {item.question_id: ("both" if item.form is None else item.form)
               for item in (instrument.items if instrument else [])}
    shown = queries.builder_questions(list(current), category_id)
    chosen = {q.id: request.form.get(f"item-{q.id}", "") for q in shown} if request.method == "POST" else current
    items_error, confidence_errors = None, []
    if request.method == "POST":
        valid = form.validate()
        if instrument is None and db.session.scalar(select(Instrument.id).where(Instrument.key == form.key.data)):
            form.key.errors = [*form.key.errors, "Another test already has this key."]
            valid = False
        items, items_error = instruments.check_items([(q.key, chosen.get(q.id, "")) for q in shown])
        confidence, confidence_errors = instruments.parse_confidence(form.confidence.data, form.key.data or "")
        form.confidence.errors = [*form.confidence.errors, *confidence_errors]
        if valid and not items_error and not confidence_errors:
            saved = services.save_instrument(instrument.key if instrument else form.key.data, form.title.data.strip(),
                                             items, confidence)
            record_event("instrument.saved", current_user, "instrument", saved.id, key=saved.key, items=len(items))
            db.session.commit()
            flash(f"“{saved.title}” saved with {len(items)} question(s).", "success")
            return redirect(url_for("instruments.edit", instrument_id=saved.id))
    return render_template("assessments/instrument_form.html", form=form, instrument=instrument, shown=shown,
                           chosen=chosen, items_error=items_error, categories=quiz_queries.categories_in_order(),
                           category_id=category_id, choices=instruments.ITEM_CHOICES,
                           findings=instruments.question_findings(shown),
                           test_findings=instruments.instrument_findings(instrument)), \
        400 if request.method == "POST" else 200
