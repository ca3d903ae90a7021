"""`lit courses validate`: every problem with its file and line."""
from click.testing import CliRunner

from lit_platform.cli import main as lit
from lit_platform.courses.loader import read_course, read_courses

from .conftest import MODULE_ONE, write_course


def messages(folder):
    _, problems = read_course(folder)
    return [(p.file, p.line, p.message) for p in problems]


def test_a_good_course_reads_cleanly(course_folder):
    course, problems = read_course(course_folder)
    assert problems == []
    assert [m.slug for m in course.modules] == ["question", "boolean"]
    assert course.modules[1].quiz.key == "demo-02-check"
    assert [i.key for i in course.assessment.items] == ["demo.pp.question", "demo.pp.boolean"]
    assert course.modules[0].word_count > 40


def test_missing_alt_text_and_missing_image(tmp_path):
    folder = write_course(tmp_path, **{"01-question.md": MODULE_ONE.replace(
        "![A Venn diagram of two overlapping circles](images/venn.svg)", "![](images/venn.svg)\n\n![Map](images/map.png)")})
    assert ("demo-course/01-question.md", 19, "image 'images/venn.svg' has no alt text: say what it shows in ![...]") \
        in messages(folder)
    assert ("demo-course/01-question.md", 21, "image 'images/map.png' not found") in messages(folder)


def test_unknown_outcome_codes_in_module_and_quiz(tmp_path):
    folder = write_course(tmp_path, **{"02-boolean.md": "---\ntitle: B\noutcomes: [DS9]\nquiz: quizzes/02-boolean.yaml\n---\nText\n"})
    assert ("demo-course/02-boolean.md", 3, "unknown outcome code 'DS9' (course outcomes: DS1, DS2)") in messages(folder)


def test_duplicate_question_key_across_quiz_and_assessment(tmp_path):
    from .conftest import ASSESSMENT
    folder = write_course(tmp_path, **{"assessment.yaml": ASSESSMENT.replace("demo.pp.boolean", "demo.boolean.or")})
    found = [m for m in messages(folder) if "duplicate question key" in m[2]]
    assert found == [("demo-course/assessment.yaml", 11, "duplicate question key 'demo.boolean.or' "
                      "(also at demo-course/quizzes/02-boolean.yaml, line 6)")]


def test_broken_internal_links(tmp_path):
    folder = write_course(tmp_path, **{"01-question.md": MODULE_ONE.replace("02-boolean.md#combining-terms",
                                                                          "02-boolean.md#no-such-heading")
                                       + "\nSee [missing](07-nowhere.md).\n"})
    found = messages(folder)
    assert ("demo-course/01-question.md", 10,
            "broken link '02-boolean.md#no-such-heading': no heading with the anchor '#no-such-heading'") in found
    assert ("demo-course/01-question.md", 25,
            "broken link '07-nowhere.md': no module file '07-nowhere.md' in this course") in found


def test_bad_yaml_names_the_line(tmp_path):
    folder = write_course(tmp_path, **{"course.yaml": "slug: demo-course\ntitle: [oops\nsummary: x\n"})
    (file, line, message), = messages(folder)
    assert file == "demo-course/course.yaml" and line == 3 and "not valid YAML" in message


def test_raw_html_and_script_links_are_reported(tmp_path):
    folder = write_course(tmp_path, **{"01-question.md": MODULE_ONE + "\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n"})
    found = messages(folder)
    assert ("demo-course/01-question.md", 25, "raw HTML is not allowed in modules (it is removed when shown): use Markdown, and <dfn>term</dfn> or "
            '<dfn title="term">words</dfn> for a definition') in found
    assert ("demo-course/01-question.md", 27, "link 'javascript:alert(1)' uses a scheme that is not allowed (use https://)") in found


def test_front_matter_and_framework_ids(tmp_path):
    from .conftest import COURSE_YAML
    folder = write_course(tmp_path, **{"course.yaml": COURSE_YAML.replace("sconul: [identify]", "sconul: [identfy]"),
                                       "02-boolean.md": "No front matter here.\n"})
    found = messages(folder)
    assert any(m[:2] == ("demo-course/course.yaml", 16) and "unknown SCONUL id 'identfy'" in m[2] for m in found)
    assert ("demo-course/02-boolean.md", 1,
            "the module needs front matter between --- lines (title, minutes, outcomes)") in found


def test_assessment_must_cover_every_outcome(tmp_path):
    from .conftest import ASSESSMENT
    folder = write_course(tmp_path, **{"assessment.yaml": ASSESSMENT.replace("outcome: DS1", "outcome: DS2")})
    assert ("demo-course/assessment.yaml", 3, "no item covers outcome DS1") in messages(folder)


def test_cli_validate_reports_and_fails(tmp_path):
    write_course(tmp_path, **{"01-question.md": MODULE_ONE.replace("(images/venn.svg)", "(images/none.svg)")})
    result = CliRunner().invoke(lit, ["courses", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "demo-course/01-question.md, line 19: image 'images/none.svg' not found" in result.output


def test_shipped_courses_validate():
    """Every course shipped in courses/ passes validation."""
    from ..conftest import PROJECT_ROOT

    results = read_courses(PROJECT_ROOT / "courses")
    assert [str(p) for _, _, problems in results for p in problems] == []
