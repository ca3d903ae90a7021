"""Prepared attempts for the submit-attempt scenario.

Each line of the file written here is one learner's fully answered, unsubmitted 10-question
attempt, with the session cookie and CSRF token that learner's browser would hold, so that every
request wrk sends submits a different real attempt through the product's own route.
"""
from __future__ import annotations

import time
from pathlib import Path

from itsdangerous import URLSafeTimedSerializer

QUESTIONS = 10


def _questions():
    from lit_platform.quizzes.services import QuestionData

    kinds = [
        ("single_choice", {"choices": [{"id": "1", "text": "OR", "weight": 1, "feedback": "Broadens."},
                                       {"id": "2", "text": "AND", "weight": 0, "feedback": "Narrows."}]}, ["1"]),
        ("multiple_response", {"choices": [{"id": "1", "text": "teen", "weight": 0.5},
                                           {"id": "2", "text": "youth", "weight": 0.5},
                                           {"id": "3", "text": "elder", "weight": -0.5}]}, ["1", "2"]),
        ("true_false", {"answer": True, "feedback_true": "Yes.", "feedback_false": "No."}, ["true"]),
        ("short_answer", {"answers": [{"text": "MeSH", "weight": 1}, {"text": "Medical Subject Heading*", "weight": 1}],
                          "case_sensitive": False}, ["mesh"]),
        ("numerical", {"answers": [{"value": 20, "tolerance": 0.5, "weight": 1}]}, ["20"]),
    ]
    return [(QuestionData(kind, f"Question {n + 1}", spec), answer)
            for n, (kind, spec, answer) in enumerate(kinds * (QUESTIONS // len(kinds)))]


def prepare(app, count: int, out_path: Path) -> Path:
    """Create `count` learners with an answered attempt each; write 'attempt id, cookie, token' lines."""
    from lit_platform.accounts.models import User, UserRole
    from lit_platform.extensions import db
    from lit_platform.quizzes import attempts, services

    serializer = app.session_interface.get_signing_serializer(app)
    csrf = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    lines = []
    with app.app_context():
        category = services.find_or_create_category("Benchmark")
        questions = [services.save_question(f"bench.submit.{n}", category, data)[0]
                     for n, (data, _) in enumerate(_questions())]
        answers = {q.current.id: answer for q, (_, answer) in zip(questions, _questions())}
        quiz = services.save_quiz("bench-submit", {"title": "Benchmark quiz", "questions_per_page": QUESTIONS})
        services.set_fixed_questions(quiz, questions)
        db.session.commit()
        for start in range(0, count, 250):
            users = [User(email=f"bench{n}@example.org", name=f"Bench {n}", role_rows=[UserRole(role="learner")])
                     for n in range(start, min(count, start + 250))]
            db.session.add_all(users)
            db.session.flush()
            for user in users:
                attempt = attempts.start_attempt(quiz, user)
                for response in attempt.responses:
                    attempts.save_answer(attempt, response.id, answers[response.question_version_id], user)
                db.session.flush()
                raw = f"bench-csrf-{user.id}"
                cookie = serializer.dumps({"_user_id": f"{user.id}:{user.session_version}", "_fresh": True,
                                           "csrf_token": raw, "seen": int(time.time())})
                lines.append(f"{attempt.id}\t{cookie}\t{csrf.dumps(raw)}")
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    out_path.write_text("\n".join(lines) + "\n", "utf-8")
    return out_path


def submitted_count(app) -> int:
    from sqlalchemy import func, select

    from lit_platform.extensions import db
    from lit_platform.quizzes.models import Attempt

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.status == "submitted"))
        db.engine.dispose()
        return count
