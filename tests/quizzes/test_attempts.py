"""The attempt engine: answers saved at once, never lost, refused when they may not change."""
import random
from datetime import timedelta

import pytest

from lit_platform.accounts.models import User
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.quizzes import attempts, services
from lit_platform.quizzes.attempts import AttemptError
from lit_platform.quizzes.models import Quiz

from ..factories import sample_questions


def load(model, ident):
    return db.session.get(model, ident)


def answers_for(attempt):
    """Right answers for the sample questions, keyed by response id."""
    right = {"single_choice": ["2"], "multiple_response": ["1", "2"], "true_false": ["true"],
             "short_answer": ["mesh"], "numerical": ["20"], "matching": {"1": "narrows", "2": "broadens"},
             "ordering": ["1", "2", "3"], "essay": ["It means leaving the page."], "description": []}
    return {r.id: right[r.version.type] for r in attempt.responses}


def test_full_marks_for_right_answers_and_essay_waits_for_marking(app, make):
    quiz, user = make.quiz(), make.user()
    with app.app_context():
        learner = load(User, user.id)
        attempt = attempts.start_attempt(load(Quiz, quiz.id), learner, rng=random.Random(1))
        for response_id, values in answers_for(attempt).items():
            attempts.save_answer(attempt, response_id, values, learner)
        attempts.submit_attempt(attempt, learner)
        db.session.commit()
        assert attempt.status == "submitted"
        assert attempt.max_score == 8  # description carries no mark
        assert attempt.score == 7 and attempt.needs_marking
        essay = next(r for r in attempt.responses if r.version.type == "essay")
        marker = load(User, make.user(roles=["librarian"]).id)
        attempts.mark_response(essay, 0.5, "Good start; say why.", marker)
        assert attempt.score == 7.5 and not attempt.needs_marking
        with pytest.raises(AttemptError, match="between 0 and 1"):
            attempts.mark_response(essay, 2, "", marker)


def test_resume_returns_the_same_attempt_with_saved_answers(app, make):
    quiz, user = make.quiz(), make.user()
    with app.app_context():
        learner = load(User, user.id)
        attempt = attempts.start_attempt(load(Quiz, quiz.id), learner)
        first = attempt.responses[0]
        attempts.save_answer(attempt, first.id, ["2"], learner)
        db.session.commit()
        attempt_id, response_id = attempt.id, first.id
    with app.app_context():  # a new request, as after a browser crash or server restart
        again = attempts.start_attempt(load(Quiz, quiz.id), load(User, user.id))
        assert again.id == attempt_id
        assert next(r for r in again.responses if r.id == response_id).answer == "2"


def test_answers_to_another_users_attempt_or_foreign_questions_are_refused(app, make):
    quiz, other_quiz = make.quiz(), make.quiz()
    owner, intruder = make.user(), make.user()
    with app.app_context():
        attempt = attempts.start_attempt(load(Quiz, quiz.id), load(User, owner.id))
        foreign = attempts.start_attempt(load(Quiz, other_quiz.id), load(User, owner.id))
        with pytest.raises(AttemptError, match="not your attempt"):
            attempts.save_answer(attempt, attempt.responses[0].id, ["2"], load(User, intruder.id))
        with pytest.raises(AttemptError, match="not part of this attempt"):
            attempts.save_answer(attempt, foreign.responses[0].id, ["2"], load(User, owner.id))
        with pytest.raises(AttemptError, match="not your attempt"):
            attempts.submit_attempt(attempt, load(User, intruder.id))


def test_no_changes_after_submitting(app, make):
    quiz, user = make.quiz(), make.user()
    with app.app_context():
        learner = load(User, user.id)
        attempt = attempts.start_attempt(load(Quiz, quiz.id), learner)
        attempts.submit_attempt(attempt, learner)
        with pytest.raises(AttemptError, match="submitted"):
            attempts.save_answer(attempt, attempt.responses[0].id, ["2"], learner)
        with pytest.raises(AttemptError, match="already been submitted"):
            attempts.submit_attempt(attempt, learner)


def test_time_limit_with_grace_then_auto_submit_keeps_saved_answers(app, make):
    quiz, user = make.quiz(time_limit_minutes=10), make.user()
    start = utcnow()
    with app.app_context():
        learner = load(User, user.id)
        attempt = attempts.start_attempt(load(Quiz, quiz.id), learner, now=start)
        assert attempt.deadline_at == start + timedelta(minutes=10)
        first, second = attempt.responses[0], attempt.responses[1]
        attempts.save_answer(attempt, first.id, ["2"], learner, now=start + timedelta(minutes=9))
        attempts.save_answer(attempt, second.id, ["1"], learner, now=start + timedelta(minutes=10, seconds=30))
        with pytest.raises(AttemptError, match="submitted"):
            attempts.save_answer(attempt, second.id, ["1", "2"], learner, now=start + timedelta(minutes=12))
        assert attempt.status == "submitted"
        assert first.answer == "2" and second.answer == ["1"]
        assert first.score == 1


def test_extension_gives_more_time(app, make):
    quiz, user = make.quiz(time_limit_minutes=10), make.user()
    librarian = make.user(roles=["librarian"])
    start = utcnow()
    with app.app_context():
        services.grant_extension(load(Quiz, quiz.id), user.id, 15, load(User, librarian.id))
        attempt = attempts.start_attempt(load(Quiz, quiz.id), load(User, user.id), now=start)
        assert attempt.deadline_at == start + timedelta(minutes=25)
        attempts.save_answer(attempt, attempt.responses[0].id, ["2"], load(User, user.id),
                             now=start + timedelta(minutes=20))
        assert attempt.status == "in_progress"


