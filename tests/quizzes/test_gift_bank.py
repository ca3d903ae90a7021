"""GIFT in and out of the bank: the CLI and the upload form, on both databases."""
import io
from pathlib import Path

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from lit_platform.cli import main as lit
from lit_platform.extensions import db
from lit_platform.quizzes.gift import parse_gift
from lit_platform.quizzes.models import Question, QuestionCategory

from ..conftest import Actions

MOODLE_GIFT = Path(__file__).resolve().parents[1] / "fixtures" / "moodle" / "gift"


def run(app, *args):
    return CliRunner().invoke(lit, list(args), obj=ScriptInfo(create_app=lambda: app))


def count_questions(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Question))


def test_moodle_examples_import_with_categories_and_reimport_changes_nothing(app):
    path = MOODLE_GIFT / "questions_in_category.gift.txt"
    expected, problems = parse_gift(path.read_text("utf-8"))
    assert problems == []
    result = run(app, "gift", "import", str(path), "--category", "Moodle")
    assert result.exit_code == 0, result.output
    assert f"Imported {len(expected)} question(s); 0 unchanged; 0 could not be imported." in result.output
    with app.app_context():
        paths = {c.path for c in db.session.scalars(select(QuestionCategory))}
        assert {q.category for q in expected if q.category} <= paths
    result = run(app, "gift", "import", str(path))
    assert f"Imported 0 question(s); {len(expected)} unchanged" in result.output
    assert count_questions(app) == len(expected)


def test_malformed_question_is_reported_with_its_line_and_the_rest_import(app, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text("::Good::Which broadens? {=OR ~AND}\n\n::Bad::Unclosed {=yes ~no\n\n"
                    "::Also good::PubMed searches MEDLINE. {T}\n", "utf-8")
    result = run(app, "gift", "import", str(path))
    assert result.exit_code == 0
    assert f"{path}, line 3:" in result.output and "Imported 2 question(s)" in result.output
    assert count_questions(app) == 2


def test_strict_import_commits_nothing_when_anything_is_wrong(app, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text("Good? {=a ~b}\n\nBad {#not-a-number}\n", "utf-8")
    result = run(app, "gift", "import", str(path), "--strict")
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert count_questions(app) == 0


def test_export_then_import_gives_back_the_same_questions(app, tmp_path):
    source = MOODLE_GIFT / "examples.txt"
    originals, _ = parse_gift(source.read_text("utf-8"))
    assert run(app, "gift", "import", str(source), "--category", "Examples").exit_code == 0
    out = tmp_path / "out.gift"
    result = run(app, "gift", "export", "--category", "Examples", "-o", str(out))
    assert result.exit_code == 0, result.output
    exported, problems = parse_gift(out.read_text("utf-8"))
    assert problems == []
    def comparable(q):
        return (q.type, q.title, q.stem, q.spec, q.general_feedback)
    assert sorted(map(comparable, exported), key=repr) == sorted(map(comparable, originals), key=repr)
    assert run(app, "gift", "export", "--category", "No such").exit_code == 1


def test_export_to_standard_output_and_ordering_is_listed_as_left_out(app, make):
    make.quiz(category="Mixed")
    result = run(app, "gift", "export", "--category", "Mixed")
    assert result.exit_code == 0
    assert "::" in result.output or "{" in result.output
    assert "left out (GIFT has no ordering type)" in result.output


def test_upload_form_imports_and_lists_problems(app, sign_in):
    client, _ = sign_in("librarian")
    page = "/bank/gift/import"
    token = Actions(client).token(page)
    data = {"csrf_token": token, "category": "0", "file": (io.BytesIO(b"\xff\xfe\x00bad"), "bank.gift")}
    html = client.post(page, data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "not plain text in UTF-8" in html
    data = {"csrf_token": token, "category": "0",
            "file": (io.BytesIO(b"Q1 {=a ~b}\n\nQ2 {=a ~b\n"), "bank.gift")}
    html = client.post(page, data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "1 question imported" in html and "bank.gift, line 3:" in html
    download = client.get("/bank/gift/export")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert "Q1" in download.get_data(as_text=True)
