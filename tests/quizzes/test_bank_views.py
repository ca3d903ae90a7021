"""Librarians manage the question bank and quizzes through forms."""
import re

import pytest
from sqlalchemy import select

from lit_platform.extensions import db
from lit_platform.quizzes.models import Attempt, Question, Quiz

from ..answers import page_value
from ..conftest import Actions

BANK_PAGES = ["/bank/", "/bank/categories", "/bank/quizzes", "/bank/quizzes/new", "/bank/gift/import",
              "/bank/questions/new/single_choice", "/bank/gift/export"]


@pytest.mark.parametrize("path", BANK_PAGES)
def test_learners_and_managers_cannot_use_the_bank(sign_in, path):
    for role in ("learner", "manager"):
        client, _ = sign_in(role)
        assert client.get(path).status_code == 403


def test_create_each_type_through_its_form(app, sign_in):
    client, _ = sign_in("librarian")
    actions = Actions(client)
    forms = {
        "single_choice": {"choices-0-text": "OR", "choices-0-weight": "100", "choices-0-feedback": "Broadens.",
                          "choices-1-text": "AND", "choices-1-weight": "0"},
        "multiple_response": {"choices-0-text": "a", "choices-0-weight": "50", "choices-1-text": "b",
                              "choices-1-weight": "50", "choices-2-text": "c", "choices-2-weight": "-50"},
        "true_false": {"answer": "false", "feedback_true": "No.", "feedback_false": "Right."},
        "short_answer": {"answers-0-text": "MeSH", "answers-0-weight": "100"},
        "numerical": {"answers-0-value": "20", "answers-0-tolerance": "0", "answers-0-weight": "100"},
        "matching": {"pairs-0-prompt": "AND", "pairs-0-answer": "narrows", "pairs-1-prompt": "OR",
                     "pairs-1-answer": "broadens", "distractors": "sorts"},
        "ordering": {"items": "First\nSecond\nThird"},
        "essay": {"guidance": "Mentions bias.", "min_words": "50"},
        "description": {},
    }
    for qtype, fields in forms.items():
        page = f"/bank/questions/new/{qtype}"
        category = re.search(r'<option (?:selected )?value="(\d+)"', client.get(page).get_data(as_text=True))
        data = {"stem": f"A {qtype} question", "points": "1", "category": category.group(1),
                "tags": "boolean, Test", **fields}
        response = actions.post(page, data, page=page)
        assert response.status_code == 302, (qtype, re.findall(r"error-message[^>]*>(.*?)</p>", response.get_data(as_text=True), re.S))
    with app.app_context():
        questions = db.session.scalars(select(Question)).all()
        assert sorted(q.current.type for q in questions) == sorted(forms)
        tf = next(q for q in questions if q.current.type == "true_false")
        assert tf.current.spec == {"answer": False, "feedback_true": "No.", "feedback_false": "Right."}
        assert tf.tags == ["boolean", "test"]
        mr = next(q for q in questions if q.current.type == "multiple_response")
        assert [c["weight"] for c in mr.current.spec["choices"]] == [0.5, 0.5, -0.5]


