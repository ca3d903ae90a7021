"""Local copies of shipped courses, zips out and in, and the shipped course's later changes merged."""
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from lit_platform.authoring import files, services
from lit_platform.cli import main as lit
from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_course
from lit_platform.courses.models import Course
from lit_platform.extensions import db
from lit_platform.quizzes.models import Question, QuestionVersion

MODULE = "03-keywords-and-boolean.md"


@pytest.fixture
def author(make):
    return make.user(roles=("librarian",))


def import_shipped(courses_path, slug):
    definition, problems = read_course(courses_path / slug)
    assert problems == []
    import_course(definition)


def edit(source, path, old, new, actor):
    text = services.read_text(source, path)
    assert old in text
    return services.save_file(source, path, text.replace(old, new), services.draft(source)[path].revision, actor)


def test_a_published_local_copy_is_a_course_of_its_own(app, ctx, author, courses_path):
    import_shipped(courses_path, "searching")
    shipped_versions = db.session.scalar(select(func.count(QuestionVersion.id)))
    source = services.make_local_copy("searching", "searching-ours", "Searching effectively at our library", author)
    assert source.origin == "copy" and source.upstream_slug == "searching"
    edit(source, MODULE, "Databases do exactly what you tell them", "Our catalogue does exactly what you tell it",
         author)
    assert services.publish(source, "Our wording", author).number == 1
    db.session.commit()

    shipped = db.session.scalar(select(Course).where(Course.slug == "searching"))
    ours = db.session.scalar(select(Course).where(Course.slug == "searching-ours"))
    assert ours.id != shipped.id and ours.title == "Searching effectively at our library"
    assert "Our catalogue does exactly" in ours.active_modules[2].body_html
    assert "Databases do exactly" in shipped.active_modules[2].body_html and shipped.version == 1
    # Every quiz, question and test is the copy's own: the shipped course's questions did not change.
    assert ours.active_modules[2].quiz_id != shipped.active_modules[2].quiz_id
    assert ours.assessment_key == "searching-ours.searching-prepost" != shipped.assessment_key
    assert db.session.scalar(select(func.count(QuestionVersion.id))) == 2 * shipped_versions
    assert db.session.scalar(select(func.count(Question.id)).where(Question.key.like("searching-ours.%"))) \
        == shipped_versions
    client = app.test_client()
    catalogue = client.get("/courses").get_data(as_text=True)
    assert "Searching effectively at our library" in catalogue and "Searching effectively</a>" in catalogue
    page = client.get("/courses/searching-ours").get_data(as_text=True)
    assert "Searching effectively at our library" in page


def test_a_copy_that_reuses_another_courses_keys_is_not_published(ctx, author, courses_path):
    import_shipped(courses_path, "searching")
    source = services.make_local_copy("searching", "searching-ours", "", author)
    edit(source, "quizzes/03-boolean.yaml", "key: searching-ours.searching.boolean.bracketed-string",
         "key: searching.boolean.bracketed-string", author)
    with pytest.raises(services.PublishProblems) as refused:
        services.publish(source, "", author)
    assert [str(p) for p in refused.value.problems] == [
        "searching-ours/quizzes/03-boolean.yaml, line 9: question key 'searching.boolean.bracketed-string' is "
        "already used by the course 'searching': give the question a key of its own"]


@pytest.mark.parametrize("slug", ["searching", "critical-appraisal", "misinformation"])
def test_the_zip_of_a_shipped_course_validates_unchanged(app, ctx, courses_path, tmp_path, slug):
    top, unpacked = files.from_zip(services.export_zip(slug))
    folder = files.write_folder(unpacked, tmp_path / "unzipped" / top)
    course, problems = read_course(folder)
    assert top == slug and problems == []
    assert course.content_hash == read_course(courses_path / slug)[0].content_hash


