"""Pre/post tests in a live session: the librarian opens and closes them, people join by code on their
phones (signed in or anonymous), and the session's page pairs and reports the results."""
import csv
import io
import re

import pytest
from sqlalchemy import select

from lit_platform.assessments import queries
from lit_platform.assessments.models import AssessmentAttempt, AssessmentPoint, Instrument, Participant
from lit_platform.extensions import db

from ..bookings.conftest import SessionFactory
from ..answers import answer_fields, choose
from ..conftest import Actions

NO_OPEN_TEST = "No open test has that code. Check the code on the screen."
PEOPLE = [("MA", "07", "1"), ("JO", "23", "0"), ("XX", "30", "2")]


@pytest.fixture
def session_id(app, make, librarian, course_id):
    return SessionFactory(app, make)(librarian, course_id=course_id, title="Finding the evidence").id


@pytest.fixture
def staff(app, librarian):
    client = app.test_client()
    assert Actions(client).login(librarian.email).status_code == 302
    return client


def sign_in_as(app, user):
    client = app.test_client()
    assert Actions(client).login(user.email).status_code == 302
    return client


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def choose_test(staff, session_id):
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    instrument_id = re.search(r'<option selected value="(\d+)">Demo before and after</option>', page).group(1)
    response = Actions(staff).post(f"/assessments/sessions/{session_id}/instrument", {"instrument": instrument_id},
                                   page=f"/assessments/sessions/{session_id}")
    assert response.status_code == 302


def open_test(staff, session_id, phase) -> str:
    """Open a phase and return its join code, as read from the librarian's page."""
    response = Actions(staff).post(f"/assessments/sessions/{session_id}/tests/{phase}/open",
                                   page=f"/assessments/sessions/{session_id}")
    assert response.status_code == 302
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    return re.search(r'<p class="join-code"><span class="visually-hidden">Code: </span>([A-Z0-9]+)</p>', page).group(1)


def close_test(staff, session_id, phase):
    response = Actions(staff).post(f"/assessments/sessions/{session_id}/tests/{phase}/close",
                                   page=f"/assessments/sessions/{session_id}")
    assert response.status_code == 302
    return response


def join_anonymously(client, code, person=PEOPLE[0]) -> int:
    letters, day, siblings = person
    response = Actions(client).post(f"/join/{code}", {"letters": letters, "day": day, "siblings": siblings},
                                    page=f"/join/{code}")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.fullmatch(r"/assessments/attempts/(\d+)", response.headers["Location"]).group(1))


def join_as_me(client, code) -> int:
    response = Actions(client).post(f"/join/{code}/me", page=f"/join/{code}")
    assert response.status_code == 302
    return int(re.fullmatch(r"/assessments/attempts/(\d+)", response.headers["Location"]).group(1))


def answer(client, entry_id, right=True, confidence="3", hand_in=True):
    """Answer both items right (or wrong), rate confidence, and hand in (or only save)."""
    url = f"/assessments/attempts/{entry_id}"
    page = page_of(client, url)
    data = {"c-demo.conf.boolean": confidence, ("hand_in" if hand_in else "save"): "1"}
    for rid in re.findall(r'data-response-id="(\d+)"', page):
        if "True" in [f.label for f in answer_fields(page, rid)]:
            name, value = choose(page, rid, "True" if right else "False")
        else:
            name, value = choose(page, rid, "A question" if right else "A database")
        data[name] = value
    response = Actions(client).post(url, data, page=url)
    assert response.status_code == 302
    return response


