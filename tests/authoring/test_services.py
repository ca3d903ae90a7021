"""Drafts, optimistic locking, publishing, versions, diffs and rollback; on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import func, select, update

from lit_platform.authoring import files, services
from lit_platform.authoring.models import SourceFile
from lit_platform.authoring.svg import sanitise_svg
from lit_platform.courses import services as course_services
from lit_platform.courses.models import Course, Module, ModuleProgress
from lit_platform.extensions import db
from lit_platform.quizzes.attempts import start_attempt
from lit_platform.quizzes.models import Attempt, Question, QuestionVersion

from ..courses.conftest import ASSESSMENT, COURSE_YAML, GLOSSARY, MODULE_ONE, MODULE_TWO, QUIZ, SVG


def demo_files(**overrides) -> dict[str, bytes]:
    texts = {"course.yaml": COURSE_YAML, "01-question.md": MODULE_ONE, "02-boolean.md": MODULE_TWO,
             "quizzes/02-boolean.yaml": QUIZ, "assessment.yaml": ASSESSMENT, "images/venn.svg": SVG,
             "glossary.yaml": GLOSSARY} | overrides
    return {path: text.encode() for path, text in texts.items() if text is not None}


@pytest.fixture
def author(make):
    return make.user(roles=("librarian",))


@pytest.fixture
def demo(ctx, author):
    """The demo course uploaded as a zip and published as version 1."""
    source, changed = services.import_zip(files.to_zip(demo_files(), "demo-course"), author)
    assert changed == 7
    assert services.publish(source, "First version", author).number == 1
    db.session.commit()
    return source


def test_a_new_course_validates_publishes_once_and_learners_see_it(ctx, author):
    source = services.new_course("our-course", "Our course: referencing", author)
    assert sorted(services.draft(source)) == ["01-introduction.md", "course.yaml"]
    definition, problems = services.validate(source)
    assert problems == [] and definition.title == "Our course: referencing"
    version = services.publish(source, "Ready", author)
    course = db.session.scalar(select(Course).where(Course.slug == "our-course"))
    assert version.number == 1 and version.note == "Ready" and version.published_by_id == author.id
    assert [m.title for m in course.active_modules] == ["Introduction"]
    # A publish that changes nothing makes no version and leaves the course as it was.
    assert services.publish(source, "Again", author) is None
    assert [v.number for v in services.versions(source)] == [1] and course.version == 1


def test_a_new_course_needs_a_free_well_formed_short_name(ctx, author):
    for slug, message in (("Bad Slug", "lower-case letters"), ("searching", "already a course")):
        with pytest.raises(services.AuthoringError, match=message):
            services.new_course(slug, "A title", author)


def test_a_conflicting_save_is_refused_with_the_current_text(ctx, author, make, demo):
    other = make.user(roles=("librarian",))
    opened = services.draft(demo)["01-question.md"].revision
    theirs = MODULE_ONE.replace("it saves time", "it saves hours")
    saved = services.save_file(demo, "01-question.md", theirs, opened, other)
    assert saved.revision == opened + 1
    with pytest.raises(services.EditConflict) as conflict:
        services.save_file(demo, "01-question.md", MODULE_ONE.replace("it saves time", "mine"), opened, author)
    assert conflict.value.current_file.text == theirs and conflict.value.current_file.revision == opened + 1
    assert services.read_text(demo, "01-question.md") == theirs
    # Saving from the current revision works; the same text again does not bump the revision.
    assert services.save_file(demo, "01-question.md", "x\r\ny\r\n", opened + 1, author).revision == opened + 2
    assert services.read_text(demo, "01-question.md") == "x\ny\n"
    assert services.save_file(demo, "01-question.md", "x\ny\n", opened + 2, author).revision == opened + 2


def test_a_draft_with_problems_is_not_published(ctx, author, demo):
    services.save_file(demo, "02-boolean.md", MODULE_TWO.replace("outcomes: [DS2]", "outcomes: [XX]"),
                       services.draft(demo)["02-boolean.md"].revision, author)
    with pytest.raises(services.PublishProblems) as refused:
        services.publish(demo, "", author)
    assert any(p.file == "demo-course/02-boolean.md" and "unknown outcome code 'XX'" in p.message
               for p in refused.value.problems)
    assert len(services.versions(demo)) == 1


def test_diffs_list_the_changed_lines(ctx, author, demo):
    path = "01-question.md"
    services.save_file(demo, path, MODULE_ONE.replace("it saves time", "it saves hours"),
                       services.draft(demo)[path].revision, author)
    [change] = services.draft_diff(demo)
    assert change.path == path and change.status == "changed"
    assert [line for line in change.lines if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        "-A <dfn>focused question</dfn> names who, what and which result; it saves time. See [Boolean logic]"
        "(02-boolean.md#combining-terms).",
        "+A <dfn>focused question</dfn> names who, what and which result; it saves hours. See [Boolean logic]"
        "(02-boolean.md#combining-terms)."]
    services.publish(demo, "Hours", author)
    assert services.draft_diff(demo) == []
    assert [(d.path, d.added, d.removed) for d in services.version_diff(demo, 1, 2)] == [(path, 1, 1)]
    with pytest.raises(services.AuthoringError, match="no version 7"):
        services.version_diff(demo, 1, 7)


def test_progress_and_attempts_survive_a_publish_and_a_rollback(ctx, author, make, demo):
    learner = make.user()
    course = db.session.scalar(select(Course).where(Course.slug == "demo-course"))
    question_module, boolean_module = course.active_modules
    course_services.enrol(course, learner)
    course_services.open_module(question_module, learner)
    course_services.complete_module(question_module, learner)
    attempt = start_attempt(boolean_module.quiz, learner)
    shown = sorted(r.question_version_id for r in attempt.responses)
    db.session.commit()

    quiz_path = "quizzes/02-boolean.yaml"
    services.save_file(demo, quiz_path, QUIZ.replace("broadens a search", "widens a search"),
                       services.draft(demo)[quiz_path].revision, author)
    services.save_file(demo, "01-question.md", MODULE_ONE.replace("it saves time", "it saves hours"),
                       services.draft(demo)["01-question.md"].revision, author)
    assert services.publish(demo, "Wording", author).number == 2
    assert services.rollback(demo, 1, author).number == 3
    db.session.commit()

    course = db.session.scalar(select(Course).where(Course.slug == "demo-course"))
    assert course.version == 3 and "it saves time" in course.active_modules[0].body_html
    progress = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == learner.id))
    assert db.session.get(Module, progress.module_id).slug == "question" and progress.completed_at is not None
    attempt = db.session.get(Attempt, attempt.id)
    assert sorted(r.question_version_id for r in attempt.responses) == shown
    assert db.session.scalar(select(func.count(Module.id)).where(Module.course_id == course.id)) == 2
    # The question was changed and changed back: each wording is a version; the attempt kept the first.
    question = db.session.scalar(select(Question).where(Question.key == "demo.boolean.or"))
    stems = [v.stem for v in db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.question_id == question.id).order_by(QuestionVersion.number))]
    assert stems[0] == "Which operator broadens a search?" and stems[1] == "Which operator widens a search?"
    assert [v.note for v in services.versions(demo)] == ["Rolled back to version 1", "Wording", "First version"]


def test_rollback_refuses_to_lose_unpublished_work_and_discard_puts_the_draft_back(ctx, author, demo):
    services.save_file(demo, "01-question.md", "changed", services.draft(demo)["01-question.md"].revision, author)
    with pytest.raises(services.AuthoringError, match="same files"):
        services.rollback(demo, 1, author)
    assert services.discard_draft(demo, author) == 1
    assert services.read_text(demo, "01-question.md") == MODULE_ONE


def test_a_module_is_added_moved_with_links_following_and_retired(ctx, author, demo):
    path = services.add_module(demo, "Search logs", author)
    assert path == "03-search-logs.md"
    assert services.publish(demo, "Logs", author).number == 2
    # Moving the boolean module down renumbers it and the logs module; links to it follow.
    assert services.move_module(demo, "02-boolean.md", "down", author) == "03-boolean.md"
    assert sorted(p for p in services.draft(demo) if p.endswith(".md")) == [
        "01-question.md", "02-search-logs.md", "03-boolean.md"]
    assert "[Boolean logic](03-boolean.md#combining-terms)" in services.read_text(demo, "01-question.md")
    with pytest.raises(services.AuthoringError, match="already the last"):
        services.move_module(demo, "03-boolean.md", "down", author)
    services.publish(demo, "Reordered", author)
    db.session.expire_all()
    course = db.session.scalar(select(Course).where(Course.slug == "demo-course"))
    assert [m.slug for m in course.active_modules] == ["question", "search-logs", "boolean"]
    services.retire_module(demo, "02-search-logs.md", author)
    assert "03-boolean.md" not in services.draft(demo) and "02-boolean.md" in services.draft(demo)
    services.publish(demo, "Retired", author)
    db.session.expire_all()
    assert [m.slug for m in course.active_modules] == ["question", "boolean"]
    assert [m.slug for m in course.modules if m.is_retired] == ["search-logs"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def test_images_need_alt_text_a_size_and_content_of_their_type(ctx, author, demo):
    snippet = services.save_image(demo, "My Chart.PNG", PNG, "Bar chart of [loans] by month", author)
    assert snippet == r"![Bar chart of \[loans\] by month](images/my-chart.png)"
    assert services.draft(demo)["images/my-chart.png"].content == PNG
    for name, data, alt, message in (
        ("a.png", PNG, "  ", "alt text"),
        ("a.png", PNG + b"0" * services.MAX_IMAGE_BYTES, "x", "at most 2 MB"),
        ("a.png", b"GIF89a" + b"0" * 10, "x", "not a PNG image"),
        ("a.exe", PNG, "x", "Upload an image"),
        ("a.svg", b"<svg><oops>", "x", "not well-formed"),
    ):
        with pytest.raises(services.AuthoringError, match=message):
            services.save_image(demo, name, data, alt, author)
    snippet = services.save_image(demo, "venn.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()">'
                                  b'<script>x()</script><circle r="1"/></svg>', "A dot", author)
    assert snippet == "![A dot](images/venn-2.svg)"  # venn.svg is taken by another image
    kept = services.draft(demo)["images/venn-2.svg"].content
    assert b"script" not in kept and b"onload" not in kept and b"<circle" in kept


def test_published_images_of_an_authored_course_are_served(app, ctx, author, demo):
    services.save_image(demo, "dot.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>', "A dot",
                        author)
    db.session.commit()
    client = app.test_client()
    assert client.get("/courses/demo-course/files/images/dot.svg").status_code == 404  # a draft only
    response = client.get("/courses/demo-course/files/images/venn.svg")
    assert response.status_code == 200 and response.data == sanitise_svg(SVG.encode()) and b"<circle" in response.data
    assert response.mimetype == "image/svg+xml" and "default-src 'none'" in response.headers["Content-Security-Policy"]
    services.publish(demo, "Dot", author)
    db.session.commit()
    assert client.get("/courses/demo-course/files/images/dot.svg").status_code == 200


def test_a_save_racing_another_from_the_same_revision_is_refused_by_the_database(ctx, author, demo):
    """Two saves from revision N at once: both pass the check in Python, only one UPDATE finds its row."""
    current = services.draft(demo)["01-question.md"]
    opened = current.revision
    # The other save lands between our check and our write: the row moves on, our loaded copy does not.
    db.session.execute(update(SourceFile).where(SourceFile.id == current.id)
                       .values(revision=opened + 1).execution_options(synchronize_session=False))
    assert current.revision == opened
    with pytest.raises(services.EditConflict) as conflict:
        services.save_file(demo, "01-question.md", "mine", opened, author)
    assert conflict.value.current_file.revision == opened + 1
    assert services.read_text(demo, "01-question.md") == MODULE_ONE


def test_a_course_may_not_take_the_keys_of_a_shipped_course_even_before_it_is_imported(ctx, author, demo):
    quiz = "quizzes/02-boolean.yaml"
    services.save_file(demo, quiz, QUIZ.replace("key: demo.boolean.or", "key: searching.boolean.bracketed-string")
                       .replace("key: demo-02-check", "key: searching-03-check"), services.draft(demo)[quiz].revision,
                       author)
    with pytest.raises(services.PublishProblems) as refused:
        services.publish(demo, "", author)
    assert [str(p) for p in refused.value.problems] == [
        "demo-course/quizzes/02-boolean.yaml, line 1: quiz key 'searching-03-check' is already used by the course "
        "'searching'",
        "demo-course/quizzes/02-boolean.yaml, line 6: question key 'searching.boolean.bracketed-string' is already "
        "used by the course 'searching': give the question a key of its own"]