def test_a_copy_downloads_validates_with_the_shipped_courses_and_uploads_back_changing_nothing(
        app, ctx, author, courses_path, tmp_path):
    source = services.make_local_copy("searching", "searching-ours", "Our searching", author)
    edit(source, MODULE, "Databases do exactly", "Catalogues do exactly", author)
    services.publish(source, "", author)
    report_before = import_course(services.validate(source)[0]).summary()
    data = services.export_zip("searching-ours")
    assert data == services.export_zip("searching-ours", "draft")
    # `lit courses validate` accepts the download beside the shipped courses (keys unique across all of them).
    top, unpacked = files.from_zip(data)
    files.write_folder(unpacked, courses_path / top)
    result = CliRunner().invoke(lit, ["courses", "validate", str(courses_path)], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert "searching-ours: 7 modules" in result.output and "searching: 7 modules" in result.output
    # Uploading the download changes nothing: no draft file, no version, no import.
    assert services.import_zip(data, author) == (source, 0)
    assert services.publish(source, "", author) is None and len(services.versions(source)) == 1
    assert report_before == "searching-ours: unchanged"


def test_an_upload_creates_a_course_and_refuses_what_would_lose_work(ctx, author, courses_path):
    copy = services.make_local_copy("searching", "searching-ours", "Ours", author)
    data = services.export_zip("searching-ours", "draft")
    with pytest.raises(services.AuthoringError, match="'searching' is a shipped course"):
        services.import_zip(services.export_zip("searching"), author)
    top, unpacked = files.from_zip(data)
    moved = files.localise(unpacked, "searching-theirs", "theirs", "Theirs")
    # Every SVG that comes in is sanitised, whatever brings it.
    moved["images/venn-boolean.svg"] = moved["images/venn-boolean.svg"].replace(
        b"<title", b'<script>alert("x")</script><title', 1)
    source, changed = services.import_zip(files.to_zip(moved, "searching-theirs"), author)
    assert source.origin == "upload" and changed == len(moved)
    assert b"script" not in services.draft(source)["images/venn-boolean.svg"].content
    services.publish(copy, "", author)
    edit(copy, MODULE, "Databases do exactly", "Catalogues do exactly", author)
    with pytest.raises(services.AuthoringError, match="changes that are not published"):
        services.import_zip(files.to_zip(unpacked | {"notes.txt": b"x"}, "searching-ours"), author)
    broken = unpacked | {MODULE: unpacked[MODULE].replace(b"outcomes: [SE4]", b"outcomes: [XX]")}
    with pytest.raises(services.PublishProblems, match="searching-ours/03-keywords-and-boolean.md, line 4: "
                                                       "unknown outcome code 'XX'"):
        services.import_zip(files.to_zip(broken, "searching-ours"), author)


def test_upstream_changes_are_listed_and_merged_file_by_file_never_overwriting_local_edits(
        ctx, author, courses_path):
    source = services.make_local_copy("searching", "searching-ours", "Ours", author)
    assert services.upstream_changes(source) == []
    edit(source, MODULE, "Databases do exactly", "Catalogues do exactly", author)
    edit(source, "02-choosing-sources.md", "\n", "\nOur local note.\n", author)
    # The shipped course changes: one module we also edited, one we did not, a quiz, a new file, a removal.
    shipped = courses_path / "searching"
    (shipped / MODULE).write_text((shipped / MODULE).read_text().replace("## From concepts to search terms",
                                                                           "## From concepts to search words"))
    sources = shipped / "02-choosing-sources.md"
    sources.write_text(sources.read_text().replace("Where you search matters as much as how.", "Where matters."))
    (shipped / "01-defining-the-question.md").write_text(
        (shipped / "01-defining-the-question.md").read_text() + "\nA new closing line.\n")
    quiz = shipped / "quizzes/03-boolean.yaml"
    quiz.write_text(quiz.read_text().replace("Which search\n      expresses", "Which search\n      states"))
    (shipped / "images/new-figure.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (shipped / "images/search-blocks.svg").unlink()
    changes = {c.path: c for c in services.upstream_changes(source)}
    assert {p: c.status for p, c in changes.items()} == {
        "01-defining-the-question.md": "changed upstream only",
        "02-choosing-sources.md": "changed on both sides",
        MODULE: "changed on both sides",
        "images/new-figure.svg": "new upstream",
        "images/search-blocks.svg": "removed upstream",
        "quizzes/03-boolean.yaml": "changed upstream only",
    }
    assert "+A new closing line." in changes["01-defining-the-question.md"].upstream_diff
    assert "+Catalogues do exactly what you tell them, and no more. If an author writes *adolescents* and you" \
        in changes[MODULE].local_diff
    # The quiz comes across with the copy's own keys.
    services.merge_upstream(source, "quizzes/03-boolean.yaml", "theirs", author)
    merged = services.read_text(source, "quizzes/03-boolean.yaml")
    assert "states" in merged and "key: searching-ours.searching.boolean.bracketed-string" in merged
    # The two sides changed different lines of a module: both changes can be kept together, or ours alone.
    services.merge_upstream(source, MODULE, "both", author)
    merged = services.read_text(source, MODULE)
    assert "Catalogues do exactly" in merged and "## From concepts to search words" in merged
    services.merge_upstream(source, "02-choosing-sources.md", "mine", author)
    kept = services.read_text(source, "02-choosing-sources.md")
    assert "Our local note." in kept and "Where you search matters as much as how." in kept
    services.merge_upstream(source, "images/new-figure.svg", "theirs", author)
    services.merge_upstream(source, "images/search-blocks.svg", "theirs", author)
    assert "images/new-figure.svg" in services.draft(source) and "images/search-blocks.svg" not in \
        services.draft(source)
    assert [c.path for c in services.upstream_changes(source)] == ["01-defining-the-question.md"]
    with pytest.raises(services.AuthoringError, match="no unmerged change"):
        services.merge_upstream(source, MODULE, "theirs", author)
    # A module renumbered locally is still matched with its shipped file.
    services.move_module(source, "01-defining-the-question.md", "down", author)
    [change] = services.upstream_changes(source)
    assert change.local_path == "02-defining-the-question.md" and change.status == "changed upstream only"
    services.merge_upstream(source, "01-defining-the-question.md", "theirs", author)
    assert services.read_text(source, "02-defining-the-question.md").endswith("A new closing line.\n")
    assert services.upstream_changes(source) == []


def test_lit_courses_export_writes_a_zip_of_a_course(app, ctx, author, tmp_path):
    services.new_course("our-course", "Our course", author)
    db.session.commit()
    runner, info = CliRunner(), ScriptInfo(create_app=lambda: app)
    result = runner.invoke(lit, ["courses", "export", "misinformation", str(tmp_path / "m.zip")], obj=info)
    assert result.exit_code == 0 and "misinformation: written to" in result.output
    top, unpacked = files.from_zip((tmp_path / "m.zip").read_bytes())
    assert top == "misinformation" and "course.yaml" in unpacked
    result = runner.invoke(lit, ["courses", "export", "our-course", str(tmp_path / "o.zip")], obj=info)
    assert result.exit_code == 1 and "our-course has not been published yet" in result.output
    result = runner.invoke(lit, ["courses", "export", "our-course", str(tmp_path / "o.zip"), "--draft"], obj=info)
    assert result.exit_code == 0 and files.from_zip((tmp_path / "o.zip").read_bytes())[0] == "our-course"