def csv_rows(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# The librarian's page ------------------------------------------------------------------------

def test_librarian_chooses_the_course_test_then_opens_and_closes_each_phase(app, staff, session_id):
    assert "Pre/post test: open, close, results" in page_of(staff, f"/manage/sessions/{session_id}")
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert "Pre/post test: Finding the evidence" in page
    # The linked course's test is chosen for the librarian; nothing is open yet.
    assert '<option selected value=' in page and "Use this test" in page and "join-code" not in page
    choose_test(staff, session_id)
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert "This session uses <strong>Demo before and after</strong>" in page
    assert page.count("Not opened yet") == 2 and "Open the pre-test" in page

    code = open_test(staff, session_id, "pre")
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert "The pre-test is open" in page and "Close the pre-test" in page
    assert f"http://localhost/join/{code}" in page and "http://localhost/join</strong>" in page
    assert '<svg class="qr" role="img" aria-label="QR code for joining the pre-test"' in page
    assert 'data-counts-url="/assessments/sessions/' in page and "js/live-counts.js" in page
    screen = page_of(staff, f"/assessments/sessions/{session_id}/screen")
    assert code in screen and '<svg class="qr"' in screen

    # Opening the post-test closes the pre-test; the post-test has a code of its own.
    post_code = open_test(staff, session_id, "post")
    assert post_code != code
    with app.app_context():
        points = queries.session_points(session_id)
        assert not points["pre"].is_open and points["pre"].closed_at is not None and points["post"].is_open
    close_test(staff, session_id, "post")
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert "join-code" not in page and "Open the post-test again" in page and "Open the pre-test again" in page
    assert "No test is open" in page_of(staff, f"/assessments/sessions/{session_id}/screen")
    with app.app_context():
        assert not any(p.is_open for p in queries.session_points(session_id).values())


def test_three_anonymous_participants_are_paired(app, staff, session_id):
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    phones = [app.test_client() for _ in PEOPLE]
    for phone, person in zip(phones, PEOPLE):
        answer(phone, join_anonymously(phone, code, person), right=False, confidence="2")
    counts = staff.get(f"/assessments/sessions/{session_id}/counts").get_json()
    assert counts["open"] is True
    assert counts["phases"]["pre"] == {"started": 3, "handed_in": 3, "answering": 0, "unfinished": 0}

    post_code = open_test(staff, session_id, "post")
    for phone, person in zip(phones, PEOPLE):
        # The same three answers, typed a little differently, make the same code.
        letters, day, siblings = person
        entry_id = join_anonymously(phone, post_code, (letters.lower(), day.lstrip("0"), f" {siblings} "))
        done = answer(phone, entry_id, right=True, confidence="5")
        # Each sees their own before and after on the done page.
        assert "Before and after, by topic" in page_of(phone, done.headers["Location"])

    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert re.search(r"<dt>Paired \(took both\)</dt><dd>3</dd>", page)
    assert "<dt>Took the pre-test</dt><dd>3</dd>" in page
    assert "<dt>Same code used twice</dt><dd>0</dd>" in page
    # Three people are fewer than the minimum group: who took part is shown, their scores are not.
    assert "The averages appear once at least 5 people have taken both tests" in page
    assert "Turn a need into a question." not in page and page.count(">not shown<") == 6
    # Class-level before and after per outcome, and confidence, over the three pairs.
    app.config["LIT_REPORT_MIN_GROUP"] = 3
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert re.search(r'DS1 <span class="muted">Turn a need into a question.</span></th>\s*'
                     r'<td class="num">0%</td>\s*<td class="num">100%</td>\s*<td class="num">\+100 points</td>', page)
    assert re.search(r'I can combine terms with AND and OR.</th>\s*'
                     r'<td class="num">2.0</td>\s*<td class="num">5.0</td>', page)
    assert page.count("Anonymous code") == 3 and len(set(re.findall(r"P-[0-9A-F]{8}", page))) == 3
    with app.app_context():
        assert queries.context_results(session_id=session_id).summary.paired == 3
        assert db.session.scalar(select(db.func.count()).select_from(Participant)) == 3


def test_someone_who_joins_only_at_the_end_gets_only_the_post_test_and_is_unpaired(app, staff, session_id):
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    early = app.test_client()
    answer(early, join_anonymously(early, code, PEOPLE[0]))
    post_code = open_test(staff, session_id, "post")
    # The pre-test's code now says clearly that it is closed.
    late = app.test_client()
    response = late.get(f"/join/{code}")
    assert response.status_code == 404 and NO_OPEN_TEST in response.get_data(as_text=True)
    answer(late, join_anonymously(late, post_code, PEOPLE[1]))
    with app.app_context():
        results = queries.context_results(session_id=session_id)
        assert results.summary.paired == 0 and results.summary.pre_only == 1 and results.summary.post_only == 1
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert "<dt>Post-test only</dt><dd>1</dd>" in page and "<dt>Pre-test only</dt><dd>1</dd>" in page
    assert "After only" in page and "Before only" in page


def test_wrong_or_closed_code_says_so_next_to_the_field(app, staff, session_id, client):
    choose_test(staff, session_id)
    actions = Actions(client)
    page = page_of(client, "/join")
    assert '<label for="code">Code <span class="required">(required)</span></label>' in page
    assert 'autocomplete="off"' in page
    response = actions.post("/join", {"code": "ZZZZZZ"}, page="/join")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (f'<p class="error-message" id="code-error"><span class="visually-hidden">Error:</span> '
            f'{NO_OPEN_TEST}</p>') in html
    assert f'<a href="#code">{NO_OPEN_TEST}</a>' in html and 'aria-invalid="true"' in html
    empty = actions.post("/join", {"code": " "}, page="/join")
    assert "Enter the code shown on the screen." in empty.get_data(as_text=True)

    with app.app_context():
        pre_code = queries.session_points(session_id)["pre"].join_code
    # A real code of a test that is not open yet is refused the same way.
    assert NO_OPEN_TEST in actions.post("/join", {"code": pre_code}, page="/join").get_data(as_text=True)
    response = client.get(f"/join/{pre_code}")
    assert response.status_code == 404 and NO_OPEN_TEST in response.get_data(as_text=True)
    assert client.get("/join/not-a-code-at-all-really-long").status_code == 404

    code = open_test(staff, session_id, "pre")
    # Lower case, spaces and dashes are all fine.
    response = actions.post("/join", {"code": f" {code[:3].lower()}-{code[3:]} "}, page="/join")
    assert response.status_code == 302 and response.headers["Location"] == f"/join/{code}"


def test_the_code_prompts_show_their_errors_next_to_the_fields(app, staff, session_id, client):
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    page = page_of(client, f"/join/{code}")
    assert page.count('autocomplete="off"') >= 4 and 'inputmode="numeric"' in page
    assert "Sign in</a> to keep your results" in page and "Continue as" not in page
    response = Actions(client).post(f"/join/{code}", {"letters": "M", "day": "32", "siblings": "ten"},
                                    page=f"/join/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="error-summary"' in html
    for name, message in [("letters", "Enter two letters, for example MA."),
                          ("day", "Enter a day from 01 to 31, for example 07."),
                          ("siblings", "Enter one digit from 0 to 9.")]:
        assert f'<a href="#{name}">{message}</a>' in html
        assert f'id="{name}-error"><span class="visually-hidden">Error:</span> {message}</p>' in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Participant)) == 0


