"""Opaque answer values on attempt pages: every question source, every path that saves, refusals,
and answers stored before the values became opaque."""
from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lit_platform.assessments.models import AssessmentAttempt
from lit_platform.extensions import db
from lit_platform.quizzes import attempts as quiz_attempts
from lit_platform.quizzes import services as quiz_services
from lit_platform.quizzes.gift_io import import_gift
from lit_platform.quizzes.models import Attempt, Question, Quiz
from lit_platform.quizzes.services import QuestionData

from ..answers import answer_fields, checked_labels, choose, page_fields, select as select_option
from ..assessments.test_live_sessions import choose_test, join_anonymously, open_test, page_of
from ..bookings.conftest import SessionFactory
from ..conftest import Actions, csrf_token_from
from ..exercises.test_appraisal import SPEC as CHECKLIST_SPEC
from ..exercises.test_lateral_reading import SPEC as SIFT_SPEC
from .test_blind_learner import TOKEN, opaque_values
from .test_views import response_ids, start

FOREIGN = "does not belong to this attempt, so nothing was saved"


def attempt_page(client, attempt_id):
    return client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)


def stored_answers(app, attempt_id) -> dict:
    with app.app_context():
        return {r.version.type: r.answer for r in db.session.get(Attempt, attempt_id).responses}


def answers_from_page(html, ids) -> list[tuple[str, str]]:
    """A learner's answers to the sample questions, picked by what the page shows (labels and options)."""
    fields = [choose(html, ids["single_choice"], "OR"),
              choose(html, ids["multiple_response"], "adolescent"), choose(html, ids["multiple_response"], "youth"),
              choose(html, ids["true_false"], "True"),
              select_option(html, ids["matching"], "AND", "narrows"), select_option(html, ids["matching"], "OR", "broadens")]
    fields += [select_option(html, ids["ordering"], text, str(n)) for n, text in
               enumerate(("Question", "Concepts", "Search"), 1)]
    return fields


SAVED = {"single_choice": "2", "multiple_response": ["1", "2"], "true_false": True,
         "matching": {"1": "narrows", "2": "broadens"}, "ordering": ["1", "2", "3"]}


def test_pages_from_every_question_source_send_only_opaque_values(app, sign_in, make, course_id):
    librarian, _ = sign_in("librarian")
    form = "/bank/questions/new/single_choice"
    category = re.search(r'<option (?:selected )?value="(\d+)"', librarian.get(form).get_data(as_text=True)).group(1)
    assert Actions(librarian).post(form, {"stem": "Made with the bank form", "points": "1", "category": category,
                                          "choices-0-text": "right", "choices-0-weight": "100",
                                          "choices-1-text": "wrong", "choices-1-weight": "0"}, page=form).status_code == 302
    with app.app_context():
        assert import_gift("::gift::From GIFT {=right ~wrong ~also wrong}\n\n"
                           "::gift-multi::Several from GIFT {~%50%right ~%50%also right ~%-100%wrong}\n",
                           "GIFT").imported == 2
        # Course files (the demo course's quizzes and pre/post items), the form and GIFT: in one quiz.
        questions = db.session.scalars(select(Question).order_by(Question.id)).all()
        sources = {q.key for q in questions}
        assert any(k.startswith("demo.") for k in sources) and any("gift" in k for k in sources)
        choice_ids = set()
        for question in questions:
            for choice in question.current.spec.get("choices") or []:
                choice_ids.add(choice["id"])
        assert {"1", "2"} <= choice_ids  # every source numbers its choices by their place in the file
        quiz = quiz_services.save_quiz("every-source", {"title": "Every source", "questions_per_page": 50})
        quiz_services.set_fixed_questions(quiz, questions)
        db.session.commit()
        quiz_id = quiz.id
    learner, _ = sign_in("learner")
    html = attempt_page(learner, start(learner, quiz_id))
    assert "Made with the bank form" in html and "From GIFT" in html and "Several from GIFT" in html
    values = opaque_values(html)
    assert len(values) > 10 and all(TOKEN.fullmatch(v) for v in values)
    assert not set(values) & (choice_ids | {"true", "false"})


def test_two_learners_and_two_attempts_share_no_values(app, sign_in, make):
    quiz = make.quiz(questions_per_page=9)
    first, _ = sign_in("learner")
    second, _ = sign_in("learner")
    first_attempt = start(first, quiz.id)
    one = attempt_page(first, first_attempt)
    two = attempt_page(second, start(second, quiz.id))
    assert Actions(first).post(f"/attempts/{first_attempt}/submit", page="/").status_code == 302
    again = attempt_page(first, start(first, quiz.id))
    pages = [set(opaque_values(html)) for html in (one, two, again)]
    assert all(len(values) == 16 for values in pages)  # 3 + 3 + 2 choices, 2 prompts, 3 options, 3 items
    assert not pages[0] & pages[1] and not pages[0] & pages[2] and not pages[1] & pages[2]


