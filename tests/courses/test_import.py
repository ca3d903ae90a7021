"""`lit courses import`: idempotent, versioned, and retiring rather than deleting."""
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from lit_platform.cli import main as lit
from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_course
from lit_platform.courses.models import Course, Module
from lit_platform.extensions import db
from lit_platform.quizzes.models import QuestionVersion

from .conftest import MODULE_TWO, QUIZ, write_course


def load(folder):
    course, problems = read_course(folder)
    assert problems == []
    return course


def test_import_twice_changes_nothing_the_second_time(ctx, course_folder):
    first = import_course(load(course_folder))
    db.session.commit()
    assert first.changed and first.modules_added == ["question", "boolean"] and first.questions_changed == 4
    second = import_course(load(course_folder))
    assert not second.changed and second.summary() == "demo-course: unchanged"
    course = db.session.scalar(select(Course))
    assert course.version == 1 and [m.slug for m in course.active_modules] == ["question", "boolean"]
    assert course.modules[1].quiz.key == "demo-02-check" and course.assessment_key == "demo-prepost"
    assert '<table>' in course.modules[0].body_html and 'href="/courses/demo-course/boolean#combining-terms"' in \
        course.modules[0].body_html


def test_a_changed_question_gets_a_new_version_and_a_removed_module_is_retired(ctx, tmp_path):
    folder = write_course(tmp_path)
    import_course(load(folder))
    db.session.commit()
    folder = write_course(tmp_path, **{"quizzes/02-boolean.yaml": QUIZ.replace("broadens a search", "widens a search"),
                                       "03-extra.md": "---\ntitle: Extra\noutcomes: [DS2]\n---\nMore text.\n"})
    report = import_course(load(folder))
    db.session.commit()
    assert report.changed and report.questions_changed == 1 and report.modules_added == ["extra"]
    assert db.session.scalar(select(func.max(QuestionVersion.number))) == 2
    folder = write_course(tmp_path, **{"03-extra.md": None})
    report = import_course(load(folder))
    assert report.modules_retired == ["extra"]
    extra = db.session.scalar(select(Module).where(Module.slug == "extra"))
    assert extra.is_retired and db.session.scalar(select(Course)).version == 3


def test_cli_imports_valid_courses_and_refuses_broken_ones(app, tmp_path):
    write_course(tmp_path)
    broken_root = tmp_path / "broken"
    write_course(broken_root, **{"02-boolean.md": MODULE_TWO.replace("outcomes: [DS2]", "outcomes: [XX]")})
    runner, info = CliRunner(), ScriptInfo(create_app=lambda: app)
    result = runner.invoke(lit, ["courses", "import", str(tmp_path / "demo-course")], obj=info)
    assert result.exit_code == 0 and "demo-course: imported; 2 module(s) added; 4 question(s) new or changed" in result.output
    result = runner.invoke(lit, ["courses", "import", str(broken_root)], obj=info)
    assert result.exit_code == 1 and "unknown outcome code 'XX'" in result.output
    assert "demo-course: not imported because of the problem(s) above." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Course)) == 1


def test_the_course_instrument_is_stored_with_items_forms_and_confidence(ctx, tmp_path):
    from lit_platform.assessments.models import Instrument

    from .conftest import ASSESSMENT
    with_forms = ASSESSMENT.replace("    outcome: DS1\n", "    outcome: DS1\n    form: A\n", 1).replace(
        "    outcome: DS2\n    stem: OR broadens.", "    outcome: DS2\n    form: B\n    stem: OR broadens.")
    folder = write_course(tmp_path, **{"assessment.yaml": with_forms})
    import_course(load(folder))
    instrument = db.session.scalar(select(Instrument))
    assert instrument.key == "demo-prepost" and instrument.has_forms
    assert [(i.question.key, i.form) for i in instrument.items] == [("demo.pp.question", "A"), ("demo.pp.boolean", "B")]
    assert [(c.key, c.outcome) for c in instrument.confidence_items] == [("demo.conf.boolean", "DS2")]
    assert instrument.course_id == db.session.scalar(select(Course.id))
