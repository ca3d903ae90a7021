"""XSS corpus: script payloads written into every field people can fill in, then every page, e-mail and
export that shows them is read back; nothing may run, and no spreadsheet cell may start a formula.

Each value is a canary word (zq00, zq01...) followed by a payload. The canary must appear where the
field is shown (so the page really showed the value), while the page may contain no inline script,
no event handler attribute, and no javascript:, vbscript: or data: link or source (`dangerous_markup`:
the site itself uses none of these, and its CSP forbids inline script).
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lit_platform.extensions import db

from ..answers import page_value
from ..courses.conftest import write_course
from .conftest import A_EMAIL, build_world, dangerous_markup, rolled_back

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    '"><script>alert(1)</script>',
    "' autofocus onfocus='alert(1)' x='",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    "![x](javascript:alert(1))",
    "<details open ontoggle=alert(1)>x</details>",
    '<a href=" &#x6A;avascript:alert(1)">x</a>',
    "<math><a xlink:href=\"javascript:alert(1)\">x</a></math>",
    "[x]( javascript:alert(1) )",
]
#: cells a spreadsheet would run as formulas (CSV/XLSX injection)
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1",
            "\r=1+1", "=cmd|' /C calc'!A0"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: fields -> payloads written into them, counted for the report
TRIED: dict[str, int] = {}


def value(n: int, payload: str) -> str:
    return f"zq{n:02d} {payload}"


def canaries(count: int = len(PAYLOADS)) -> list[str]:
    return [f"zq{n:02d}" for n in range(count)]


def tried(field: str, count: int = len(PAYLOADS)) -> None:
    TRIED[field] = count  # the same on each database


def page(world, role: str, url: str, expect=(), status: int = 200) -> str:
    """The page as `role` sees it, checked: the expected canaries are on it and nothing on it can run."""
    response = world.send(role, "GET", url)
    assert response.status_code == status, f"{url} as {role}: {response.status_code}"
    text = response.get_data(as_text=True)
    return checked(text, f"{url} as {role}", expect)


def checked(text: str, where: str, expect=()) -> str:
    found = dangerous_markup(text)
    assert not found, f"{where} could run script: {found}"
    visible = html.unescape(text)
    missing = [c for c in expect if c not in visible]
    assert not missing, f"{where} does not show {missing}: the payloads never reached the page"
    return text


def post(world, role: str, url: str, data: dict, status: int | None = 302):
    response = world.send(role, "POST", url, data)
    if status is not None:
        assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:2000])
    return response


def csv_cells(response) -> list[str]:
    assert response.status_code == 200 and response.mimetype == "text/csv", response.status_code
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_no_formula_cells(cells, where: str) -> None:
    """No text cell may start like a formula; numbers (negative ones too) are fine."""
    bad = []
    for cell in cells:
        if isinstance(cell, str) and cell.startswith(FORMULA_START):
            try:
                float(cell)
            except ValueError:
                bad.append(cell)
    assert not bad, f"{where}: cells a spreadsheet would run as formulas: {bad}"


def assert_safe_workbook(data: bytes, where: str) -> list[str]:
    """Every cell of an XLSX is a value, never a formula; text that looks like one is kept as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode("utf-8"), f"{where}: {name} holds a formula"
    workbook = load_workbook(io.BytesIO(data))
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where}: {sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    if cell.value.startswith(FORMULA_START):
                        assert cell.quotePrefix, f"{where}: {sheet.title}!{cell.coordinate} can turn into a formula"
    return texts


@pytest.fixture
def world(app, make, tmp_path):
    app.config["LIT_REPORT_MIN_GROUP"] = 1  # show every figure and comment, so the payloads are on the pages
    return build_world(app, make, tmp_path)


# People: names, units, token names -----------------------------------------------------------------

def test_names_units_and_token_names(world, app):
    from lit_platform.accounts.models import User
    from lit_platform.bookings import services as bookings

    # Self-registration: one account per payload, each booked on session X by its facilitator.
    from lit_platform.outbox.models import OutboxMessage
    from lit_platform.outbox.services import texts_as_sent

    def csrf(client, url):
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                         client.get(url).get_data(as_text=True)).group(1)

    for n, payload in enumerate(PAYLOADS):
        client = app.test_client()
        email = f"xss{n}@example.org"
        response = client.post("/account/register", data={"email": email,
                                                          "csrf_token": csrf(client, "/account/register")})
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        with app.app_context():
            body = texts_as_sent(db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == email)))[0]
        link = re.search(r"https?://[^/\s]+(/account/register/\S+)", body).group(1)
        response = client.post(link, data={"name": value(n, payload), "password": "a long enough passphrase",
                                           "csrf_token": csrf(client, link)})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        checked(client.get("/").get_data(as_text=True), "home page of the new account", [f"zq{n:02d}"])
        checked(client.get("/account/profile").get_data(as_text=True), "profile form", [f"zq{n:02d}"])
    tried("registration name")
    with app.app_context():
        lib_x = db.session.get(User, world.users["librarian_x"].id)
        for n in range(len(PAYLOADS)):
            user = db.session.scalar(select(User).where(User.email == f"xss{n}@example.org"))
            bookings.add_booking_by_hand(world.ids["session_y"], user, db.session.get(
                User, world.users["librarian_y"].id), over_capacity=True)
        db.session.commit()
        assert lib_x is not None
    session_y = world.ids["session_y"]
    every = canaries()
    for role, url in [("admin", "/admin/users"), ("librarian_y", "/account/people?q=zq"),
                      ("librarian_y", f"/manage/sessions/{session_y}"),
                      ("librarian_y", f"/manage/sessions/{session_y}/register"),
                      ("librarian_y", f"/manage/sessions/{session_y}/sign-in-sheet")]:
        page(world, role, url, every)
    page(world, "admin", "/admin/outbox")
    with app.app_context():
        user_ids = [db.session.scalar(select(User.id).where(User.email == f"xss{n}@example.org"))
                    for n in range(len(PAYLOADS))]
    for n, user_id in enumerate(user_ids):
        page(world, "admin", f"/admin/users/{user_id}", [f"zq{n:02d}"])

    # Learner A's own profile, with each payload in turn.
    for n, payload in enumerate(PAYLOADS):
        post(world, "learner_a", "/account/profile", {"name": value(n, payload)})
        page(world, "learner_a", "/account/profile", [f"zq{n:02d}"])
        page(world, "learner_a", "/", [f"zq{n:02d}"])
        page(world, "admin", f"/admin/users/{world.users['learner_a'].id}", [f"zq{n:02d}"])
        page(world, "librarian_x", f"/manage/sessions/{world.ids['session_x']}", [f"zq{n:02d}"])
    tried("profile name")

    # Organisation units (admin) and API token names (any user).
    for n, payload in enumerate(PAYLOADS):
        post(world, "admin", "/admin/units", {"name": value(n, payload)[:120], "kind": "team", "parent": "0"})
        response = post(world, "learner_a", "/account/api-tokens", {"name": value(n, payload)}, status=200)
        checked(response.get_data(as_text=True), "new API token page", [f"zq{n:02d}"])
    tried("organisation unit name")
    tried("API token name")
    page(world, "admin", "/admin/units", every)
    page(world, "learner_a", "/account/calendar", every)
    page(world, "librarian_y", "/account/people", every)



