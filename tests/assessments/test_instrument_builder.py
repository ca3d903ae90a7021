"""Librarians build pre/post tests from bank questions; bad choices are explained next to the field."""
import re

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


def test_builder_shows_item_writing_checks_beside_questions_and_for_the_test(app, sign_in, make, bank):
    from lit_platform.quizzes.services import QuestionData

    category_id, questions = bank
    quiz = make.quiz(category="Searching", questions=[QuestionData("single_choice", "Which one?", {"choices": [
        {"id": "1", "text": "All of the above", "weight": 1, "feedback": "Right."},
        {"id": "2", "text": "MEDLINE", "weight": 0, "feedback": ""}]}, outcome="SE1")])
    with app.app_context():
        flawed = db.session.get(Quiz, quiz.id).slots[0].question_id
    client, _ = sign_in("librarian")
    page = client.get(f"/bank/instruments/new?category={category_id}").get_data(as_text=True)
    assert f'<select id="item-{flawed}" name="item-{flawed}" aria-describedby="checks-{flawed}">' in page
    cell = re.search(rf'<ul class="lint-list" id="checks-{flawed}" aria-labelledby="checks-{flawed}-label question-{flawed}">'
                     r'(.*?)</ul>', page, re.S).group(1)
    assert "<strong>Error:</strong> option 1 (“All of the above”) refers to other options" in cell
    assert "<strong>Warning:</strong> wrong option 2 (“MEDLINE”) has no feedback" in cell
    # a question without findings says so, and its select points at nothing
    assert f'<span id="checks-{questions["single_choice"]}">None</span>' in page
    assert f'<select id="item-{questions["single_choice"]}" name="item-{questions["single_choice"]}">' in page

    form = {"title": "Checked", "key": "checked.prepost", "category": str(category_id),
            f"item-{questions['single_choice']}": "both", f"item-{questions['true_false']}": "both"}
    response = Actions(client).post("/bank/instruments/new", form, page="/bank/instruments/new")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    section = re.search(r'<section class="lint-findings" id="test-checks" aria-labelledby="test-checks-title">(.*?)</section>',
                        page, re.S).group(1)
    assert "Item-writing checks of this test: 2 error(s), 0 warning(s)" in section
    assert "outcome SE3 rests on 1 item(s) on the test" in section
    assert "outcome SE3 has no confidence statement" in section