def test_the_same_anonymous_code_in_two_browsers_is_flagged_not_paired(app, staff, session_id):
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    first, second = app.test_client(), app.test_client()
    first_entry = join_anonymously(first, code, PEOPLE[0])
    second_entry = join_anonymously(second, code, PEOPLE[0])
    # Each browser has its own attempt and cannot open the other's.
    assert first_entry != second_entry
    assert first.get(f"/assessments/attempts/{second_entry}").status_code == 404
    answer(first, first_entry, right=True)
    answer(second, second_entry, right=False)
    post_code = open_test(staff, session_id, "post")
    answer(first, join_anonymously(first, post_code, PEOPLE[0]))
    with app.app_context():
        results = queries.context_results(session_id=session_id)
        assert results.summary.conflicts == 1 and results.summary.paired == 0
        assert [r.status for r in results.participants.values()] == ["conflict"]
        # Nothing is discarded: both pre-tests and the post-test are kept.
        assert db.session.scalar(select(db.func.count()).select_from(AssessmentAttempt)) == 3
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert "<dt>Same code used twice</dt><dd>1</dd>" in page and "<dt>Paired (took both)</dt><dd>0</dd>" in page
    assert "2 pre-tests were handed in under one anonymous code. Two people probably chose the same code" in page
    assert "1 more pre-test under this code" in page


def test_joining_again_in_the_same_browser_resumes_or_shows_the_handed_in_test(app, staff, session_id, client):
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    entry_id = join_anonymously(client, code)
    # Scanning the code again before handing in offers, or carries on with, the same attempt.
    assert f'<a href="/assessments/attempts/{entry_id}">Carry on with your answers</a>' in page_of(client, f"/join/{code}")
    assert join_anonymously(client, code) == entry_id
    answer(client, entry_id)
    assert "This test has been handed in on this device" in page_of(client, f"/join/{code}")
    response = Actions(client).post(f"/join/{code}", dict(zip(("letters", "day", "siblings"), PEOPLE[0])),
                                    page=f"/join/{code}")
    assert response.headers["Location"] == f"/assessments/attempts/{entry_id}/done"
    assert "You have already handed in this test." in page_of(client, response.headers["Location"])
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AssessmentAttempt)) == 1


def test_a_signed_in_learner_can_take_part_as_themselves_once_per_test(app, make, staff, session_id):
    learner = make.user("ana@example.org", "Ana Early")
    phone = sign_in_as(app, learner)
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    page = page_of(phone, f"/join/{code}")
    assert "Continue as Ana Early" in page and "Or take part without your name" in page
    answer(phone, join_as_me(phone, code))
    response = Actions(phone).post(f"/join/{code}/me", page=f"/join/{code}")
    assert "You have already taken this test." in page_of(phone, response.headers["Location"])
    with app.app_context():
        participant = db.session.scalar(select(Participant))
        assert participant.user_id == learner.id and participant.code is None
    # Without signing in, "as yourself" is not offered and the action asks to sign in.
    anonymous = app.test_client()
    assert Actions(anonymous).post(f"/join/{code}/me", page=f"/join/{code}").status_code == 302


