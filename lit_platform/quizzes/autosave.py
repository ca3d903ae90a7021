"""Saving one answer as the learner gives it, the busiest write of a quiz: one read and one UPDATE.

The common case (the user's own attempt, still open and within its time, the question not yet checked) is
served from plain rows. Anything else is left to the full path in views.autosave, which loads the attempt
and gives each such case its own answer (404, "already submitted", closing an overdue attempt...).
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from sqlalchemy import bindparam, select, update

from ..core.markdown import render_inline
from ..extensions import db
from .attempts import AttemptError, past_cut_off
from .models import Attempt, QuestionVersion, Quiz, Response
from .tokens import AnswerTokens, tokens_key
from .types import ResponseError, get_type

_responses, _attempts = Response.__table__, Attempt.__table__
_quizzes, _versions = Quiz.__table__, QuestionVersion.__table__

#: the response with what deciding and reading the answer needs, if it belongs to this attempt
ANSWER_ROW = (
    select(_attempts.c.user_id, _attempts.c.status, _attempts.c.deadline_at, _quizzes.c.closes_at,
           _quizzes.c.shuffle_choices, _responses.c.answer, _responses.c.is_checked, _versions.c.type,
           _versions.c.spec)
    .select_from(_responses.join(_attempts, _attempts.c.id == _responses.c.attempt_id)
                 .join(_quizzes, _quizzes.c.id == _attempts.c.quiz_id)
                 .join(_versions, _versions.c.id == _responses.c.question_version_id))
    .where(_responses.c.id == bindparam("response"), _responses.c.attempt_id == bindparam("attempt")))
#: the new values (answer, answered_at and/or is_flagged), only while the attempt is open and the answer unchecked
SAVE_ANSWER = (
    update(_responses)
    .where(_responses.c.id == bindparam("response"), _responses.c.is_checked.is_(False),
           _responses.c.attempt_id.in_(select(_attempts.c.id).where(_attempts.c.id == bindparam("attempt"),
                                                                   _attempts.c.status == "in_progress"))))


@dataclass(frozen=True)
class Saved:
    type: str
    spec: dict
    answer: object


def save_own_answer(attempt_id: int, response_id: int, form, user, now: datetime) -> Saved | None:
    """Save the answer (and flag) in `form` to the user's response; None when this is not the common case.

    :raises UnknownAnswer: a posted value belongs to no option of this question in this attempt.
    :raises AttemptError: the values do not make an answer of this question's type.
    """
    row = db.session.execute(ANSWER_ROW, {"response": response_id, "attempt": attempt_id}).one_or_none()
    if (row is None or row.user_id != user.id or row.status != "in_progress" or row.is_checked
            or past_cut_off(row.deadline_at, row.closes_at, now)):
        return None
    question_type = get_type(row.type)
    if not question_type.takes_response:
        return None
    tokens = AnswerTokens(tokens_key(), response_id, bool(row.shuffle_choices))
    values = question_type.values_from_form(form, f"r{response_id}", row.spec, tokens)
    try:
        answer = question_type.read_response(row.spec, values)
    except ResponseError as error:
        raise AttemptError(str(error)) from None
    changes = {}
    if answer != row.answer:
        changes.update(answer=answer, answered_at=now if answer is not None else None)
    if "flag" in form:
        changes["is_flagged"] = form["flag"] == "1"
    if changes:
        saved = db.session.execute(SAVE_ANSWER, {"response": response_id, "attempt": attempt_id, **changes})
        if saved.rowcount != 1:  # submitted or checked since the read: the full path says so
            return None
    return Saved(row.type, row.spec, answer)


class _Checks:
    """The live checks of recent answers, per process: parsing, checking and rendering happen once per distinct
    answer to a question (the page saves after every pause in typing, often the same text again)."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, type_name: str, spec: dict, answer) -> dict:
        question_type = get_type(type_name)
        template = getattr(question_type, "live_check_template", None)
        if template is None:
            return {}
        text = json.dumps([type_name, spec, answer], sort_keys=True, default=str)
        key = hashlib.sha256(text.encode()).hexdigest()
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        review = question_type.check(spec, answer)
        checks = {"check_html": render_template(template, review=review),
                  "check_summary_html": str(render_inline(question_type.check_summary(review)))}
        with self._lock:
            self._items[key] = checks
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return checks


live_checks = _Checks()
