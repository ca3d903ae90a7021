"""Librarians write performance exercises in the question bank, in the same YAML as the course files."""
import re

import yaml
from sqlalchemy import select

from lit_platform.extensions import db
from lit_platform.quizzes.models import Question

from ..conftest import Actions
from .test_appraisal import SPEC as CHECKLIST_SPEC


def test_a_checklist_written_in_the_bank_is_checked_saved_and_shown_again_for_editing(app, sign_in, make):
    client, _ = sign_in("librarian")
    make.quiz()  # makes a category to choose
    page = "/bank/questions/new/appraisal_checklist"
    form = client.get(page).get_data(as_text=True)
    category = re.search(r'<option[^>]*value="(\d+)"', form).group(1)
    base = {"stem": "Appraise this trial.", "points": "4", "category": category}

    broken = Actions(client).post(page, {**base, "definition": "study:\n  text: [unclosed"}, page=page)
    assert broken.status_code == 200
    assert "The question cannot be read: this is not valid YAML" in broken.get_data(as_text=True)

    unknown = Actions(client).post(page, {**base, "definition": "study: {text: A trial}\nitems:\n  - {key: a, question: \"Is it?\", expert: yes, explanation: x, colour: red}\n"}, page=page)
    text = unknown.get_data(as_text=True)
    assert "items: unknown field &#39;colour&#39;" in text and "(line 3)" in text
    assert "needs a checklist of at least two items" in text

    definition = yaml.safe_dump({k: v for k, v in CHECKLIST_SPEC.items()}, sort_keys=False).replace("'yes'", "yes")
    saved = Actions(client).post(page, {**base, "definition": definition}, page=page)
    assert saved.status_code == 302, re.findall(r"error-message[^>]*>(.*?)</p>", saved.get_data(as_text=True), re.S)
    with app.app_context():
        question = db.session.scalars(select(Question).order_by(Question.id)).all()[-1]  # the newest
        assert question.current.spec["items"][0]["expert"] == "yes"  # an unquoted yes still means the answer
        assert question.current.spec == CHECKLIST_SPEC
        edit_page = client.get(f"/bank/questions/{question.id}/edit").get_data(as_text=True)
    assert "key: randomised" in edit_page and "expert: cant_tell" in edit_page
