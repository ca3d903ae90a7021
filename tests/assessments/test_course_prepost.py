"""Pre-, post- and delayed tests in a course: gating, counterbalanced forms, pairing, results, invitations."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lit_platform.assessments import queries, services
from lit_platform.assessments.models import AssessmentAttempt, Participant
from lit_platform.core.types import utcnow
from lit_platform.courses.models import Course, Enrolment
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

from ..answers import answer_fields, checked_labels, choose, page_fields
from ..conftest import Actions
from ..test_cli import run_lit
from ..courses.conftest import COURSE_YAML, import_folder, write_course

# Two parallel forms of one item each (DS1), plus an item in both forms (DS2).
FORMS_ASSESSMENT = """\
key: demo-prepost
title: Demo before and after
items:
  - key: demo.pp.question-a
    form: A
    type: single_choice
    outcome: DS1
    stem: What comes first when you plan a search?
    choices:
      - {text: A question, correct: true}
      - {text: A database}
  - key: demo.pp.question-b
    form: B
    type: single_choice
    outcome: DS1
    stem: Which step comes before choosing a database?
    choices:
      - {text: Writing down the question, correct: true}
      - {text: Exporting results}
  - key: demo.pp.boolean
    type: true_false
    outcome: DS2
    stem: OR broadens.
    answer: true
confidence:
  - {key: demo.conf.boolean, outcome: DS2, statement: I can combine terms with AND and OR.}