def test_users_created_and_imported_by_an_administrator(world, app):
    import csv as csv_module

    for n, payload in enumerate(PAYLOADS):
        post(world, "admin", "/admin/users/new", {"name": value(n, payload), "email": f"made{n}@example.org",
                                                  "roles": "learner", "org_unit": "0"})
    tried("admin-created user name")
    rows = io.StringIO()
    writer = csv_module.writer(rows)
    writer.writerow(["email", "name", "roles", "org_unit"])
    for n, payload in enumerate(PAYLOADS):
        writer.writerow([f"imported{n}@example.org", value(n, payload), "learner", value(n, payload)[:100]])
    response = post(world, "admin", "/admin/users/import", {
        "file": (io.BytesIO(rows.getvalue().encode()), "<img src=x onerror=alert(1)>.csv"), "create_units": "y"})
    tried("imported user name and unit")
    tried("user import file name", 1)
    # a file with a problem shows the file name and the bad value on the page
    bad = f"email,name,roles\nbad@example.org,x,{PAYLOADS[0]}\n".encode()
    response = post(world, "admin", "/admin/users/import", {
        "file": (io.BytesIO(bad), "<svg onload=alert(1)>.csv")}, status=400)
    checked(response.get_data(as_text=True), "user import errors", ["<svg onload=alert(1)>.csv, line 2"])
    page(world, "admin", "/admin/users?q=zq&page=1", [])
    page(world, "admin", "/admin/units", canaries())
    page(world, "admin", "/admin/audit?person=zq", canaries()[:5])
    page(world, "admin", "/admin/audit?action=users.imported", ["<img src=x onerror=alert(1)>.csv"])