def test_autosave_and_the_plain_form_map_the_values_back(app, sign_in, make):
    quiz = make.quiz(questions_per_page=9)
    # With the page's script: one question at a time.
    scripted, _ = sign_in("learner")
    attempt_id = start(scripted, quiz.id)
    ids = response_ids(app, attempt_id)
    html = attempt_page(scripted, attempt_id)
    token = csrf_token_from(html)
    by_question = {}
    for name, value in answers_from_page(html, ids):
        by_question.setdefault(int(name[1:].split(".")[0]), []).append((name, value))
    for response_id, fields in by_question.items():
        saved = scripted.post(f"/attempts/{attempt_id}/responses/{response_id}", data=MultiDict(fields),
                              headers={"X-CSRFToken": token})
        assert saved.status_code == 200 and saved.json["saved"], saved.json
    assert {kind: answer for kind, answer in stored_answers(app, attempt_id).items() if kind in SAVED} == SAVED
    again = attempt_page(scripted, attempt_id)
    assert sorted(checked_labels(again, ids["multiple_response"])) == ["adolescent", "youth"]
    # Without it: the whole page in one post.
    plain, _ = sign_in("learner")
    attempt_id = start(plain, quiz.id)
    ids = response_ids(app, attempt_id)
    html = attempt_page(plain, attempt_id)
    response = plain.post(f"/attempts/{attempt_id}/page/1", data=MultiDict(
        [("csrf_token", csrf_token_from(html)), ("go", "summary"), *answers_from_page(html, ids)]))
    assert response.status_code == 302
    assert {kind: answer for kind, answer in stored_answers(app, attempt_id).items() if kind in SAVED} == SAVED
    Actions(plain).post(f"/attempts/{attempt_id}/submit", page="/")
    with app.app_context():
        fractions = {r.version.type: r.fraction for r in db.session.get(Attempt, attempt_id).responses}
    assert all(fractions[kind] == 1 for kind in SAVED)


def test_exercise_options_are_mapped_on_both_paths(app, sign_in, make):
    quiz = make.quiz(questions=[QuestionData("lateral_reading", "Investigate this post.", SIFT_SPEC),
                                QuestionData("appraisal_checklist", "Appraise this trial.", CHECKLIST_SPEC)])
    for scripted in (True, False):
        client, _ = sign_in("learner")
        attempt_id = start(client, quiz.id)
        ids = response_ids(app, attempt_id)
        html = attempt_page(client, attempt_id)
        sift, checklist = ids["lateral_reading"], ids["appraisal_checklist"]
        fields = [choose(html, sift, "investigate expert 2"), choose(html, sift, "investigate weak 1"),
                  [f for f in answer_fields(html, sift) if f.label == "Right reading" and ".investigate." in f.name][0],
                  choose(html, sift, "Misleading"),
                  *[(f.name, f.value) for f in answer_fields(html, checklist) if f.label == "Can't tell"][:2]]
        fields = [f if isinstance(f, tuple) else (f.name, f.value) for f in fields]
        token = csrf_token_from(html)
        if scripted:
            for response_id in (sift, checklist):
                mine = [f for f in fields if f[0].startswith(f"r{response_id}.")]
                saved = client.post(f"/attempts/{attempt_id}/responses/{response_id}", data=MultiDict(mine),
                                    headers={"X-CSRFToken": token})
                assert saved.status_code == 200, saved.json
        else:
            assert client.post(f"/attempts/{attempt_id}/page/1",
                               data=MultiDict([("csrf_token", token), *fields])).status_code == 302
        answers = stored_answers(app, attempt_id)
        assert answers["lateral_reading"]["moves"]["investigate"] == {"actions": ["2", "3"], "finding": "2", "notes": ""}
        assert answers["lateral_reading"]["verdict"] == "2"
        assert [a["answer"] for a in answers["appraisal_checklist"].values()] == ["cant_tell", "cant_tell"]