def test_answer_problems_are_shown_beside_the_answers(sign_in, make):
    client, _ = sign_in("librarian")
    make.quiz()  # makes a category to choose
    page = "/bank/questions/new/single_choice"
    html = client.get(page).get_data(as_text=True)
    category = re.search(r'<option[^>]*value="(\d+)"', html).group(1)
    response = Actions(client).post(page, {"stem": "Which?", "points": "1", "category": category,
                                           "choices-0-text": "a", "choices-0-weight": "0",
                                           "choices-1-text": "b", "choices-1-weight": "0"}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The question needs exactly one fully correct choice." in html and 'href="#answers"' in html
    response = Actions(client).post(page, {"stem": "", "points": "", "category": category}, page=page)
    html = response.get_data(as_text=True)
    assert 'id="stem-error"' in html and 'id="points-error"' in html


def test_editing_makes_a_new_version_shown_in_history(app, sign_in, make):
    quiz = make.quiz()
    client, _ = sign_in("librarian")
    with app.app_context():
        question = db.session.get(Quiz, quiz.id).slots[0].question
        question_id = question.id
    page = f"/bank/questions/{question_id}/edit"
    form = client.get(page).get_data(as_text=True)
    assert "Which operator **broadens** a search?" in form
    category = re.search(r'<option selected value="(\d+)"', form).group(1)
    response = Actions(client).post(page, {"stem": "Which operator widens a search?", "points": "2",
                                           "category": category, "choices-0-text": "AND", "choices-0-weight": "0",
                                           "choices-1-text": "OR", "choices-1-weight": "100"}, page=page)
    assert response.status_code == 302
    html = client.get(f"/bank/questions/{question_id}").get_data(as_text=True)
    assert "version 2" in html and "Version 1" in html and "widens" in html
    old = client.get(f"/bank/questions/{question_id}/versions/1").get_data(as_text=True)
    assert "<strong>broadens</strong>" in old


def test_build_a_quiz_add_questions_and_random_rule(app, sign_in, make):
    source = make.quiz()
    client, _ = sign_in("librarian")
    actions = Actions(client)
    response = actions.post("/bank/quizzes/new", {"title": "Boolean check", "feedback_mode": "immediate",
                                                  "questions_per_page": "2", "attempts_allowed": "0",
                                                  "is_published": "y"}, page="/bank/quizzes/new")
    assert response.status_code == 302
    quiz_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        key = db.session.get(Quiz, source.id).slots[0].question.key
    assert actions.post(f"/bank/quizzes/{quiz_id}/slots", {"kind": "fixed", "add-question_key": key},
                        page=f"/bank/quizzes/{quiz_id}").status_code == 302
    html = actions.post(f"/bank/quizzes/{quiz_id}/slots", {"kind": "fixed", "add-question_key": "nope"},
                        page=f"/bank/quizzes/{quiz_id}").get_data(as_text=True)
    assert "There is no question with that key." in html
    assert actions.post(f"/bank/quizzes/{quiz_id}/slots", {"kind": "random", "random-count": "2",
                                                           "random-category": "0", "random-tag": ""},
                        page=f"/bank/quizzes/{quiz_id}").status_code == 400
    page = client.get(f"/bank/quizzes/{quiz_id}").get_data(as_text=True)
    assert "Which operator" in page


def test_librarian_marks_an_essay_and_the_learner_sees_it(app, sign_in, make):
    from .test_views import response_ids, start

    quiz = make.quiz(questions_per_page=9)
    learner, _ = sign_in("learner")
    attempt_id = start(learner, quiz.id)
    ids = response_ids(app, attempt_id)
    Actions(learner).post(f"/attempts/{attempt_id}/page/1", {f"r{ids['essay']}": "Leaving the page to check."})
    Actions(learner).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary")
    librarian, _ = sign_in("librarian")
    assert "1 answer waiting to be marked" in librarian.get(f"/bank/quizzes/{quiz.id}").get_data(as_text=True)
    response = Actions(librarian).post(f"/bank/responses/{ids['essay']}/mark", {"points": "1", "comment": "Clear."},
                                       page=f"/bank/attempts/{attempt_id}")
    assert response.status_code == 302
    review = learner.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Clear." in review
    with app.app_context():
        assert not db.session.get(Attempt, attempt_id).needs_marking


def test_extension_for_unknown_email_is_explained(sign_in, make):
    quiz = make.quiz(time_limit_minutes=10)
    client, _ = sign_in("librarian")
    html = Actions(client).post(f"/bank/quizzes/{quiz.id}/extensions", {"ext-email": "nobody@example.org",
                                                                        "ext-extra_minutes": "10"},
                                page=f"/bank/quizzes/{quiz.id}").get_data(as_text=True)
    assert "There is no account with that e-mail address." in html


def _first_question_id(app, quiz_id):
    with app.app_context():
        return db.session.get(Quiz, quiz_id).slots[0].question_id


def test_duplicate_retire_and_move(app, sign_in, make):
    quiz = make.quiz()
    client, _ = sign_in("librarian")
    actions = Actions(client)
    question_id = _first_question_id(app, quiz.id)
    response = actions.post(f"/bank/questions/{question_id}/duplicate")
    assert "/edit" in response.headers["Location"]
    actions.post(f"/bank/questions/{question_id}/retire")
    assert "(retired)" not in client.get("/bank/").get_data(as_text=True)
    assert "(retired)" in client.get("/bank/?retired=1").get_data(as_text=True)
    with app.app_context():
        from lit_platform.quizzes.services import find_or_create_category
        target = find_or_create_category("Elsewhere/Deeper")
        db.session.commit()
        target_id = target.id
    actions.post(f"/bank/questions/{question_id}/move", {"category": target_id})
    assert "Elsewhere/Deeper" in client.get(f"/bank/questions/{question_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Question, question_id).is_retired


def test_regrade_button_rescores_submitted_answers(app, sign_in, make):
    from lit_platform.quizzes.services import QuestionData, save_question

    from .test_views import response_ids, start

    quiz = make.quiz(questions_per_page=9)
    learner, _ = sign_in("learner")
    attempt_id = start(learner, quiz.id)
    ids = response_ids(app, attempt_id)
    Actions(learner).post(f"/attempts/{attempt_id}/page/1", {
        f"r{ids['single_choice']}": page_value(app, ids["single_choice"], "choice", "1")})
    Actions(learner).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary")
    question_id = _first_question_id(app, quiz.id)
    with app.app_context():
        question = db.session.get(Question, question_id)
        data = QuestionData.from_version(question.current)
        data.spec = {"choices": [dict(c, weight=1.0 if c["id"] == "1" else 0.0) for c in data.spec["choices"]]}
        save_question(question.key, question.category, data)
        db.session.commit()
    librarian, _ = sign_in("librarian")
    response = Actions(librarian).post(f"/bank/quizzes/{quiz.id}/regrade/{question_id}", page=f"/bank/quizzes/{quiz.id}")
    assert "Re-scored 1 answer(s)" in librarian.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).score == 1


def test_markdown_in_questions_is_sanitised_when_shown(app, sign_in, make):
    from lit_platform.quizzes.services import QuestionData

    from .test_views import start

    stem = ('Read <script>alert(1)</script> this [link](javascript:alert(1)) '
            '<img src=x onerror="alert(1)"> **bold**')
    quiz = make.quiz(questions=[QuestionData("essay", stem, {"guidance": ""})])
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    html = client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)
    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html and "javascript:" not in html and "onerror" not in html