# Sessions: title, description, place, joining link; messages and cancellations ---------------------

def session_form(world, title: str, description: str, location: str, online_url: str = "", mode: str = "in_person"):
    day = date.today() + timedelta(days=10)
    return {"title": title, "description": description, "location": location, "online_url": online_url,
            "mode": mode, "day": day.isoformat(), "start_time": "10:00", "end_time": "11:00", "capacity": "20",
            "audience": "open", "waitlist_enabled": "y", "course": "0",
            "facilitators": str(world.users["librarian_x"].id), "cancel_cutoff_hours": ""}


def test_session_fields_messages_and_their_emails(world, app):
    from lit_platform.accounts.models import User
    from lit_platform.bookings import services as bookings
    from lit_platform.outbox.models import OutboxMessage
    from lit_platform.outbox.services import build_email

    session_ids = []
    for n, payload in enumerate(PAYLOADS):
        response = post(world, "librarian_x", "/manage/sessions/new",
                        session_form(world, value(n, payload), value(n, payload) + "\n\n" + payload, value(n, payload)))
        session_ids.append(int(response.headers["Location"].rsplit("/", 1)[1]))
    tried("session title")
    tried("session description (Markdown)")
    tried("session place")
    # A joining link must be a web address: script and data links are refused with a message.
    for link in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>",
                 "vbscript:msgbox(1)"):
        response = post(world, "librarian_x", "/manage/sessions/new",
                        session_form(world, "Online", "", "", online_url=link, mode="online"), status=400)
        checked(response.get_data(as_text=True), "refused joining link", ["The joining link must start with https://"])
    tried("session joining link", 5)
    with app.app_context():
        a = db.session.get(User, world.users["learner_a"].id)
        for session_id in session_ids:
            bookings.book_session(session_id, a)
        db.session.commit()

    every = canaries()
    page(world, "learner_a", "/sessions", every)
    page(world, "learner_a", "/bookings", every)
    page(world, "librarian_x", "/manage/sessions/", every)
    for n, session_id in enumerate(session_ids):
        mine = [f"zq{n:02d}"]
        page(world, "learner_a", f"/sessions/{session_id}", mine)
        page(world, "librarian_x", f"/manage/sessions/{session_id}", mine)
        page(world, "librarian_x", f"/manage/sessions/{session_id}/edit", mine)
        page(world, "librarian_x", f"/manage/sessions/{session_id}/sign-in-sheet", mine)
        page(world, "librarian_x", f"/manage/sessions/{session_id}/check-in-code", mine)
        page(world, "librarian_x", f"/manage/sessions/{session_id}/message", mine)
        # Messages to attendees and cancellations carry the librarian's text into e-mails.
        post(world, "librarian_x", f"/manage/sessions/{session_id}/message",
             {"subject": value(n, PAYLOADS[n])[:150], "body": value(n, PAYLOADS[n])})
        post(world, "librarian_x", f"/manage/sessions/{session_id}/cancel", {"reason": value(n, PAYLOADS[n])})
    tried("message subject")
    tried("message text")
    tried("cancellation reason")
    for url in ("/api/v1/sessions", "/api/v1/me/bookings"):
        response = world.send("learner_a", "GET", url)
        # JSON is data, not a page: served as such and never sniffed as HTML.
        assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"
        assert url != "/api/v1/me/bookings" or "zq00 <script>" in json.dumps(response.json, ensure_ascii=False)
    feed = world.send("anonymous", "GET", "/feeds/sessions.ics")
    assert feed.mimetype == "text/calendar"

    # Every e-mail is plain text with a one-line subject, and the admin's outbox page shows it escaped.
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == A_EMAIL)).all()
        assert len(messages) >= 3 * len(PAYLOADS)
        for message in messages:
            assert message.body_html is None
            email = build_email(message, "library@example.org")
            assert {part.get_content_type() for part in email.walk() if not part.is_multipart()} <= {
                "text/plain", "text/calendar"}
            assert "\n" not in message.subject and "\r" not in message.subject
        message_ids = [m.id for m in messages]
    for message_id in message_ids[-2 * len(PAYLOADS):]:
        page(world, "admin", f"/admin/outbox/{message_id}")
    page(world, "admin", "/admin/outbox", [])


