"""The learner's way through a course, and the staff view of progress."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_course
from lit_platform.extensions import db
from lit_platform.quizzes.models import Attempt, Quiz

from ..answers import page_value
from ..conftest import Actions
from .conftest import import_folder


@pytest.fixture
def course(app, course_folder):
    """The demo course without a pre-test, so module pages open straight away."""
    from .conftest import COURSE_YAML, import_folder, write_course
    return import_folder(app, write_course(course_folder.parent, **{
        "course.yaml": COURSE_YAML.replace("pretest: optional", "pretest: none")}))


@pytest.fixture
def course_with_pretest(app, course_folder):
    return import_folder(app, course_folder)


def pass_module_quiz(app, client, right: bool = True):
    with app.app_context():
        quiz_id = db.session.scalar(select(Quiz.id).where(Quiz.key == "demo-02-check"))
    response = Actions(client).post(f"/quizzes/{quiz_id}/attempts", page=f"/quizzes/{quiz_id}")
    attempt_id = int(re.search(r"/attempts/(\d+)/", response.headers["Location"]).group(1))
    with app.app_context():
        responses = {r.version.type: r.id for r in db.session.get(Attempt, attempt_id).responses}
    Actions(client).post(f"/attempts/{attempt_id}/page/1", {
        f"r{responses['single_choice']}": page_value(app, responses["single_choice"], "choice", "1" if right else "2"),
        f"r{responses['true_false']}": page_value(app, responses["true_false"], "answer",
                                                  "false" if right else "true")})
    Actions(client).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary")


def test_catalogue_search_and_filters(sign_in, course):
    client, _ = sign_in("learner")
    assert "Demo searching" in client.get("/courses").get_data(as_text=True)
    assert "Demo searching" in client.get("/courses?q=plan+a+search&topic=searching&audience=health&length=60").get_data(as_text=True)
    assert "No courses match" in client.get("/courses?audience=academic").get_data(as_text=True)
    assert "No courses match" in client.get("/courses?q=appraisal").get_data(as_text=True)


def test_work_through_resume_complete_and_get_a_certificate(app, sign_in, course_with_pretest):
    client, user = sign_in("learner")
    page = client.get("/courses/demo-course").get_data(as_text=True)
    assert "Turn a need into a question." in page and "Start the course" in page
    response = Actions(client).post("/courses/demo-course/start", page="/courses/demo-course")
    # The course asks for a pre-test first; this one may be skipped.
    assert response.headers["Location"].endswith("/courses/demo-course/tests/pre")
    assert client.get("/courses/demo-course/question").headers["Location"].endswith("/courses/demo-course/tests/pre")
    response = Actions(client).post("/courses/demo-course/tests/pre/skip", page="/courses/demo-course/tests/pre")
    assert response.headers["Location"].endswith("/courses/demo-course/question")
    module = client.get("/courses/demo-course/question").get_data(as_text=True)
    assert '<div class="admonition tip">' in module and "Next: Boolean logic" in module
    assert 'src="/courses/demo-course/files/images/venn.svg"' in module
    assert client.get("/courses/demo-course/files/images/venn.svg").status_code == 200
    response = Actions(client).post("/courses/demo-course/question/complete", page="/courses/demo-course/question")
    assert response.headers["Location"].endswith("/courses/demo-course/boolean")
    client.get("/courses/demo-course/boolean")
    # Leave and come back: the course resumes at the module last opened.
    later = app.test_client()
    Actions(later).login(user.email)
    assert "Continue where you left off" in later.get("/courses/demo-course").get_data(as_text=True)
    response = Actions(later).post("/courses/demo-course/start", page="/courses/demo-course")
    assert response.headers["Location"].endswith("/courses/demo-course/boolean")
    # The module's quiz must be passed before the module counts as complete.
    response = Actions(later).post("/courses/demo-course/boolean/complete", page="/courses/demo-course/boolean")
    assert "Pass the quiz “Boolean check” (50% or more)" in later.get(response.headers["Location"]).get_data(as_text=True)
    assert later.get("/courses/demo-course/certificate").status_code == 404
    pass_module_quiz(app, later)
    response = Actions(later).post("/courses/demo-course/boolean/complete", page="/courses/demo-course/boolean")
    assert "You have completed Demo searching" in later.get(response.headers["Location"]).get_data(as_text=True)
    assert "Completed" in later.get("/learning").get_data(as_text=True)
    certificate = later.get("/courses/demo-course/certificate").get_data(as_text=True)
    assert user.name in certificate and "Combine terms with Boolean operators." in certificate
    pdf = later.get("/courses/demo-course/certificate.pdf")
    assert pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Certificate of completion" in text and user.name in text and "Demo searching" in text


def test_module_quiz_page_links_back_to_the_module(app, sign_in, course):
    client, _ = sign_in("learner")
    html = client.get("/courses/demo-course/boolean").get_data(as_text=True)
    link = re.search(r'href="(/quizzes/\d+\?return_to=[^"]+)"', html).group(1)
    assert client.get(link.replace("&amp;", "&")).status_code == 200
    pass_module_quiz(app, client)
    with app.app_context():
        attempt_id = db.session.scalar(select(Attempt.id))
    assert 'href="/courses/demo-course/boolean">Back to the module' in client.get(
        f"/attempts/{attempt_id}/review").get_data(as_text=True)


def test_unknown_course_module_and_files_are_404(sign_in, course):
    client, _ = sign_in("learner")
    assert client.get("/courses/nope").status_code == 404
    assert client.get("/courses/demo-course/nope").status_code == 404
    assert client.get("/courses/demo-course/files/course.yaml").status_code == 404
    assert client.get("/courses/demo-course/files/images/../course.yaml").status_code == 404


@pytest.mark.parametrize("role,status", [("learner", 403), ("librarian", 200), ("manager", 200)])
def test_progress_page_is_for_staff(sign_in, course, role, status):
    client, _ = sign_in(role)
    assert client.get("/courses/demo-course/progress").status_code == status


def test_progress_table_filters_by_unit_and_exports_safe_csv(app, sign_in, make, course):
    nurse = make.user(name="=HYPERLINK(\"https://evil.example\")", org_unit="Health / Nursing")
    make.user(name="Lawrence Law", org_unit="Law")
    for person in [nurse]:
        client = app.test_client()
        Actions(client).login(person.email)
        Actions(client).post("/courses/demo-course/question/complete", page="/courses/demo-course/question")
    staff, _ = sign_in("librarian")
    unit = make.unit("Health")
    html = staff.get(f"/courses/demo-course/progress?unit={unit.id}").get_data(as_text=True)
    assert "1 learner enrolled" in html and "1 of 2" in html
    csv = staff.get("/courses/demo-course/progress?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv and ",1,2," in csv


def test_module_page_shows_the_new_text_and_quiz_settings_after_changes(app, sign_in, course, course_folder):
    client, _ = sign_in("learner")
    page = client.get("/courses/demo-course/boolean").get_data(as_text=True)
    assert "Use OR between synonyms" in page and "Score 50% or more" in page

    from .conftest import COURSE_YAML, MODULE_TWO, write_course
    write_course(course_folder.parent, **{"course.yaml": COURSE_YAML.replace("pretest: optional", "pretest: none"),
                                          "02-boolean.md": MODULE_TWO.replace(
        "Use OR between synonyms", "Put OR between synonyms"), "03-extra.md": "---\ntitle: Extra reading\n---\nMore.\n"})
    with app.app_context():
        definition, problems = read_course(course_folder)
        assert problems == []
        import_course(definition)
        db.session.execute(Quiz.__table__.update().where(Quiz.key == "demo-02-check").values(pass_mark=80))
        db.session.commit()

    page = client.get("/courses/demo-course/boolean").get_data(as_text=True)
    assert "Put OR between synonyms" in page and "Use OR between synonyms" not in page
    assert "Score 80% or more" in page
    assert "Next: Extra reading" in page


def test_module_page_shows_the_last_result_and_the_button_only_when_it_can_complete(app, sign_in, course):
    client, _ = sign_in("learner")
    page = client.get("/courses/demo-course/boolean").get_data(as_text=True)
    assert "Mark this module complete" not in page
    assert "Pass the quiz “Boolean check” (50% or more) to complete this module." in page
    assert "Your last attempt" not in page and "Take the quiz: Boolean check" in page
    pass_module_quiz(app, client, right=False)
    page = client.get("/courses/demo-course/boolean").get_data(as_text=True)
    assert re.search(r"Your last attempt, [^:]+:\s+0% \(not yet passed\)", page)
    assert "Mark this module complete" not in page and "Try the quiz again: Boolean check" in page
    pass_module_quiz(app, client)
    page = client.get("/courses/demo-course/boolean").get_data(as_text=True)
    assert re.search(r"Your last attempt, [^:]+:\s+100% \(passed\)", page)
    assert "Mark this module complete" in page and "to complete this module" not in page
    # A module without a quiz can be completed straight away.
    assert "Mark this module complete" in client.get("/courses/demo-course/question").get_data(as_text=True)


def test_page_and_server_use_one_completion_rule(app, sign_in, course):
    from lit_platform.courses.services import completion_blocker
    from lit_platform.accounts.models import User

    client, user = sign_in("learner")
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.key == "demo-02-check"))
        learner = db.session.get(User, user.id)
        blocker = completion_blocker(quiz, learner)
    assert blocker and blocker in client.get("/courses/demo-course/boolean").get_data(as_text=True)
    response = Actions(client).post("/courses/demo-course/boolean/complete", page="/courses/demo-course/boolean")
    assert blocker in client.get(response.headers["Location"]).get_data(as_text=True)
    pass_module_quiz(app, client)
    with app.app_context():
        assert completion_blocker(db.session.get(Quiz, quiz.id), db.session.get(User, user.id)) is None