def test_a_value_from_another_attempt_is_refused_and_nothing_is_saved(app, sign_in, make):
    quiz = make.quiz(questions_per_page=9)
    owner, _ = sign_in("learner")
    other, _ = sign_in("learner")
    mine = start(owner, quiz.id)
    theirs = start(other, quiz.id)
    my_ids, their_ids = response_ids(app, mine), response_ids(app, theirs)
    my_page, their_page = attempt_page(owner, mine), attempt_page(other, theirs)
    token = csrf_token_from(my_page)
    _, foreign = choose(their_page, their_ids["single_choice"], "OR")
    # The page's script.
    refused = owner.post(f"/attempts/{mine}/responses/{my_ids['single_choice']}",
                         data={f"r{my_ids['single_choice']}": foreign}, headers={"X-CSRFToken": token})
    assert refused.status_code == 400 and refused.json["saved"] is False and FOREIGN in refused.json["message"]
    # An ordering item named by another attempt's value.
    their_item = next(f.name for f in answer_fields(their_page, their_ids["ordering"]) if f.label == "Search")
    renamed = their_item.replace(f"r{their_ids['ordering']}.", f"r{my_ids['ordering']}.")
    refused = owner.post(f"/attempts/{mine}/responses/{my_ids['ordering']}", data={renamed: "1"},
                         headers={"X-CSRFToken": token})
    assert refused.status_code == 400 and FOREIGN in refused.json["message"]
    # The plain form: a good answer beside the foreign one is not saved either.
    refused = owner.post(f"/attempts/{mine}/page/1", data={
        "csrf_token": token, f"r{my_ids['short_answer']}": "MeSH", f"r{my_ids['single_choice']}": foreign,
        "go": "summary"})
    assert refused.status_code == 400 and FOREIGN in refused.get_data(as_text=True)
    assert all(answer is None for answer in stored_answers(app, mine).values())


def test_pre_and_post_tests_refuse_another_participants_values(app, make, librarian, course_id):
    session_id = SessionFactory(app, make)(librarian, course_id=course_id, title="Finding the evidence").id
    staff = app.test_client()
    assert Actions(staff).login(librarian.email).status_code == 302
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    phones = [app.test_client(), app.test_client()]
    entries = [join_anonymously(phone, code, person) for phone, person in zip(phones, [("MA", "07", "1"), ("JO", "23", "0")])]
    pages = [page_of(phone, f"/assessments/attempts/{entry}") for phone, entry in zip(phones, entries)]
    assert not set(opaque_values(pages[0])) & set(opaque_values(pages[1]))
    rid = [next(f.section for f in page_fields(html) if f.label == "A question") for html in pages]
    _, foreign = choose(pages[1], rid[1], "A question")
    token = csrf_token_from(pages[0])
    url = f"/assessments/attempts/{entries[0]}"
    refused = phones[0].post(f"{url}/answers/{rid[0]}", data={f"r{rid[0]}": foreign}, headers={"X-CSRFToken": token})
    assert refused.status_code == 400 and FOREIGN in refused.get_json()["message"]
    refused = phones[0].post(url, data={"csrf_token": token, f"r{rid[0]}": foreign, "hand_in": "1"})
    assert refused.status_code == 400 and FOREIGN in refused.get_data(as_text=True)
    # Their own value saves, by the script and by the form.
    name, value = choose(pages[0], rid[0], "A question")
    saved = phones[0].post(f"{url}/answers/{rid[0]}", data={name: value}, headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.get_json()["saved"]
    assert checked_labels(page_of(phones[0], url), rid[0]) == ["A question"]
    with app.app_context():
        entry = db.session.get(AssessmentAttempt, entries[0])
        assert entry.attempt.status == "in_progress"
        assert next(r.answer for r in entry.attempt.responses if r.id == int(rid[0])) is not None


def test_answers_stored_before_opaque_values_review_and_regrade_the_same(app, sign_in, make):
    """Stored answers always held the stored ids; only pages changed, so old attempts need no migration."""
    quiz = make.quiz(questions_per_page=9)
    learner, user = sign_in("learner")
    with app.app_context():
        quiz_row = db.session.get(Quiz, quiz.id)
        attempt = quiz_attempts.start_attempt(quiz_row, user)
        # What the pages used to post: the stored ids themselves.
        old_form = {"single_choice": ["2"], "multiple_response": ["1", "3"], "true_false": ["false"],
                    "matching": {"1": "narrows", "2": "sorts"}, "ordering": ["2", "1", "3"]}
        for response in attempt.responses:
            if response.version.type in old_form:
                quiz_attempts.save_answer(attempt, response.id, old_form[response.version.type], user)
        quiz_attempts.submit_attempt(attempt, user)
        db.session.commit()
        attempt_id, score = attempt.id, attempt.score
        before = {r.version.type: r.fraction for r in attempt.responses}
    review = learner.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    ids = response_ids(app, attempt_id)
    assert checked_labels(review, ids["single_choice"]) == ["OR"]
    assert sorted(checked_labels(review, ids["multiple_response"])) == ["adolescent", "pensioner"]
    assert checked_labels(review, ids["true_false"]) == ["False"]
    assert f"{round(score, 2):g} of 8" in review
    with app.app_context():
        quiz_row = db.session.get(Quiz, quiz.id)
        for slot in quiz_row.slots:
            quiz_attempts.regrade_question(quiz_row, slot.question, None)
        db.session.commit()
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.score == score
        assert {r.version.type: r.fraction for r in attempt.responses} == before