def test_a_subject_with_line_breaks_cannot_block_the_outbox(world, app):
    """A message subject (or a session title) with a line break: the e-mail still goes out, with one subject line."""
    from lit_platform.outbox.models import OutboxMessage
    from lit_platform.outbox.services import build_email

    session_x = world.ids["session_x"]
    response = world.send("librarian_x", "POST", f"/manage/sessions/{session_x}/message",
                          {"subject": "Hello\r\nBcc: everyone@example.org", "body": "Hi"})
    assert response.status_code == 302
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        email = build_email(message, "library@example.org")
        assert email["Bcc"] is None and "Hello" in email["Subject"] and "\n" not in email["Subject"]
    tried("message subject (header injection)", 1)


def test_a_long_session_title_and_subject_still_send_their_emails(world, app):
    """Titles and subjects at their form's maximum length fit the outbox's subject column on every database."""
    from lit_platform.outbox.models import OutboxMessage

    session_x = world.ids["session_x"]
    response = world.send("librarian_x", "POST", "/manage/sessions/new", session_form(world, "T" * 255, "", "Room 1"))
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert world.send("learner_b", "POST", f"/sessions/{new_id}/book").status_code == 302
    response = world.send("librarian_x", "POST", f"/manage/sessions/{session_x}/message",
                          {"subject": "S" * 150, "body": "Hi"})
    assert response.status_code == 302
    with app.app_context():
        subjects = db.session.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id.desc()).limit(2)).all()
    assert all(len(subject) <= 255 for subject in subjects)


# The bank: questions, categories, quizzes, GIFT ------------------------------------------------------

def gift_escape(text: str) -> str:
    return re.sub(r"([~=#{}:\\])", r"\\\1", text)


