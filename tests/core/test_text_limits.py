"""Written answers: every box states its limit, the server counts line breaks as the page does, text over the
limit is refused with a clear message (never cut), and a request too large for the site says so."""
import re

from lit_platform.core import textlimits
from lit_platform.extensions import db
from lit_platform.quizzes.models import Response
from lit_platform.quizzes.services import QuestionData

from ..conftest import Actions
from ..quizzes.test_views import response_ids, start


def test_a_line_break_is_one_character_however_the_browser_sends_it():
    assert textlimits.text_length("one\r\ntwo") == textlimits.text_length("one\ntwo") == 7
    assert textlimits.too_long("Your answer", "a\r\n" * 5, 10) is None  # 10 as the page counts, 15 bytes sent
    message = textlimits.too_long("Your answer", "a" * 12, 10)
    assert message == ("Your answer is 12 characters long; the limit is 10. Shorten it by 2 characters: "
                       "nothing has been cut.")


def _essay_quiz(make):
    return make.quiz(questions=[QuestionData("essay", "Explain lateral reading.", {"guidance": "Leave the page."})])


def _autosave(client, attempt_id, rid, text):
    token = Actions(client).token(f"/attempts/{attempt_id}/page/1")
    return client.post(f"/attempts/{attempt_id}/responses/{rid}", headers={"X-CSRFToken": token},
                       data={f"r{rid}": text})


def test_essay_states_its_limit_and_counts_crlf_line_breaks_once(app, sign_in, make):
    client, _ = sign_in("learner")
    attempt_id = start(client, _essay_quiz(make).id)
    rid = response_ids(app, attempt_id)["essay"]
    page = client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)
    assert f'id="r{rid}-count" data-count-for="r{rid}" data-max-chars="20000">Up to 20,000 characters.' in page
    assert f'aria-describedby="r{rid}-hint r{rid}-count"' in page
    fits = ("x" * 99 + "\r\n") * 200  # 20,000 characters as the page counts them; 20,200 as sent
    saved = _autosave(client, attempt_id, rid, fits.rstrip("\r\n") + "y")
    assert saved.status_code == 200 and saved.json["saved"] is True
    with app.app_context():
        stored = db.session.get(Response, rid).answer
    assert "\r" not in stored and len(stored) == 20_000


def test_too_long_an_answer_is_refused_with_the_numbers_and_nothing_is_cut(app, sign_in, make):
    client, _ = sign_in("learner")
    attempt_id = start(client, _essay_quiz(make).id)
    rid = response_ids(app, attempt_id)["essay"]
    _autosave(client, attempt_id, rid, "My first draft.")
    refused = _autosave(client, attempt_id, rid, "y" * 20_005)
    assert refused.status_code == 409 and refused.json["saved"] is False
    assert refused.json["message"] == ("Your answer is 20,005 characters long; the limit is 20,000. "
                                       "Shorten it by 5 characters: nothing has been cut.")
    with app.app_context():
        assert db.session.get(Response, rid).answer == "My first draft."  # the last answer that fitted is kept
    page = Actions(client).post(f"/attempts/{attempt_id}/page/1", {f"r{rid}": "z" * 20_001},
                                page=f"/attempts/{attempt_id}/page/1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "the limit is 20,000" in text
    assert "z" * 20_001 in text  # what was written is shown again, whole, to be shortened


def test_appraisal_reason_over_its_limit_is_refused_not_shortened(app, sign_in, make):
    from ..exercises.test_appraisal import SPEC

    quiz = make.quiz(questions=[QuestionData("appraisal_checklist", "Appraise this trial.", SPEC, points=4)])
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    rid = response_ids(app, attempt_id)["appraisal_checklist"]
    page = client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)
    assert page.count("Up to 2,000 characters.") == len(SPEC["items"])
    token = Actions(client).token(f"/attempts/{attempt_id}/page/1")
    refused = client.post(f"/attempts/{attempt_id}/responses/{rid}", headers={"X-CSRFToken": token},
                          data={f"r{rid}.blinded.why": "w" * 2_001})
    assert refused.status_code == 409
    assert refused.json["message"].startswith("Your reason for item 3 is 2,001 characters long; the limit is 2,000.")


def test_form_fields_state_their_limits_and_explain_an_overlong_text(app, sign_in):
    client, _ = sign_in("learner")
    page = client.get("/searches/new").get_data(as_text=True)
    assert 'id="notes-count" data-count-for="notes" data-max-chars="4000">Up to 4,000 characters.' in page
    assert re.search(r'<textarea[^>]+aria-describedby="notes-count"[^>]+id="notes"', page)
    notes = "n\r\n" * 1_999 + "nn"  # 4,000 as the page counts: accepted
    response = Actions(client).post("/searches/new", {"title": "Fits", "syntax": "pubmed", "search": "asthma",
                                                      "notes": notes}, page="/searches/new")
    assert response.status_code == 302
    response = Actions(client).post("/searches/new", {"title": "Too long", "syntax": "pubmed", "search": "asthma",
                                                      "notes": notes + "n"}, page="/searches/new")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This text is 4,001 characters long; the limit is 4,000. Shorten it by 1 character: nothing has been cut." \
        in text


def test_a_request_too_large_for_the_site_says_so(app, sign_in):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client, _ = sign_in("learner")
    response = client.post("/searches/new", data={"search": "x" * 20_000})
    text = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Too large to send" in text and "nothing was saved" in text and "connection" not in text


def test_staff_forms_count_line_breaks_once_and_state_their_limit(app, sign_in, make):
    client, _ = sign_in("librarian")
    make.quiz()  # makes a category to choose
    page = "/bank/questions/new/single_choice"
    html = client.get(page).get_data(as_text=True)
    assert 'data-count-for="stem" data-max-chars="20000">Up to 20,000 characters.' in html
    category = re.search(r'<option[^>]*value="(\d+)"', html).group(1)
    answers = {"points": "1", "category": category, "choices-0-text": "AND", "choices-0-weight": "100",
               "choices-1-text": "OR", "choices-1-weight": "0"}
    stem = ("s" * 99 + "\r\n") * 199 + "s" * 100  # 20,000 as the page counts; 20,199 as sent
    response = Actions(client).post(page, {"stem": stem, **answers}, page=page)
    assert response.status_code == 302
    response = Actions(client).post(page, {"stem": stem + "s", **answers}, page=page)
    assert response.status_code == 200
    assert "The question text is 20,001 characters long; the limit is 20,000." in response.get_data(as_text=True)
