"""Before hand-in a pre/post test says how many questions are unanswered; "Your learning" lists the tests taken."""
import re

from lit_platform.assessments.queries import score_shown

from ..answers import answer_fields, choose
from ..conftest import Actions
from .test_course_prepost import complete_course, forms_course, take_test  # noqa: F401  (fixture)


def _start(client, phase: str) -> int:
    response = Actions(client).post(f"/courses/demo-course/tests/{phase}/start",
                                    page=f"/courses/demo-course/tests/{phase}")
    return int(re.search(r"/assessments/attempts/(\d+)", response.headers["Location"]).group(1))


def test_handing_in_with_a_question_unanswered_stops_at_a_check_page(app, sign_in, forms_course):  # noqa: F811
    client, _ = sign_in("learner")
    Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    entry_id = _start(client, "pre")
    take_url = f"/assessments/attempts/{entry_id}"
    page = client.get(take_url).get_data(as_text=True)
    assert "You have answered 0 of 2 questions." in page
    boolean_id = next(r for r in re.findall(r'data-response-id="(\d+)"', page)
                      if "True" in [f.label for f in answer_fields(page, r)])
    name, value = choose(page, boolean_id, "True")
    response = Actions(client).post(take_url, {"hand_in": "1", name: value}, page=take_url)
    assert response.headers["Location"].endswith(f"/assessments/attempts/{entry_id}/hand-in")
    check = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have answered 1 of 2 questions." in check and "1 question not answered." in check
    assert check.count("Not answered") == 1 and check.count("Answer saved") == 1
    assert f'href="{take_url}#q' in check  # each question links back to itself
    assert "You have answered 1 of 2 questions." in client.get(take_url).get_data(as_text=True)

    done = Actions(client).post(f"{take_url}/hand-in", page=f"{take_url}/hand-in")
    assert done.headers["Location"].endswith(f"{take_url}/done")
    assert "your answers are in" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert client.get(f"{take_url}/hand-in").headers["Location"].endswith(f"{take_url}/done")


def test_every_question_answered_hands_in_at_once(app, sign_in, forms_course):  # noqa: F811
    client, _ = sign_in("learner")
    Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    response = Actions(client).post("/courses/demo-course/tests/pre/start", page="/courses/demo-course/tests/pre")
    entry_id, handed_in = take_test(client, response.headers["Location"], right=True)
    assert handed_in.headers["Location"].endswith(f"/assessments/attempts/{entry_id}/done")


def test_another_person_cannot_see_or_hand_in_the_check_page(app, sign_in, forms_course):  # noqa: F811
    client, _ = sign_in("learner")
    Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    entry_id = _start(client, "pre")
    other, _ = sign_in("learner")
    assert other.get(f"/assessments/attempts/{entry_id}/hand-in").status_code == 404
    assert Actions(other).post(f"/assessments/attempts/{entry_id}/hand-in").status_code == 404


def test_pre_test_score_is_shown_only_once_the_post_test_is_in():
    assert not score_shown("pre", {"pre"})
    assert score_shown("pre", {"pre", "post"}) and score_shown("post", {"pre", "post"})
    assert score_shown("delayed", {"pre", "post", "delayed"})


def test_your_learning_lists_tests_taken_with_dates_and_allowed_scores(app, sign_in, forms_course):  # noqa: F811
    client, _ = sign_in("learner")
    assert "Tests you have taken" not in client.get("/learning").get_data(as_text=True)
    Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    response = Actions(client).post("/courses/demo-course/tests/pre/start", page="/courses/demo-course/tests/pre")
    take_test(client, response.headers["Location"], right=False)
    html = client.get("/learning").get_data(as_text=True)
    table = html[html.index("Tests you have taken"):]
    assert "Before" in table and "Shown after the test at the end" in table and "%" not in table
    complete_course(app, client)
    response = Actions(client).post("/courses/demo-course/tests/post/start", page="/courses/demo-course/tests/post")
    take_test(client, response.headers["Location"], right=True)
    html = client.get("/learning").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", html[html.index("Tests you have taken"):], re.S)[1:]
    assert [re.search(r"<td>(Before|After)</td>", r).group(1) for r in rows] == ["After", "Before"]
    assert "<td>100%</td>" in rows[0] and "<td>0%</td>" in rows[1]
