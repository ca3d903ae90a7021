"""Taking a quiz over HTTP: saved as you go, resumable, private to the learner."""
import re

import pytest

from lit_platform.extensions import db
from lit_platform.quizzes.models import Attempt

from ..answers import checked_labels, page_value
from ..conftest import Actions


def start(client, quiz_id):
    response = Actions(client).post(f"/quizzes/{quiz_id}/attempts", page=f"/quizzes/{quiz_id}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/attempts/(\d+)/page/1", response.headers["Location"]).group(1))


def response_ids(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return {r.version.type: r.id for r in attempt.responses}


def test_autosave_then_resume_in_a_new_session(app, sign_in, make):
    quiz = make.quiz(questions_per_page=3)
    client, user = sign_in("learner")
    attempt_id = start(client, quiz.id)
    ids = response_ids(app, attempt_id)
    token = Actions(client).token(f"/attempts/{attempt_id}/page/1")
    saved = client.post(f"/attempts/{attempt_id}/responses/{ids['single_choice']}",
                        data={f"r{ids['single_choice']}": page_value(app, ids["single_choice"], "choice", "2")},
                        headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.json["saved"] is True
    # The learner closes the browser; later, in a new session, the answer is still there.
    later = app.test_client()
    Actions(later).login(user.email)
    page = later.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "Continue your attempt" in page
    assert start(later, quiz.id) == attempt_id
    html = later.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)
    assert checked_labels(html, ids["single_choice"]) == ["OR"]


def test_plain_form_saves_answers_without_javascript_and_keeps_good_ones_on_error(app, sign_in, make):
    quiz = make.quiz(questions_per_page=9)
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    ids = response_ids(app, attempt_id)
    response = Actions(client).post(f"/attempts/{attempt_id}/page/1", {
        f"r{ids['short_answer']}": "MeSH", f"r{ids['numerical']}": "twenty", "flag": str(ids["essay"]),
        "go": "summary"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Enter a number, for example 12 or 0.5." in html
    assert 'value="MeSH"' in html  # the good answer was saved
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        by_type = {r.version.type: r for r in attempt.responses}
        assert by_type["short_answer"].answer == "MeSH" and by_type["numerical"].answer is None
        assert by_type["essay"].is_flagged


def test_submit_scores_on_the_server_and_review_shows_feedback(app, sign_in, make):
    quiz = make.quiz(questions_per_page=9)
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    ids = response_ids(app, attempt_id)
    Actions(client).post(f"/attempts/{attempt_id}/page/1", {
        f"r{ids['single_choice']}": page_value(app, ids["single_choice"], "choice", "1"),
        f"r{ids['true_false']}": page_value(app, ids["true_false"], "answer", "true"), "go": "summary"})
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "You have answered 2 of 8 questions." in summary and "6 questions not answered" in summary
    response = Actions(client).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary")
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/review")
    review = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 of 8 (12%)" in review
    assert "AND narrows." in review and "The right answer:</strong> OR" in review


def test_review_options_hide_what_the_quiz_says_to_hide(app, sign_in, make):
    quiz = make.quiz(review_right_answers=False, review_feedback=False)
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    ids = response_ids(app, attempt_id)
    Actions(client).post(f"/attempts/{attempt_id}/page/1", {
        f"r{ids['single_choice']}": page_value(app, ids["single_choice"], "choice", "1")})
    Actions(client).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary")
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "AND narrows." not in review and "The right answer" not in review


@pytest.mark.parametrize("path,method", [
    ("/attempts/{a}/page/1", "get"), ("/attempts/{a}/summary", "get"), ("/attempts/{a}/review", "get"),
    ("/attempts/{a}/page/1", "post"), ("/attempts/{a}/responses/{r}", "post"), ("/attempts/{a}/submit", "post"),
])
def test_another_learner_can_neither_see_nor_change_an_attempt(app, sign_in, make, path, method):
    quiz = make.quiz()
    owner, _ = sign_in("learner")
    attempt_id = start(owner, quiz.id)
    response_id = min(response_ids(app, attempt_id).values())
    intruder, _ = sign_in("learner")
    url = path.format(a=attempt_id, r=response_id)
    if method == "get":
        assert intruder.get(url).status_code == 404
    else:
        actions = Actions(intruder)
        assert actions.post(url, {f"r{response_id}": page_value(app, response_id, "choice", "2"), "go": "summary"},
                            page="/").status_code == 404
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "in_progress" and all(r.answer is None for r in attempt.responses)


def test_autosave_refuses_a_question_from_another_attempt(app, sign_in, make):
    quiz = make.quiz()
    client, _ = sign_in("learner")
    first = start(client, quiz.id)
    other_quiz = make.quiz()
    second = start(client, other_quiz.id)
    foreign = min(response_ids(app, second).values())
    token = Actions(client).token()
    response = client.post(f"/attempts/{first}/responses/{foreign}",
                           data={f"r{foreign}": page_value(app, foreign, "choice", "2")},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 409 and response.json["message"] == "That question is not part of this attempt."


def test_autosave_without_csrf_token_is_refused(app, sign_in, make):
    quiz = make.quiz()
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    response_id = min(response_ids(app, attempt_id).values())
    assert client.post(f"/attempts/{attempt_id}/responses/{response_id}", data={}).status_code == 400


def test_timer_shows_the_deadline_and_time_limit_is_explained(app, sign_in, make):
    quiz = make.quiz(time_limit_minutes=20)
    client, _ = sign_in("learner")
    assert "20 minutes" in client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    attempt_id = start(client, quiz.id)
    html = client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)
    assert 'data-deadline="' in html and "Time left:" in html


def test_unpublished_quiz_is_not_found_for_learners(sign_in, make):
    quiz = make.quiz(is_published=False)
    client, _ = sign_in("learner")
    assert client.get(f"/quizzes/{quiz.id}").status_code == 404


def test_quiz_list_shows_published_quizzes_with_the_learners_own_progress(app, sign_in, make):
    shown = make.quiz(title="Searching basics")
    make.quiz(title="Hidden draft", is_published=False)
    client, _ = sign_in("learner")
    attempt_id = start(client, shown.id)
    ids = response_ids(app, attempt_id)
    Actions(client).post(f"/attempts/{attempt_id}/page/1", {
        f"r{ids['single_choice']}": page_value(app, ids["single_choice"], "choice", "2")})
    Actions(client).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary")
    other, _ = sign_in("learner")
    mine = client.get("/quizzes").get_data(as_text=True)
    assert "Searching basics" in mine and "Hidden draft" not in mine and "12%" in mine
    assert "12%" not in other.get("/quizzes").get_data(as_text=True)