def test_item_writing_checks_beside_each_version_of_a_question(app, sign_in, make):
    from lit_platform.quizzes.services import QuestionData, save_question

    flawed = QuestionData("single_choice", "Which of these is not a database?", {"choices": [
        {"id": "1", "text": "A list of websites found by a search engine", "weight": 1, "feedback": "Right."},
        {"id": "2", "text": "MEDLINE", "weight": 0, "feedback": "Incorrect."}]}, outcome="SE1")
    quiz = make.quiz(questions=[flawed])
    client, _ = sign_in("librarian")
    with app.app_context():
        question = db.session.get(Quiz, quiz.id).slots[0].question
        question_id = question.id
    listing = client.get("/bank/").get_data(as_text=True)
    assert (f'<a href="/bank/questions/{question_id}#item-checks">2 errors, 2 warnings'
            '<span class="visually-hidden"> in Which of these is not a database?</span></a>') in listing
    with app.app_context():
        question = db.session.get(Question, question_id)
        save_question(question.key, question.category, QuestionData("single_choice", "Which of these is **NOT** a database?", {"choices": [
            {"id": "1", "text": "Bing", "weight": 1, "feedback": "Right: it indexes web pages."},
            {"id": "2", "text": "MEDLINE", "weight": 0, "feedback": "MEDLINE is a bibliographic database."},
            {"id": "3", "text": "CINAHL", "weight": 0, "feedback": "CINAHL is a nursing database."}]}, outcome="SE1"))
        db.session.commit()
    old = client.get(f"/bank/questions/{question_id}/versions/1").get_data(as_text=True)
    checks = re.search(r'<section class="lint-findings" id="item-checks" aria-labelledby="item-checks-title">'
                       r'\s*<h2 id="item-checks-title">Item-writing checks: 2 error\(s\), 2 warning\(s\)</h2>(.*?)</section>',
                       old, re.S)
    assert checks, old
    items = re.findall(r"<li[^>]*>(.*?)</li>", checks.group(1), re.S)
    assert any("2 options: write at least 3" in i and i.startswith("<strong>Error:</strong>") for i in items)
    assert any("asks in the negative" in i for i in items)
    assert any("only says it is wrong" in i and i.startswith("<strong>Warning:</strong>") for i in items)
    assert any("keyed option is the longest" in i for i in items)
    current = client.get(f"/bank/questions/{question_id}").get_data(as_text=True)
    assert "Item-writing checks: no problems found." in current and "lint-findings" not in current