def test_bank_questions_categories_quizzes_and_gift_import(world, app):
    from lit_platform.quizzes.models import Question, QuestionCategory

    with app.app_context():
        category = db.session.scalar(select(QuestionCategory.id).order_by(QuestionCategory.id).limit(1))
    # Questions written in the bank's form: stem, title, choices and every kind of feedback.
    question_ids = []
    for n, payload in enumerate(PAYLOADS):
        v = value(n, payload)
        data = {"title": v[:255], "stem": v, "category": str(category), "points": "1", "general_feedback": v,
                "feedback_correct": v, "feedback_partial": v, "feedback_incorrect": v, "tags": f"zq{n:02d}",
                "choices-0-text": v, "choices-0-weight": "100", "choices-0-feedback": v,
                "choices-1-text": "Other", "choices-1-weight": "0", "choices-1-feedback": v}
        response = post(world, "librarian_x", "/bank/questions/new/single_choice", data)
        question_ids.append(int(response.headers["Location"].rsplit("/", 1)[1]))
    for field in ("question title", "question stem", "choice text", "choice feedback", "general feedback",
                  "right/partly/wrong feedback"):
        tried(field)
    for n, question_id in enumerate(question_ids):
        page(world, "librarian_x", f"/bank/questions/{question_id}", [f"zq{n:02d}"])
        page(world, "librarian_x", f"/bank/questions/{question_id}/edit", [f"zq{n:02d}"])
    page(world, "librarian_x", "/bank/", canaries())

    # A learner takes a quiz of those questions and sees the feedback.
    quiz_response = post(world, "librarian_x", "/bank/quizzes/new", {
        "title": value(0, PAYLOADS[0]), "description": "\n".join(value(n, p) for n, p in enumerate(PAYLOADS)),
        "attempts_allowed": "0", "feedback_mode": "immediate", "is_published": "y", "review_right_answers": "y",
        "review_feedback": "y", "questions_per_page": "50"})
    quiz_id = int(quiz_response.headers["Location"].rsplit("/", 1)[1])
    tried("quiz title", 1)
    tried("quiz instructions")
    with app.app_context():
        keys = [db.session.get(Question, q).key for q in question_ids]
    for key in keys:
        post(world, "librarian_x", f"/bank/quizzes/{quiz_id}/slots", {"kind": "fixed", "add-question_key": key})
    page(world, "learner_a", "/quizzes", ["zq00"])
    page(world, "learner_a", f"/quizzes/{quiz_id}", canaries())
    response = post(world, "learner_a", f"/quizzes/{quiz_id}/attempts", {})
    attempt_id = int(re.search(r"/attempts/(\d+)/", response.headers["Location"]).group(1))
    page(world, "learner_a", f"/attempts/{attempt_id}/page/1", canaries())
    post(world, "learner_a", f"/attempts/{attempt_id}/submit", {})
    page(world, "learner_a", f"/attempts/{attempt_id}/review", canaries())
    page(world, "librarian_x", f"/bank/attempts/{attempt_id}", canaries())
    page(world, "librarian_x", f"/bank/quizzes/{quiz_id}", canaries())

    # Categories.
    for n, payload in enumerate(PAYLOADS):
        # A name with "/" (which separates levels) is refused on the form, with the payload shown escaped.
        response = post(world, "librarian_x", "/bank/categories", {"name": value(n, payload)[:200], "parent": "0"},
                        status=None)
        checked(response.get_data(as_text=True), "category form", [f"zq{n:02d}"] if response.status_code == 200 else [])
    tried("question category name")
    page(world, "librarian_x", "/bank/categories", [c for n, c in enumerate(canaries()) if "/" not in PAYLOADS[n]])
    page(world, "librarian_x", "/bank/", canaries())

    # GIFT import: payloads escaped (read as text) and raw (many are then GIFT syntax errors), in a file
    # whose name is a payload too; the result page lists problems with the file name.
    questions = []
    for n, payload in enumerate(PAYLOADS):
        escaped = gift_escape(value(n, payload))
        questions.append(f"::{escaped}::{escaped} {{={escaped} #{escaped} ~Other #{escaped} ####{escaped}}}")
        questions.append(f"{value(n, payload)} {{T}}")
    questions.append("A question whose answers never close {=right ~wrong")
    text = "\n\n".join(questions) + "\n"
    response = world.send("librarian_x", "POST", "/bank/gift/import", {
        "category": str(category), "file": (io.BytesIO(text.encode()), "<img src=x onerror=alert(1)>.gift")})
    assert response.status_code == 200
    result = html.unescape(checked(response.get_data(as_text=True), "GIFT import result",
                                   ["questions imported", "<img src=x onerror=alert(1)>.gift, line"]))
    block = re.search(r'class="message message-(?:success|warning)" role="status">(.*?)</div>', result, re.S).group(1)
    summary = " ".join(re.sub(r"<[^>]+>", " ", block).split())
    assert re.search(r"^(\d+) questions imported", summary) and int(summary.split()[0]) >= len(PAYLOADS), summary
    for field in ("GIFT question title", "GIFT question text", "GIFT answer", "GIFT answer feedback",
                  "GIFT general feedback", "GIFT unescaped text"):
        tried(field)
    tried("GIFT file name", 1)
    page(world, "librarian_x", "/bank/?q=zq", canaries())
    export = world.send("librarian_x", "GET", "/bank/gift/export")
    assert export.mimetype == "text/plain" and "attachment" in export.headers["Content-Disposition"]


# Course files --------------------------------------------------------------------------------------

