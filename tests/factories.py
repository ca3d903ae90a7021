"""Test data factories: make.user(...), make.unit(...). Each commits within the test transaction."""
from __future__ import annotations

import itertools

from lit_platform.accounts import services as accounts
from lit_platform.extensions import db

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


class Factories:
    def __init__(self, app):
        self.app = app

    def user(self, email: str | None = None, name: str | None = None, roles=("learner",), password=PASSWORD,
             org_unit=None, active: bool = True):
        n = next(_sequence)
        with self.app.app_context():
            unit = accounts.find_or_create_unit_path(org_unit) if isinstance(org_unit, str) else org_unit
            user = accounts.create_user(email or f"person{n}@example.org", name or f"Person {n}", password,
                                        list(roles), unit)
            user.is_active = active
            db.session.commit()
            return _detached(user, lambda u: (u.roles, u.org_unit and u.org_unit.path))

    def unit(self, path: str):
        with self.app.app_context():
            unit = accounts.find_or_create_unit_path(path)
            db.session.commit()
            return _detached(unit, lambda u: u.path)


def _detached(obj, touch):
    """Reload `obj`, load what tests read from it, and detach it from the session."""
    db.session.refresh(obj)
    touch(obj)
    db.session.expunge_all()
    return obj


def sample_questions() -> list:
    """One question of every type, with known right answers."""
    from lit_platform.quizzes.services import QuestionData

    return [
        QuestionData("single_choice", "Which operator **broadens** a search?", {"choices": [
            {"id": "1", "text": "AND", "weight": 0, "feedback": "AND narrows."},
            {"id": "2", "text": "OR", "weight": 1, "feedback": "OR finds either term."},
            {"id": "3", "text": "NOT", "weight": 0, "feedback": "NOT excludes."}]}, outcome="SE3"),
        QuestionData("multiple_response", "Which are synonyms for *teenager*?", {"choices": [
            {"id": "1", "text": "adolescent", "weight": 0.5, "feedback": ""},
            {"id": "2", "text": "youth", "weight": 0.5, "feedback": ""},
            {"id": "3", "text": "pensioner", "weight": -0.5, "feedback": "Not a synonym."}]}),
        QuestionData("true_false", "PubMed searches MEDLINE.", {"answer": True, "feedback_true": "Yes.",
                                                                "feedback_false": "It does."}),
        QuestionData("short_answer", "Name MEDLINE's vocabulary.", {"answers": [
            {"text": "MeSH", "weight": 1, "feedback": "Right."},
            {"text": "Medical Subject Heading*", "weight": 1, "feedback": "Right."}], "case_sensitive": False}),
        QuestionData("numerical", "ARR is 5%. NNT?", {"answers": [{"value": 20, "tolerance": 0, "weight": 1,
                                                                   "feedback": "1/0.05"}]}),
        QuestionData("matching", "Match.", {"pairs": [
            {"id": "1", "prompt": "AND", "answer": "narrows"},
            {"id": "2", "prompt": "OR", "answer": "broadens"}], "distractors": ["sorts"]}),
        QuestionData("ordering", "Order the steps.", {"items": [
            {"id": "1", "text": "Question"}, {"id": "2", "text": "Concepts"}, {"id": "3", "text": "Search"}]}),
        QuestionData("essay", "Explain lateral reading.", {"guidance": "Leaving the page to check it."}),
        QuestionData("description", "Read the abstract below.", {}),
    ]


def _quiz(self, key=None, questions=None, **settings):
    from lit_platform.quizzes import services as quiz_services

    n = next(_sequence)
    with self.app.app_context():
        category = quiz_services.find_or_create_category(settings.pop("category", "Tests"))
        saved = []
        for index, data in enumerate(questions if questions is not None else sample_questions()):
            question, _ = quiz_services.save_question(f"test.{n}.{index}", category, data)
            saved.append(question)
        settings.setdefault("title", f"Quiz {n}")
        quiz = quiz_services.save_quiz(key or f"quiz-{n}", settings)
        quiz_services.set_fixed_questions(quiz, saved)
        db.session.commit()
        return _detached(quiz, lambda q: q.slots)


Factories.quiz = _quiz
