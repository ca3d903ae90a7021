"""Writing or attaching a module's quiz through the module editor; both databases."""
from lit_platform.extensions import db
from lit_platform.quizzes import services as bank

from ..conftest import Actions
from .test_views import COPY, MODULE, author, draft_text, local_copy, shipped  # noqa: F401  (fixtures)


def _bank_quiz(app, key="bank-quiz", random=False):
    with app.app_context():
        data = bank.QuestionData(type="single_choice", stem="Which operator narrows a search?", outcome="DS1",
                                 spec={"choices": [{"id": "1", "text": "AND", "weight": 1.0, "feedback": ""},
                                                   {"id": "2", "text": "OR", "weight": 0.0, "feedback": ""}]})
        question, _ = bank.save_question(f"{key}.narrow", bank.find_or_create_category("Bank"), data)
        quiz = bank.save_quiz(key, {"title": f"Bank quiz {key}"})
        bank.set_fixed_questions(quiz, [question])
        if random:
            from lit_platform.quizzes.models import QuizSlot
            quiz.slots.append(QuizSlot(position=2, random_category_id=question.category_id, random_count=1))
        db.session.commit()
        return quiz.id


def test_write_a_quiz_for_a_module_opens_the_quiz_editor(app, local_copy):
    page = local_copy.get(MODULE).get_data(as_text=True)
    assert "Write a quiz for this module" in page
    response = Actions(local_copy).post(f"{MODULE}/quiz", page=MODULE)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{COPY}/quizzes/quizzes/01-question.yaml")
    editor = local_copy.get(response.headers["Location"]).get_data(as_text=True)
    assert "Replace this example with your first question" in editor
    assert "quiz: quizzes/01-question.yaml" in draft_text(app, "01-question.md")
    # The module now links to its quiz instead of offering to write one.
    page = local_copy.get(MODULE).get_data(as_text=True)
    assert "Edit this module&#39;s quiz" in page or "Edit this module's quiz" in page
    assert "Write a quiz for this module" not in page


def test_attach_a_bank_quiz_and_a_refusal_beside_the_field(app, local_copy):
    good, random = _bank_quiz(app), _bank_quiz(app, "random-quiz", random=True)
    page = local_copy.get(MODULE).get_data(as_text=True)
    assert "Bank quiz bank-quiz" in page and "Attach this quiz" in page
    refused = Actions(local_copy).post(f"{MODULE}/bank-quiz", {"quiz": str(random)}, page=MODULE)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "draws random questions" in text and "error-summary" in text
    nothing = Actions(local_copy).post(f"{MODULE}/bank-quiz", {"quiz": "0"}, page=MODULE)
    assert nothing.status_code == 400 and "Choose a quiz." in nothing.get_data(as_text=True)
    response = Actions(local_copy).post(f"{MODULE}/bank-quiz", {"quiz": str(good)}, page=MODULE)
    assert response.status_code == 302 and response.headers["Location"].endswith("quizzes/01-question.yaml")
    assert "key: bank-quiz.narrow" in draft_text(app, "quizzes/01-question.yaml")
    assert "Which operator narrows a search?" in local_copy.get(response.headers["Location"]).get_data(as_text=True)