def test_course_files(world, app, tmp_path):
    from lit_platform.courses.importer import import_course
    from lit_platform.courses.loader import read_course

    markdown = "\n\n".join(value(n, p) for n, p in enumerate(PAYLOADS))
    quiz_questions = "\n".join(
        f"  - key: xss.q{n}\n    type: single_choice\n    stem: {json.dumps(value(n, p))}\n    choices:\n"
        f"      - {{text: {json.dumps(value(n, p))}, correct: true, feedback: {json.dumps(value(n, p))}}}\n"
        f"      - {{text: Other, feedback: {json.dumps(value(n, p))}}}"
        for n, p in enumerate(PAYLOADS))
    root = tmp_path / "xss"
    folder = write_course(root)
    course_yaml = (folder / "course.yaml").read_text()
    course_yaml = course_yaml.replace("slug: demo-course", "slug: xss-course").replace(
        "title: Demo searching", f"title: {json.dumps(value(0, PAYLOADS[0]))}").replace(
        "  A short course used by the tests.", "  " + "\n  ".join(value(n, p) for n, p in enumerate(PAYLOADS)))
    course_yaml = course_yaml.replace("key: demo-prepost", "key: xss-prepost")
    (folder / "course.yaml").write_text(course_yaml)
    module = (folder / "01-question.md").read_text().replace("it saves time.", markdown)
    (folder / "01-question.md").write_text(module)
    quiz = (folder / "quizzes/02-boolean.yaml").read_text()
    quiz = quiz.replace("key: demo-02-check", "key: xss-02-check").split("questions:")[0] + "questions:\n" + quiz_questions
    (folder / "quizzes/02-boolean.yaml").write_text(quiz + "\n")
    assessment = (folder / "assessment.yaml").read_text().replace("key: demo-prepost", "key: xss-prepost")
    assessment = assessment.replace("demo.pp.", "xss.pp.").replace("demo.conf.", "xss.conf.")
    (folder / "assessment.yaml").write_text(assessment)
    app.config["LIT_COURSES_PATH"] = str(root)
    with app.app_context():
        definition, problems = read_course(folder)
        # `lit courses validate` and `lit courses import` refuse the folder: raw HTML and links that are not
        # web addresses or course files are reported by file and line.
        messages = " ".join(p.message for p in problems)
        assert "raw HTML is not allowed" in messages and "broken link" in messages
        # Imported all the same (as if the check were skipped), the pages are still safe: what is shown
        # was sanitised when it was stored.
        import_course(definition)
        db.session.commit()
    for field in ("course description", "module Markdown", "course quiz question text", "course quiz choice",
                  "course quiz feedback"):
        tried(field)
    tried("course title", 1)
    page(world, "learner_a", "/courses", ["zq00"])
    page(world, "learner_a", "/courses/xss-course", canaries())
    post(world, "learner_a", "/courses/xss-course/start", {})
    post(world, "learner_a", "/courses/xss-course/tests/pre/skip", {})
    page(world, "learner_a", "/courses/xss-course/question", canaries())
    # A reading list link that is not a web address is reported, not imported.
    bad = (folder / "course.yaml").read_text().replace("url: https://example.org/guide", "url: javascript:alert(1)")
    (folder / "course.yaml").write_text(bad)
    with app.app_context():
        _, problems = read_course(folder)
    assert any("must start with https://" in p.message for p in problems)
    tried("course reading link", 1)


# What learners write: saved searches, exercise answers, essays, survey comments --------------------

