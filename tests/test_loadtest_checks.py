"""The whole-service load test's check for lost answers (benchmarks/loadtest/checks.py) finds one."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from werkzeug.datastructures import MultiDict

from lit_platform.extensions import db
from lit_platform.quizzes.attempts import save_answer, start_attempt
from lit_platform.quizzes.models import Quiz, Response
from lit_platform.quizzes.tokens import answer_tokens
from lit_platform.quizzes.views import submitted_values

CHECKS = Path(__file__).resolve().parent.parent / "benchmarks" / "loadtest" / "checks.py"
spec = importlib.util.spec_from_file_location("loadtest_checks", CHECKS)
checks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checks)


def test_an_answer_missing_from_the_database_is_counted_as_lost(app, make):
    quiz, learner = make.quiz(), make.user()
    with app.app_context():
        attempt = start_attempt(db.session.get(Quiz, quiz.id), learner)
        response = next(r for r in attempt.responses if r.version.type == "single_choice")
        value = answer_tokens(response)
        first = [(f"r{response.id}", value("choice", "2"))]
        later = [(f"r{response.id}", value("choice", "3"))]
        save_answer(attempt, response.id, submitted_values(MultiDict(first), response), learner)
        db.session.commit()
        attempt_id, response_id = attempt.id, response.id
    key = f"{attempt_id}/{response_id}"
    record = {"answers": {key: {"attempt": attempt_id, "response": response_id, "fields": first}},
              "unconfirmed": {}, "submitted": []}

    assert checks.check_answers(app, record)["answers_lost"] == 0

    # A save whose answer the client never received may or may not have been kept: either value is fine.
    with app.app_context():
        stored = db.session.get(Response, response_id)
        save_answer(stored.attempt, response_id, submitted_values(MultiDict(later), stored), learner)
        db.session.commit()
    assert checks.check_answers(app, record)["answers_lost"] == 1
    assert checks.check_answers(app, {**record, "unconfirmed": {key: later}})["answers_lost"] == 0

    with app.app_context():
        db.session.get(Response, response_id).answer = None
        db.session.commit()
    result = checks.check_answers(app, record)
    assert result["answers_lost"] == 1
    assert result["examples"][0]["response"] == response_id