"""


@pytest.fixture
def forms_course(app, tmp_path):
    """The demo course with a required pre-test, parallel forms and a delayed test after 4 weeks."""
    yaml = COURSE_YAML.replace("pretest: optional", "pretest: required\ndelayed_post_weeks: 4")
    import_folder(app, write_course(tmp_path, **{"course.yaml": yaml, "assessment.yaml": FORMS_ASSESSMENT}))
    return "demo-course"


def take_test(client, location, right: bool, confidence: str = "3"):
    """Open the take page, answer every question (right or wrong), rate confidence, hand in."""
    entry_id = int(re.search(r"/assessments/attempts/(\d+)", location).group(1))
    page = client.get(f"/assessments/attempts/{entry_id}").get_data(as_text=True)
    data = {"hand_in": "1", "c-demo.conf.boolean": confidence}
    for response_id in re.findall(r'data-response-id="(\d+)"', page):
        fields = [f for f in answer_fields(page, response_id) if f.type == "radio"]
        if "True" in [f.label for f in fields]:
            name, value = choose(page, response_id, "True" if right else "False")
        else:
            correct = [f for f in fields if "question" in f.label.lower()]
            picked = correct[0] if right else next(f for f in fields if f not in correct)
            name, value = picked.name, picked.value
        data[name] = value
    response = Actions(client).post(f"/assessments/attempts/{entry_id}", data, page=f"/assessments/attempts/{entry_id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return entry_id, response


def complete_course(app, client):
    from ..courses.test_views import pass_module_quiz
    Actions(client).post("/courses/demo-course/question/complete", page="/courses/demo-course/question")
    pass_module_quiz(app, client)
    response = Actions(client).post("/courses/demo-course/boolean/complete", page="/courses/demo-course/boolean")
    assert "You have completed Demo searching" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_required_pretest_gates_the_modules_then_post_test_shows_results_per_outcome(app, sign_in, forms_course):
    client, user = sign_in("learner")
    response = Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    assert response.headers["Location"].endswith("/courses/demo-course/tests/pre")
    page = client.get("/courses/demo-course/tests/pre").get_data(as_text=True)
    assert "answer 2 questions" in page and "Skip the test" not in page
    # A required pre-test cannot be skipped, and the modules stay closed.
    Actions(client).post("/courses/demo-course/tests/pre/skip", page="/courses/demo-course/tests/pre")
    assert client.get("/courses/demo-course/question").status_code == 302

    response = Actions(client).post("/courses/demo-course/tests/pre/start", page="/courses/demo-course/tests/pre")
    pre_entry, handed_in = take_test(client, response.headers["Location"], right=False, confidence="2")
    assert "your answers are in" in client.get(handed_in.headers["Location"]).get_data(as_text=True)
    assert client.get("/courses/demo-course/question").status_code == 200
    # A signed-in learner takes each test once.
    response = Actions(client).post("/courses/demo-course/tests/pre/start", page="/courses/demo-course/tests/pre")
    assert "already taken" in client.get(response.headers["Location"]).get_data(as_text=True)

    # The post-test opens only after the course is complete.
    response = Actions(client).post("/courses/demo-course/tests/post/start", page="/courses/demo-course/tests/post")
    assert response.headers["Location"].endswith("/courses/demo-course")
    complete_course(app, client)
    response = Actions(client).post("/courses/demo-course/tests/post/start", page="/courses/demo-course/tests/post")
    post_entry, handed_in = take_test(client, response.headers["Location"], right=True, confidence="5")
    assert handed_in.headers["Location"].endswith(f"/assessments/attempts/{post_entry}/done")
    results = client.get("/courses/demo-course/results").get_data(as_text=True)
    assert "You improved on 2 of 2 learning outcomes" in results
    assert re.search(r"DS2.*?<td>0%</td>\s*<td>100%</td>\s*<td>2\.0 → 5\.0</td>", results, re.S)

    with app.app_context():
        entries = {e.id: e for e in db.session.scalars(select(AssessmentAttempt))}
        # Counterbalanced: the post-test used the other parallel form.
        assert {entries[pre_entry].form, entries[post_entry].form} == {"A", "B"}
        participant = db.session.scalar(select(Participant).where(Participant.user_id == user.id))
        results = queries.context_results(course_id=participant.course_id)
        assert results.summary.paired == 1 and results.summary.took_pre == 1
        assert [row["outcome"] for row in results.outcomes] == ["DS1", "DS2"]
        assert results.outcomes[0]["pre"] == 0.0 and results.outcomes[0]["post"] == 1.0


def test_attempts_and_results_are_private_to_the_learner(app, sign_in, make, forms_course):
    client, _ = sign_in("learner")
    Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    response = Actions(client).post("/courses/demo-course/tests/pre/start", page="/courses/demo-course/tests/pre")
    location = response.headers["Location"]
    entry_id = int(re.search(r"/assessments/attempts/(\d+)", location).group(1))

    other = app.test_client()
    Actions(other).login(make.user("other@example.org").email)
    assert other.get(location).status_code == 404
    assert other.get(f"/assessments/attempts/{entry_id}/done").status_code == 404
    assert Actions(other).post(f"/assessments/attempts/{entry_id}/answers/confidence",
                               {"c-demo.conf.boolean": "4"}, page="/courses").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(location).status_code == 404
    # Without a post-test there are no results to show, for anyone.
    assert other.get("/courses/demo-course/results").status_code == 302


def test_autosave_keeps_answers_and_rejects_bad_ratings(app, sign_in, forms_course):
    client, _ = sign_in("learner")
    Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    response = Actions(client).post("/courses/demo-course/tests/pre/start", page="/courses/demo-course/tests/pre")
    entry_id = int(re.search(r"/assessments/attempts/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/assessments/attempts/{entry_id}").get_data(as_text=True)
    tf_id = next(f.section for f in page_fields(page) if f.label == "True")
    saved = Actions(client).post(f"/assessments/attempts/{entry_id}/answers/{tf_id}", dict([choose(page, tf_id, "True")]),
                                 page=f"/assessments/attempts/{entry_id}")
    assert saved.get_json() == {"saved": True, "answered": True}
    bad = Actions(client).post(f"/assessments/attempts/{entry_id}/answers/confidence",
                               {"c-demo.conf.boolean": "9"}, page=f"/assessments/attempts/{entry_id}")
    assert bad.status_code == 400 and "1 to 5" in bad.get_json()["message"]
    # A page post with a bad rating shows the error next to it and keeps the saved answer.
    response = Actions(client).post(f"/assessments/attempts/{entry_id}",
                                    {"hand_in": "1", **dict([choose(page, tf_id, "True")]), "c-demo.conf.boolean": "0"},
                                    page=f"/assessments/attempts/{entry_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choose a rating from 1 to 5." in html and 'href="#c-demo.conf.boolean"' in html
    assert checked_labels(html, tf_id) == ["True"]
    with app.app_context():
        assert db.session.get(AssessmentAttempt, entry_id).attempt.status == "in_progress"


def test_counterbalancing_over_many_learners(app, make, forms_course):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "demo-course"))
        points = queries.course_points(course.id)
        forms = {"A": 0, "B": 0}
        for n in range(41):
            user = make.user(f"learner{n}@example.org")
            entry = services.start(points["pre"], services.participant_for_user(points["pre"], user))
            forms[entry.form] += 1
            assert entry.attempt.quiz_id == (entry.point.instrument.quiz_a_id if entry.form == "A"
                                             else entry.point.instrument.quiz_b_id)
            participant = entry.participant
            assert services.form_for(participant, "post") != entry.form
            assert services.form_for(participant, "delayed") == entry.form
        db.session.commit()
    assert abs(forms["A"] - forms["B"]) <= 1


def test_delayed_post_test_invitation_is_sent_once_when_due(app, sign_in, forms_course):
    client, user = sign_in("learner")
    Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    response = Actions(client).post("/courses/demo-course/tests/pre/start", page="/courses/demo-course/tests/pre")
    take_test(client, response.headers["Location"], right=False)
    complete_course(app, client)
    learning = client.get("/learning").get_data(as_text=True)
    assert "Follow-up test from" in learning
    # Not due yet: the page says when it opens and starting is refused.
    assert "The follow-up test opens on" in client.get("/courses/demo-course/tests/delayed").get_data(as_text=True)
    response = Actions(client).post("/courses/demo-course/tests/delayed/start", page="/courses/demo-course/tests/delayed")
    assert response.headers["Location"].endswith("/courses/demo-course/tests/delayed")

    def link_for(course):
        return f"https://lit.example.org/courses/{course.slug}/tests/delayed"

    with app.app_context():
        completed = db.session.scalar(select(Enrolment.completed_at).where(Enrolment.user_id == user.id))
        assert services.queue_delayed_invitations(link_for, completed + timedelta(weeks=3)) == 0
        assert services.queue_delayed_invitations(link_for, completed + timedelta(weeks=4, minutes=1)) == 1
        db.session.commit()
        assert services.queue_delayed_invitations(link_for, completed + timedelta(weeks=6)) == 0
        messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == user.email)
                                      .where(OutboxMessage.subject.like("%follow-up%"))).all()
        assert len(messages) == 1 and "https://lit.example.org/courses/demo-course/tests/delayed" in messages[0].body_text
        # Move the completion back so the test is due today: the learner's page says so, and the
        # command finds nothing more to send.
        db.session.execute(Enrolment.__table__.update().where(Enrolment.user_id == user.id)
                           .values(completed_at=utcnow() - timedelta(weeks=5)))
        db.session.commit()
    assert "Due:" in client.get("/learning").get_data(as_text=True)
    result = run_lit(app, "assessments", "invite-delayed")
    assert result.exit_code == 0 and "0 invitation(s) queued" in result.output
    response = Actions(client).post("/courses/demo-course/tests/delayed/start", page="/courses/demo-course/tests/delayed")
    take_test(client, response.headers["Location"], right=True)
    with app.app_context():
        assert services.queue_delayed_invitations(link_for, utcnow() + timedelta(weeks=10)) == 0
        taken = db.session.scalar(select(func.count()).select_from(AssessmentAttempt))
        assert taken == 2  # the pre-test and the delayed test


def test_invite_delayed_command_queues_a_link_to_the_follow_up_test(app, sign_in, forms_course):
    client, user = sign_in("learner")
    Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    response = Actions(client).post("/courses/demo-course/tests/pre/start", page="/courses/demo-course/tests/pre")
    take_test(client, response.headers["Location"], right=False)
    complete_course(app, client)
    with app.app_context():
        db.session.execute(Enrolment.__table__.update().where(Enrolment.user_id == user.id)
                           .values(completed_at=utcnow() - timedelta(weeks=4, hours=1)))
        db.session.commit()
    result = run_lit(app, "assessments", "invite-delayed")
    assert result.exit_code == 0 and "1 invitation(s) queued" in result.output
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.like("%follow-up%")))
        assert message.to_address == user.email and "/courses/demo-course/tests/delayed" in message.body_text