def test_closing_the_post_test_midway_keeps_the_answers_and_marks_them_unfinished(app, staff, session_id):
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    phone = app.test_client()
    answer(phone, join_anonymously(phone, code), right=False)
    post_code = open_test(staff, session_id, "post")
    entry_id = join_anonymously(phone, post_code)
    answer(phone, entry_id, right=True, hand_in=False)  # saved, not handed in
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert re.search(r'data-count="post-answering">1<', page)
    assert "Some people are still answering. Close the post-test?" in page

    response = close_test(staff, session_id, "post")
    message = page_of(staff, response.headers["Location"])
    assert ("The post-test is closed. 1 person had not handed in: what they answered is kept and marked "
            "unfinished.") in message
    with app.app_context():
        entry = db.session.get(AssessmentAttempt, entry_id)
        assert entry.is_complete is False and entry.attempt.status != "in_progress"
        assert all(r.is_answered for r in entry.attempt.responses) and entry.confidence == {"demo.conf.boolean": 3}
        results = queries.context_results(session_id=session_id)
        assert results.summary.paired == 1 and results.summary.incomplete_pairs == 1
        assert results.outcomes[0]["post"] == 1.0  # what was saved counts
    # The participant is told, and can no longer change anything.
    response = phone.get(f"/assessments/attempts/{entry_id}")
    assert response.headers["Location"] == f"/assessments/attempts/{entry_id}/done"
    assert "closed this test before you handed it in" in page_of(phone, response.headers["Location"])
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert "<dt>Pairs with an unfinished test</dt><dd>1</dd>" in page
    assert "Post-test closed before it was handed in" in page
    assert re.search(r'data-count="post-unfinished">1<', page)


def test_the_test_cannot_be_changed_once_people_have_answered(app, staff, session_id):
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    phone = app.test_client()
    join_anonymously(phone, code)
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert "can no longer be changed" in page and "Change the test" not in page
    with app.app_context():
        other = Instrument(key="other", title="Another test")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    response = Actions(staff).post(f"/assessments/sessions/{session_id}/instrument", {"instrument": other_id},
                                   page="/manage/sessions/")
    assert "its instrument cannot change" in page_of(staff, response.headers["Location"])