def test_closed_quiz_and_attempt_limit(app, make):
    closed = make.quiz(closes_at=utcnow() - timedelta(days=1))
    once = make.quiz(attempts_allowed=1)
    user = make.user()
    with app.app_context():
        learner = load(User, user.id)
        with pytest.raises(AttemptError, match="closed"):
            attempts.start_attempt(load(Quiz, closed.id), learner)
        first = attempts.start_attempt(load(Quiz, once.id), learner)
        attempts.submit_attempt(first, learner)
        with pytest.raises(AttemptError, match="all 1 attempt"):
            attempts.start_attempt(load(Quiz, once.id), learner)


def test_immediate_feedback_check_fixes_the_answer(app, make):
    quiz, user = make.quiz(feedback_mode="immediate"), make.user()
    with app.app_context():
        learner = load(User, user.id)
        attempt = attempts.start_attempt(load(Quiz, quiz.id), learner)
        first = attempt.responses[0]
        with pytest.raises(AttemptError, match="Answer the question"):
            attempts.check_answer(attempt, first.id, learner)
        attempts.save_answer(attempt, first.id, ["1"], learner)
        attempts.check_answer(attempt, first.id, learner)
        assert first.fraction == 0 and first.feedback == ["AND narrows."]
        with pytest.raises(AttemptError, match="already checked"):
            attempts.save_answer(attempt, first.id, ["2"], learner)


def test_random_rule_draws_distinct_questions_from_category_or_tag(app, make):
    user = make.user()
    with app.app_context():
        pool = services.find_or_create_category("Pool/Boolean")
        for n in range(6):
            data = sample_questions()[0]
            data.tags = ["boolean"] if n % 2 else []
            services.save_question(f"pool.{n}", pool, data)
        quiz = services.save_quiz("random-quiz", {"title": "Random"})
        services.add_random_rule(quiz, 4, None, category=services.find_or_create_category("Pool"))
        attempt = attempts.start_attempt(quiz, load(User, user.id), rng=random.Random(7))
        keys = [r.version.question.key for r in attempt.responses]
        assert len(keys) == 4 and len(set(keys)) == 4
        tagged = services.save_quiz("tag-quiz", {"title": "Tagged"})
        services.add_random_rule(tagged, 10, None, tag="Boolean")
        attempt = attempts.start_attempt(tagged, load(User, user.id), rng=random.Random(7))
        assert sorted(r.version.question.key for r in attempt.responses) == ["pool.1", "pool.3", "pool.5"]


def test_editing_makes_a_new_version_and_attempts_keep_the_old_one(app, make):
    quiz, user = make.quiz(), make.user()
    with app.app_context():
        learner = load(User, user.id)
        attempt = attempts.start_attempt(load(Quiz, quiz.id), learner)
        first = attempt.responses[0]
        question = first.version.question
        attempts.save_answer(attempt, first.id, ["1"], learner)
        attempts.submit_attempt(attempt, learner)
        assert first.score == 0
        data = services.QuestionData.from_version(question.current)
        data.spec = {"choices": [dict(c, weight=1 if c["id"] == "1" else 0) for c in data.spec["choices"]]}
        _, changed = services.save_question(question.key, question.category, data)
        assert changed and question.current.number == 2
        assert first.version.number == 1  # history is unchanged
        _, changed_again = services.save_question(question.key, question.category, data)
        assert not changed_again
        librarian = load(User, make.user(roles=["librarian"]).id)
        assert attempts.regrade_question(load(Quiz, quiz.id), question, librarian) == 1
        assert first.version.number == 2 and first.shown_version.number == 1 and first.score == 1


def test_choices_are_shuffled_per_learner_but_stable_for_that_attempt(app, make):
    quiz = make.quiz(shuffle_choices=True)
    users = [make.user() for _ in range(8)]
    with app.app_context():
        orders = set()
        for user in users:
            attempt = attempts.start_attempt(load(Quiz, quiz.id), load(User, user.id))
            orders.add(tuple(attempt.responses[0].display_order))
            again = attempts.start_attempt(load(Quiz, quiz.id), load(User, user.id))
            assert again.responses[0].display_order == attempt.responses[0].display_order
        assert len(orders) > 1


def test_regrading_keeps_the_score_of_an_answer_removed_under_the_retention_policy(app, make):
    quiz = make.quiz()
    kept, removed = make.user(), make.user()
    with app.app_context():
        first_responses = []
        for user in (kept, removed):
            learner = load(User, user.id)
            attempt = attempts.start_attempt(load(Quiz, quiz.id), learner)
            response = attempt.responses[0]
            attempts.save_answer(attempt, response.id, ["2"], learner)  # right: OR
            attempts.submit_attempt(attempt, learner)
            first_responses.append(response)
        assert [r.score for r in first_responses] == [1, 1]
        first_responses[1].answer = None  # what retention does to answers given under an old walk-in code
        question = first_responses[0].version.question
        data = services.QuestionData.from_version(question.current)
        data.spec = {"choices": [dict(c, weight=0.5 if c["id"] == "2" else c["weight"]) for c in data.spec["choices"]]}
        data.spec["choices"][0]["weight"] = 1  # the corrected key: AND was right after all, OR half right
        services.save_question(question.key, question.category, data)
        librarian = load(User, make.user(roles=["librarian"]).id)
        attempts.regrade_question(load(Quiz, quiz.id), question, librarian)
        assert [r.score for r in first_responses] == [0.5, 1]