def test_saved_searches_exercise_answers_and_comments(world, app):
    from lit_platform.accounts.models import User
    from lit_platform.bookings.models import Booking, Session
    from lit_platform.quizzes.models import Attempt

    # Saved searches: every text field.
    search_ids = []
    for n, payload in enumerate(PAYLOADS):
        v = value(n, payload)
        response = post(world, "learner_a", "/searches/new", {
            "title": v[:200], "question": v, "syntax": "pubmed", "plan-0-name": v, "plan-0-terms": v,
            "search": v, "database": v[:200], "platform": v[:200], "limits": v, "notes": v})
        search_ids.append(int(re.search(r"/searches/(\d+)", response.headers["Location"]).group(1)))
    for field in ("saved search title", "saved search question", "saved search concept", "saved search terms",
                  "saved search text", "saved search database", "saved search platform", "saved search limits",
                  "saved search notes"):
        tried(field)
    page(world, "learner_a", "/searches", canaries())
    for n, search_id in enumerate(search_ids):
        page(world, "learner_a", f"/searches/{search_id}", [f"zq{n:02d}"])
        appendix = world.send("learner_a", "GET", f"/searches/{search_id}/appendix.txt")
        assert appendix.mimetype == "text/plain" and "attachment" in appendix.headers["Content-Disposition"]
        assert re.fullmatch(r'attachment; filename="[a-z0-9-]+-appendix\.txt"', appendix.headers["Content-Disposition"])
    # The copy of A's data (a subject access export) shows every saved search, escaped.
    page(world, "learner_a", "/account/your-data", [])
    export = world.send("learner_a", "GET", "/account/your-data.zip")
    with zipfile.ZipFile(io.BytesIO(export.get_data())) as archive:
        checked(archive.read("personal-data.html").decode("utf-8"), "the personal data export (HTML)", canaries())
        assert "zq00 <script>" in archive.read("personal-data.json").decode("utf-8")

    # Exercise answers, as the page's script saves them, then as the page, the review and the marker see them.
    quiz = world.ids["quiz"]
    response = post(world, "learner_b", f"/quizzes/{quiz}/attempts", {})
    attempt_id = int(re.search(r"/attempts/(\d+)/", response.headers["Location"]).group(1))
    with app.app_context():
        responses = {r.version.type: r.id for r in db.session.get(Attempt, attempt_id).responses}
    for n, payload in enumerate(PAYLOADS):
        v = value(n, payload)
        rid = responses["search_strategy"]
        saved = world.send("learner_b", "POST", f"/attempts/{attempt_id}/responses/{rid}", {
            f"r{rid}.syntax": "pubmed", f"r{rid}.plan.1.name": v, f"r{rid}.plan.1.terms": v, f"r{rid}.search": v})
        assert saved.status_code == 200 and saved.json["saved"], saved.get_data(as_text=True)
        checked(saved.json.get("check_html", ""), "the search checks sent back while typing")
        page(world, "learner_b", f"/attempts/{attempt_id}/page/1", [f"zq{n:02d}"])
    tried("exercise search text")
    tried("exercise concept names and terms")
    rid = responses
    fields = {f"r{rid['appraisal_checklist']}.{key}.why": value(n, p)
              for n, (key, p) in enumerate(zip(("randomised", "concealed", "blinded", "followed"), PAYLOADS))}
    fields.update({f"r{rid['appraisal_checklist']}.{key}.answer": page_value(app, rid["appraisal_checklist"], f"{key}.answer", "yes")
                   for key in ("randomised", "concealed", "blinded", "followed")})
    fields.update({f"r{rid['lateral_reading']}.{move}.notes": value(n + 4, p)
                   for n, (move, p) in enumerate(zip(("stop", "investigate", "find", "trace"), PAYLOADS[4:]))})
    fields[f"r{rid['lateral_reading']}.verdict"] = page_value(app, rid["lateral_reading"], "verdict", "2")
    fields[f"r{rid['essay']}"] = "\n".join(value(n, p) for n, p in enumerate(PAYLOADS))
    post(world, "learner_b", f"/attempts/{attempt_id}/page/1", fields)
    tried("appraisal reasons", 4)
    tried("SIFT notes", 4)
    tried("essay answer")
    post(world, "learner_b", f"/attempts/{attempt_id}/submit", {})
    page(world, "learner_b", f"/attempts/{attempt_id}/review", canaries())
    page(world, "librarian_x", f"/bank/attempts/{attempt_id}", canaries())
    # The marker's comment on the essay.
    post(world, "librarian_x", f"/bank/responses/{rid['essay']}/mark",
         {"points": "1", "comment": "\n".join(value(n, p) for n, p in enumerate(PAYLOADS))})
    tried("marker's comment")
    page(world, "learner_b", f"/attempts/{attempt_id}/review", canaries())
    appendix = world.send("learner_b", "GET", f"/responses/{rid['search_strategy']}/search-appendix.txt")
    assert appendix.status_code == 200 and appendix.mimetype == "text/plain"

    # Survey comments: B attended session X and comments through the form, once per payload.
    session_x = world.ids["session_x"]
    with app.app_context():
        b = db.session.get(User, world.users["learner_b"].id)
        db.session.add(Booking(session_id=session_x, user_id=b.id, status="confirmed", position=99,
                               ical_sequence=0, booked_at=db.session.get(Session, session_x).starts_at))
        db.session.commit()
    for n, payload in enumerate(PAYLOADS):
        with rolled_back(app):
            post(world, "learner_b", f"/sessions/{session_x}/feedback", {
                "usefulness": "4", "confidence": "4", "would_recommend": "yes", "comment": value(n, payload)})
            page(world, "librarian_x", f"/manage/sessions/{session_x}", [f"zq{n:02d}"])
            page(world, "librarian_x", f"/reports/reaction?session={session_x}", [f"zq{n:02d}"])
            page(world, "manager", "/reports/reaction", [f"zq{n:02d}"])
            page(world, "manager", "/reports", [])
    tried("survey comment")


# Exports: CSV and XLSX ------------------------------------------------------------------------------