def test_join_attempts_are_rate_limited_per_address(make_app):
    limited = make_app(LIT_JOIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    token = Actions(client).token("/join")
    statuses = [client.post("/join", data={"code": "ZZZZZZ", "csrf_token": token}).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert client.get("/join").status_code == 200  # the page itself still loads


# Who may see what ----------------------------------------------------------------------------

@pytest.mark.parametrize("roles, status", [
    (["librarian"], 403),  # a librarian who does not facilitate this session
    (["learner"], 403),
    (["manager"], 200),
    (["admin"], 200),
])
def test_only_facilitators_managers_and_admins_see_a_sessions_tests(app, sign_in, session_id, staff, roles, status):
    choose_test(staff, session_id)
    client, _ = sign_in(*roles)
    for path in ["", "/screen", "/counts", "/pairs.csv"]:
        assert client.get(f"/assessments/sessions/{session_id}{path}").status_code == status, path
    if status == 403:
        actions = Actions(client)
        for action in ["tests/pre/open", "tests/pre/close", "instrument"]:
            assert actions.post(f"/assessments/sessions/{session_id}/{action}").status_code == 403
        with app.app_context():
            assert not queries.session_points(session_id)["pre"].is_open
    if status == 200:
        assert client.get("/assessments/sessions/999999").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, session_id):
    for path in [f"/assessments/sessions/{session_id}", f"/assessments/sessions/{session_id}/pairs.csv",
                 "/assessments/courses/demo-course/summary"]:
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_csv_has_pseudonyms_for_librarians_and_names_only_for_managers(app, make, sign_in, staff, session_id):
    learner = make.user("ana@example.org", "Ana Early")
    phone = sign_in_as(app, learner)
    anonymous = app.test_client()
    choose_test(staff, session_id)
    code = open_test(staff, session_id, "pre")
    answer(phone, join_as_me(phone, code))
    answer(anonymous, join_anonymously(anonymous, code))
    post_code = open_test(staff, session_id, "post")
    answer(phone, join_as_me(phone, post_code))

    rows = csv_rows(staff.get(f"/assessments/sessions/{session_id}/pairs.csv"))
    assert rows[0][:3] == ["participant", "anonymous", "status"]
    text = "\n".join(",".join(row) for row in rows)
    assert "Ana Early" not in text and "ana@example.org" not in text and "MA071" not in text
    assert sorted(row[2] for row in rows[1:]) == ["paired", "pre only"]
    assert all(re.fullmatch(r"P-[0-9A-F]{8}", row[0]) for row in rows[1:])
    page = page_of(staff, f"/assessments/sessions/{session_id}")
    assert "Ana Early" not in page and "<th scope=\"col\">Name</th>" not in page

    manager, _ = sign_in("manager")
    rows = csv_rows(manager.get(f"/assessments/sessions/{session_id}/pairs.csv"))
    assert rows[0][:3] == ["participant", "name", "email"]
    named = {row[1]: row for row in rows[1:]}
    assert named["Ana Early"][2] == "ana@example.org" and named["Ana Early"][4] == "paired"
    assert named[""][3] == "yes"  # the anonymous participant has no name
    page = page_of(manager, f"/assessments/sessions/{session_id}")
    assert "<td>Ana Early</td>" in page and "<th scope=\"col\">Name</th>" in page
    # The pseudonyms match between the two views.
    assert {row[0] for row in rows[1:]} == set(re.findall(r"P-[0-9A-F]{8}", page))


def test_course_summary_for_librarians_managers_and_admins(app, sign_in, course_id):
    learner_client, learner = sign_in("learner")
    with app.app_context():
        from lit_platform.accounts.models import User
        from lit_platform.assessments import services

        point = queries.course_points(course_id)["pre"]
        user = db.session.get(User, learner.id)
        entry = services.start(point, services.participant_for_user(point, user))
        services.submit(entry, user)
        db.session.commit()
    assert learner_client.get("/assessments/courses/demo-course/summary").status_code == 403
    assert learner_client.get("/assessments/courses/demo-course/pairs.csv").status_code == 403
    librarian, _ = sign_in("librarian")
    page = page_of(librarian, "/assessments/courses/demo-course/summary")
    assert "Before and after: Demo searching" in page and "<dt>Pre-test only</dt><dd>1</dd>" in page
    assert learner.name not in page
    rows = csv_rows(librarian.get("/assessments/courses/demo-course/pairs.csv"))
    assert len(rows) == 2 and rows[1][2] == "pre only" and learner.email not in ",".join(rows[1])
    manager, _ = sign_in("manager")
    assert learner.email in ",".join(csv_rows(manager.get("/assessments/courses/demo-course/pairs.csv"))[1])
    assert sign_in("admin")[0].get("/assessments/courses/demo-course/summary").status_code == 200
    assert librarian.get("/assessments/courses/no-such-course/summary").status_code == 404


def test_points_and_codes_belong_to_their_session(app, staff, session_id, make, course_id):
    """Codes are unique across sessions, and opening one session's test leaves others alone."""
    other_id = SessionFactory(app, make)(course_id=course_id).id
    choose_test(staff, session_id)
    with app.app_context():
        from lit_platform.assessments import services
        from lit_platform.bookings.models import Session

        instrument = db.session.scalar(select(Instrument))
        services.ensure_session_points(db.session.get(Session, other_id), instrument)
        db.session.commit()
        codes = db.session.scalars(select(AssessmentPoint.join_code).where(AssessmentPoint.session_id.is_not(None)))
        assert len(set(codes)) == 4
    open_test(staff, session_id, "pre")
    with app.app_context():
        assert not any(p.is_open for p in queries.session_points(other_id).values())
    # The librarian does not facilitate the other session, so cannot open its test.
    assert Actions(staff).post(f"/assessments/sessions/{other_id}/tests/pre/open").status_code == 403


def test_booked_learners_find_the_open_test_on_their_booking_page(app, make, staff, session_id):
    learner = make.user("bo@example.org", "Bo Booked")
    phone = sign_in_as(app, learner)
    assert Actions(phone).post(f"/sessions/{session_id}/book", page=f"/sessions/{session_id}").status_code == 302
    choose_test(staff, session_id)
    assert "Take the post-test" not in page_of(phone, f"/sessions/{session_id}")
    code = open_test(staff, session_id, "post")
    page = page_of(phone, f"/sessions/{session_id}")
    assert "Take the post-test" in page and f'href="/join/{code}"' in page
    # Someone without a place is not pointed at it.
    other = sign_in_as(app, make.user("nb@example.org", "No Booking"))
    assert "Take the post-test" not in page_of(other, f"/sessions/{session_id}")
    close_test(staff, session_id, "post")
    assert "Take the post-test" not in page_of(phone, f"/sessions/{session_id}")
