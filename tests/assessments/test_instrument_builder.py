"""Librarians build pre/post tests from bank questions; bad choices are explained next to the field."""
import pytest
from sqlalchemy import select

from lit_platform.assessments.instruments import check_items, parse_confidence
from lit_platform.assessments.models import Instrument
from lit_platform.extensions import db
from lit_platform.quizzes.models import Question, QuestionCategory, Quiz

from ..conftest import Actions


def test_check_items_needs_questions_and_forms_of_equal_length():
    assert check_items([("q1", ""), ("q2", "")])[1] == "Choose at least one question for the test."
    items, error = check_items([("q1", "both"), ("q2", "A"), ("q3", "B"), ("q4", "")])
    assert error is None and items == [("q1", None), ("q2", "A"), ("q3", "B")]
    assert "Form A has 2 question(s) of its own and form B 1" in check_items([("a", "A"), ("b", "A"), ("c", "B")])[1]


def test_parse_confidence_names_each_bad_line():
    items, errors = parse_confidence("SE3 | I can combine terms.\n\nno bar here\nbad code! | Text\n", "demo")
    assert items == [("demo.conf.1", "SE3", "I can combine terms.")]
    assert errors[0].startswith("Line 3: write the outcome code, a | and the statement")
    assert errors[1].startswith("Line 4: “bad code!” is not an outcome code")


@pytest.fixture
def bank(app, make):
    make.quiz(category="Searching")  # one question of every type in the category "Searching"
    with app.app_context():
        category_id = db.session.scalar(select(QuestionCategory.id).where(QuestionCategory.name == "Searching"))
        questions = {q.current.type: q.id for q in db.session.scalars(
            select(Question).where(Question.category_id == category_id))}
    return category_id, questions


def test_librarian_builds_a_test_with_parallel_forms(app, sign_in, bank):
    category_id, questions = bank
    client, _ = sign_in("librarian")
    page = client.get(f"/bank/instruments/new?category={category_id}").get_data(as_text=True)
    assert f'name="item-{questions["single_choice"]}"' in page

    form = {"title": "Workshop before and after", "key": "workshop.prepost", "category": str(category_id),
            f"item-{questions['single_choice']}": "A", f"item-{questions['numerical']}": "A",
            f"item-{questions['true_false']}": "B", "confidence": "SE3 | I can combine search terms."}
    response = Actions(client).post("/bank/instruments/new", form, page=f"/bank/instruments/new?category={category_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Form A has 2 question(s) of its own and form B 1" in html
    # What was chosen is still chosen, so nothing has to be redone.
    assert '<option value="A" selected>' in html and "I can combine search terms." in html

    form[f"item-{questions['short_answer']}"] = "B"
    form[f"item-{questions['matching']}"] = "both"
    response = Actions(client).post("/bank/instruments/new", form, page=f"/bank/instruments/new?category={category_id}")
    assert response.status_code == 302
    with app.app_context():
        instrument = db.session.scalar(select(Instrument).where(Instrument.key == "workshop.prepost"))
        assert [(i.question_id, i.form) for i in instrument.items] == [
            (questions["single_choice"], "A"), (questions["true_false"], "B"), (questions["short_answer"], "B"),
            (questions["numerical"], "A"), (questions["matching"], None)]
        quiz_a, quiz_b = db.session.get(Quiz, instrument.quiz_a_id), db.session.get(Quiz, instrument.quiz_b_id)
        assert sorted(s.question_id for s in quiz_a.slots) == sorted(
            [questions["single_choice"], questions["numerical"], questions["matching"]])
        assert sorted(s.question_id for s in quiz_b.slots) == sorted(
            [questions["true_false"], questions["short_answer"], questions["matching"]])
        assert [(c.outcome, c.statement) for c in instrument.confidence_items] == [("SE3", "I can combine search terms.")]
        instrument_id = instrument.id
    # Editing keeps the key and shows the current questions without choosing a category again.
    page = client.get(f"/bank/instruments/{instrument_id}").get_data(as_text=True)
    assert "workshop.prepost" in page and f'name="item-{questions["matching"]}"' in page
    assert "Workshop before and after" in client.get("/bank/instruments/").get_data(as_text=True)


def test_duplicate_key_and_missing_title_are_shown_next_to_the_fields(app, sign_in, bank):
    category_id, questions = bank
    client, _ = sign_in("librarian")
    form = {"title": "First", "key": "same.key", "category": str(category_id), f"item-{questions['true_false']}": "both"}
    assert Actions(client).post("/bank/instruments/new", form, page="/bank/instruments/new").status_code == 302
    response = Actions(client).post("/bank/instruments/new", {**form, "title": ""}, page="/bank/instruments/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Another test already has this key." in html and "Give the test a title." in html
    assert 'href="#key"' in html and 'href="#title"' in html


@pytest.mark.parametrize("role, status", [("learner", 403), ("manager", 403), ("librarian", 200), ("admin", 200)])
def test_only_librarians_and_admins_build_tests(sign_in, role, status):
    client, _ = sign_in(role)
    assert client.get("/bank/instruments/").status_code == status