def test_exports_never_hold_formulas(app, make, tmp_path):
    """Names, comments and titles that start like formulas reach every CSV and XLSX export as text."""
    from lit_platform.accounts.models import User
    from lit_platform.bookings import services as bookings
    from lit_platform.bookings.models import Session
    from lit_platform.core.exports import csv_text
    from lit_platform.reports import exports
    from lit_platform.reports.document import ReportDocument, Section, Table

    app.config["LIT_REPORT_MIN_GROUP"] = 1
    world = build_world(app, make, tmp_path, names={"learner_a": FORMULAS[0], "learner_b": FORMULAS[1]},
                        answers={"comment": FORMULAS[2], "search_title": FORMULAS[3]})
    session_x, slug = world.ids["session_x"], world.ids["slug"]
    with app.app_context():
        db.session.get(Session, session_x).title = FORMULAS[4]
        bookings.book_session(world.ids["session_y"], db.session.get(User, world.users["learner_b"].id))
        db.session.commit()
    post(world, "learner_a", "/courses/" + slug + "/start", {})
    tried("exported learner name", 2)
    tried("exported survey comment", 1)
    tried("exported session title", 1)

    downloads = [("librarian_x", f"/manage/sessions/{session_x}/export.csv"),
                 ("manager", f"/assessments/sessions/{session_x}/pairs.csv"),
                 ("manager", f"/assessments/courses/{slug}/pairs.csv"),
                 ("manager", f"/courses/{slug}/progress?format=csv"),
                 ("manager", "/reports/reaction.csv"), ("manager", "/reports/reach.csv"),
                 ("manager", "/reports/learning.csv"), ("manager", f"/reports/reaction.csv?session={session_x}")]
    seen = []
    for role, url in downloads:
        cells = csv_cells(world.send(role, "GET", url))
        assert_no_formula_cells(cells, url)
        seen += cells
    joined = "\n".join(seen)
    assert "'" + FORMULAS[0] in joined and "'" + FORMULAS[2] in joined, "the formula payloads never reached a CSV"
    for kind in ("reaction", "reach", "learning"):
        response = world.send("manager", "GET", f"/reports/{kind}.xlsx")
        assert response.status_code == 200
        texts = assert_safe_workbook(response.get_data(), f"{kind}.xlsx")
        if kind == "reaction":
            assert FORMULAS[2] in texts

    # The writers themselves, with every formula start in every kind of cell.
    rows = [[formula, formula, -1.5, 3] for formula in FORMULAS]
    document = ReportDocument(key="x", title=FORMULAS[0], generated_at=datetime(2026, 1, 1),
                              filters=[(f, f) for f in FORMULAS],
                              sections=[Section("s", FORMULAS[1], summary=list(FORMULAS),
                                                tables=[Table(FORMULAS[2], list(FORMULAS[:4]), rows, note=FORMULAS[3])])],
                              methods=[(f, f) for f in FORMULAS], min_group=5)
    cells = [c for row in csv.reader(io.StringIO(exports.to_csv(document))) for c in row]
    assert_no_formula_cells(cells, "report CSV writer")
    assert "-1.50" in cells  # numbers stay numbers
    texts = assert_safe_workbook(exports.to_xlsx(document), "report XLSX writer")
    assert set(FORMULAS) - {"\r=1+1"} <= set(texts)
    with app.test_request_context():
        checked(exports.to_pdf_html(document), "report PDF page")
    assert_no_formula_cells([c for row in csv.reader(io.StringIO(csv_text(["a"], [[f] for f in FORMULAS])))
                             for c in row], "core CSV writer")
    tried("report CSV/XLSX writer cells", len(FORMULAS))


def test_privacy_request_extension_and_erasure_grounds(world, app):
    """Administrators' own words on a request: why it needs longer, and the grounds for an erasure."""
    request_id = world.ids["privacy_request"]
    detail = f"/admin/privacy/requests/{request_id}"
    for n, payload in enumerate(PAYLOADS):
        with rolled_back(app):
            post(world, "admin", f"{detail}/extend", {"months": "1", "reason": value(n, payload)})
            page(world, "admin", detail, [f"zq{n:02d}"])
            post(world, "admin", f"{detail}/erase", {"reason": value(n, payload), "confirm": "y"})
            page(world, "admin", detail, [f"zq{n:02d}"])
            page(world, "admin", "/admin/privacy/requests", [])
            page(world, "admin", "/admin/audit", [])
    tried("request extension reason")
    tried("erasure grounds")


def test_zz_report_payloads_times_fields(capsys):
    """Runs last in this file (alphabetically and by position): the corpus size for the report."""
    total = sum(TRIED.values())
    with capsys.disabled():
        print(f"\nXSS corpus: {len(PAYLOADS)} script payloads and {len(FORMULAS)} formula payloads; "
              f"{total} payload x field writes over {len(TRIED)} fields (on each database)")
    assert total > 0
