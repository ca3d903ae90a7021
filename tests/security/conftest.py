"""The attack suite's shared world: one small installation with objects owned by different people,
a signed-in client per role, and the tools to send a request and roll its effects back.

Every request the suite sends runs inside a SAVEPOINT on the test's connection that is rolled back
afterwards, and every client starts from the cookie its role had after signing in, so no request
(an admin deactivating learner A, a learner signing out) can change what the next one sees.
"""
from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from datetime import date, timedelta
from functools import lru_cache
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lit_platform.extensions import db
from lit_platform.sso.models import LinkedIdentity

from ..bookings.conftest import SessionFactory, in_days
from ..conftest import Actions, csrf_token_from
from ..factories import PASSWORD
from ..courses.conftest import import_folder, write_course
from ..exercises.conftest import SEARCH_SPEC
from ..exercises.test_appraisal import SPEC as CHECKLIST_SPEC
from ..exercises.test_lateral_reading import SPEC as SIFT_SPEC

#: the roles every route is tried with (the owner first: the control that shows the URL is valid)
ROLES = ("anonymous", "learner_a", "learner_b", "librarian_y", "manager", "admin")
#: learner A's personal details and private texts: no one else may be shown them
A_NAME = "Alice Quenby-Zarek"
A_EMAIL = "alice.quenby@example.org"
A_SEARCH_TITLE = "Alice private strategy qz7"
A_SEARCH_TEXT = "qzsecretterm*[tiab]"
A_ANSWER_TEXT = "qzsecretsearchword"
A_ESSAY_TEXT = "Alice private essay text qz7"
A_COMMENT = "Alice private comment qz7"
A_SSO_SUBJECT = "alice-subject-at-uni-qz7"
RELAXED_LIMITS = {name: "10000 per minute" for name in (
    "LIT_LOGIN_RATE_LIMIT", "LIT_RESET_RATE_LIMIT", "LIT_JOIN_RATE_LIMIT", "LIT_API_RATE_LIMIT", "LIT_BOOKING_RATE_LIMIT",
    "LIT_EXPORT_RATE_LIMIT", "LIT_CHECKIN_RATE_LIMIT", "LIT_ADDRESS_RATE_LIMIT", "LIT_MAIL_RATE_LIMIT")}


@dataclass
class World:
    app: object
    users: dict[str, object]
    ids: dict[str, object]
    #: strings that identify learner A or show what A wrote
    markers: list[str]
    #: role -> (session cookie value, CSRF token)
    cookies: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    #: the administrator's setting that opens the catalogue and course pages to visitors (on by default)
    visitors_may_browse: bool = True

    def client(self, role: str):
        """A fresh client carrying the role's signed-in cookie (none for anonymous)."""
        client = self.app.test_client()
        cookie = self.cookies[role][0]
        if cookie:
            client.set_cookie("session", cookie)
        return client

    def csrf(self, role: str) -> str:
        return self.cookies[role][1]

    def send(self, role: str, method: str, url: str, data=None, **kwargs):
        """One request as `role`; state-changing methods carry a valid CSRF token (form and header)."""
        client = self.client(role)
        if method in ("GET", "HEAD"):
            return client.open(url, method=method, **kwargs)
        # A plain dict: MultiDict would read a (file, name) tuple as two values.
        form = dict(data or {})
        form.setdefault("csrf_token", self.csrf(role))
        headers = {"X-CSRFToken": self.csrf(role), **kwargs.pop("headers", {})}
        return client.open(url, method=method, data=form, headers=headers, **kwargs)


def _answer(app, attempt, user, fields: dict[str, dict]) -> None:
    """Save answers through the quiz engine, keyed by question type: {type: {form field suffix: value}}."""
    from lit_platform.quizzes import attempts
    from lit_platform.quizzes.views import submitted_values

    for response in attempt.responses:
        values = fields.get(response.version.type)
        if values is None:
            continue
        prefix = f"r{response.id}"
        form = MultiDict([(prefix + (key if key.startswith(".") or not key else "." + key), value)
                          for key, value in values.items()])
        attempts.save_answer(attempt, response.id, submitted_values(form, response), user)


def exercise_questions():
    """The three performance exercises and an essay."""
    from lit_platform.quizzes.services import QuestionData

    return [
        QuestionData("search_strategy", "Plan a search on traffic and asthma.", SEARCH_SPEC, points=10,
                     title="Traffic and asthma"),
        QuestionData("lateral_reading", "Investigate this post.", SIFT_SPEC, points=5),
        QuestionData("appraisal_checklist", "Appraise this trial.", CHECKLIST_SPEC, points=4),
        QuestionData("essay", "Explain lateral reading.", {"guidance": "Leave the page."}),
    ]


def build_world(app, make, tmp_path, answers: dict | None = None, names: dict | None = None) -> World:
    """The installation the attacks run against (see the module docstring)."""
    from lit_platform.accounts import services as accounts
    from lit_platform.accounts.models import User
    from lit_platform.assessments import services as assessments
    from lit_platform.assessments.models import Instrument
    from lit_platform.bookings import services as bookings, tokens
    from lit_platform.bookings.models import Booking
    from lit_platform.courses.models import Course
    from lit_platform.exercises.models import SavedSearch
    from lit_platform.core.types import utcnow
    from lit_platform.outbox.models import OutboxMessage
    from lit_platform.privacy import requests as privacy_requests, retention
    from lit_platform.quizzes import attempts
    from lit_platform.quizzes.models import Quiz, QuizSlot

    app.config.update(RELAXED_LIMITS)
    names = names or {}
    # Made without a password (hashing one costs 0.1 s), then given the one hash computed for the session.
    users = {
        "learner_a": make.user(A_EMAIL, names.get("learner_a", A_NAME), password=None),
        "learner_b": make.user("bob.b@example.org", names.get("learner_b", "Bob Learner"), password=None),
        "librarian_x": make.user("lib.x@example.org", names.get("librarian_x", "Lara Facilitator"),
                                 roles=["librarian"], password=None),
        "librarian_y": make.user("lib.y@example.org", names.get("librarian_y", "Yann Otherlib"),
                                 roles=["librarian"], password=None),
        "manager": make.user("manager@example.org", "Mina Manager", roles=["manager"], password=None),
        "admin": make.user("admin@example.org", "Adam Admin", roles=["admin"], password=None),
    }
    slug = import_folder(app, write_course(tmp_path))
    sessions = SessionFactory(app, make)
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
    session_x = sessions(users["librarian_x"], starts_at=in_days(-2), title="Workshop X", course_id=course_id,
                         description="Session X")
    session_y = sessions(users["librarian_y"], starts_at=in_days(5), title="Workshop Y")
    quiz = make.quiz(questions=exercise_questions(), questions_per_page=4, title="Exercise quiz")

    ids: dict[str, object] = {"session_x": session_x.id, "session_y": session_y.id, "quiz": quiz.id, "slug": slug,
                              "course": course_id, "user_a": users["learner_a"].id}
    answers = answers or {}
    with app.app_context():
        for user in users.values():
            db.session.get(User, user.id).password_hash = password_hash()
        a = db.session.get(User, users["learner_a"].id)
        lib_x = db.session.get(User, users["librarian_x"].id)
        # A's place on X (booked before it started), then A's feedback after it.
        booking = bookings.book_session(session_x.id, a, now=in_days(-3))
        ids["booking"] = booking.id
        survey = bookings.submit_survey(session_x.id, a, 4, 5, True, answers.get("comment", A_COMMENT))
        ids["survey_response"] = survey.id
        # X's pre/post test with the course's instrument; the pre-test is open and A has started it.
        instrument = db.session.scalar(select(Instrument).where(Instrument.key == "demo-prepost"))
        ids["instrument"] = instrument.id
        points = assessments.ensure_session_points(db.session.get(type(booking.session), session_x.id), instrument)
        assessments.open_point(points["pre"], lib_x)
        ids["join_code"] = points["pre"].join_code
        entry = assessments.start(points["pre"], assessments.participant_for_user(points["pre"], a))
        ids["entry"] = entry.id
        ids["entry_response"] = next(r.id for r in entry.attempt.responses)
        # A's handed-in exercise attempt.
        quiz_row = db.session.get(Quiz, quiz.id)
        attempt = attempts.start_attempt(quiz_row, a)
        _answer(app, attempt, a, answers.get("attempt") or {
            "search_strategy": {"syntax": "pubmed", "plan.1.name": "Children", "plan.1.terms": "child*",
                                "search": f"{A_SEARCH_TEXT} AND {A_ANSWER_TEXT}[tiab]"},
            "essay": {"": A_ESSAY_TEXT},
        })
        attempts.submit_attempt(attempt, a)
        ids["attempt"] = attempt.id
        by_type = {r.version.type: r for r in attempt.responses}
        ids["search_response"] = by_type["search_strategy"].id
        ids["essay_response"] = by_type["essay"].id
        ids["question"] = by_type["search_strategy"].version.question_id
        ids["slot"] = db.session.scalar(select(QuizSlot.id).where(QuizSlot.quiz_id == quiz.id).limit(1))
        saved = SavedSearch(user_id=a.id, title=answers.get("search_title", A_SEARCH_TITLE), syntax="pubmed",
                            search=answers.get("search_text", A_SEARCH_TEXT), question="Alice's question",
                            notes=answers.get("search_notes", "private notes"), plan=[], hits={})
        db.session.add(saved)
        db.session.flush()
        ids["search"] = saved.id
        ids["feed_token"] = tokens.create_feed_token(a)
        token_row, ids["api_token"] = tokens.create_api_token(a, "Alice's dashboard")
        ids["api_token_id"] = token_row.id
        reset_links: list[str] = []
        accounts.request_password_reset(a.email, lambda token: reset_links.append(token) or f"/reset/{token}", 60)
        ids["reset_token"] = reset_links[0]
        registration_links: list[str] = []
        accounts.start_registration("newcomer@example.org", app.secret_key,
                                    lambda token: registration_links.append(token) or f"/register/{token}",
                                    "/account/login", "/account/password/forgot")
        ids["registration_token"] = registration_links[0]
        ids["message"] = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.user_id == a.id)
                                           .order_by(OutboxMessage.id).limit(1))
        ids["module"] = db.session.get(Course, course_id).active_modules[0].slug
        # An erasure request about A, logged by the admin, and a retention review that lists A (as of four
        # years on, when A has been inactive for longer than the account's retention period).
        admin = db.session.get(User, users["admin"].id)
        ids["privacy_request"] = privacy_requests.log_request("erasure", a, date.today(), admin, date.today()).id
        review = retention.start_review(app.config, utcnow() + timedelta(days=4 * 366), admin)
        assert a.id in review.items["inactive_learners"]
        ids["retention_review"] = review.id
        identity = LinkedIdentity(user_id=a.id, provider="uni", subject=A_SSO_SUBJECT, email=A_EMAIL)
        db.session.add(identity)
        db.session.flush()
        ids["identity"] = identity.id
        # A course being written in the browser (authoring is shared by every author; it holds no one's data).
        from lit_platform.authoring import services as authoring

        ids["authored"] = authoring.new_course("authored-course", "Authored course", admin).course_slug
        assert db.session.get(Booking, booking.id).status == "confirmed"
        db.session.commit()

    markers = [A_NAME, A_EMAIL, A_SEARCH_TITLE, A_SEARCH_TEXT, A_ANSWER_TEXT, A_ESSAY_TEXT, A_COMMENT,
               ids["feed_token"], ids["api_token"], ids["reset_token"], A_SSO_SUBJECT]
    world = World(app, users, ids, markers)
    for role in ROLES + ("librarian_x",):
        client = app.test_client()
        if role == "learner_a":
            assert Actions(client).login(users[role].email).status_code == 302, f"{role} could not sign in"
        elif role != "anonymous":
            # Signed in as Flask-Login does it, without checking the password (0.1 s each) again.
            with client.session_transaction() as cookie:
                cookie["_user_id"], cookie["_fresh"] = f"{users[role].id}:{users[role].session_version}", True
        token = csrf_token_from(client.get("/account/login" if role == "anonymous" else "/").get_data(as_text=True))
        cookie = client.get_cookie("session")
        world.cookies[role] = (cookie.value if cookie else None, token)
    return world


@lru_cache(maxsize=1)
def password_hash() -> str:
    from lit_platform.accounts.passwords import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def world(app, make, tmp_path):
    return build_world(app, make, tmp_path)


# Rolling a request back ------------------------------------------------------------------------

def connection_of(app):
    """The connection every session of the test app works on (see tests/conftest.py's `app`)."""
    with app.app_context():
        connection = db.session.get_bind()
        db.session.remove()
    return connection


@contextmanager
def rolled_back(app):
    """Whatever the requests inside do to the database is undone afterwards."""
    connection = connection_of(app)
    savepoint = connection.begin_nested()
    try:
        yield connection
    finally:
        if savepoint.is_active:
            savepoint.rollback()


#: what security._audit_refusal records about a refused request (403, 404 on an object, CSRF)
REFUSAL_AUDIT_ACTIONS = ("request.forbidden", "request.not_found", "request.csrf_refused")


def fingerprint(connection, only_user_id: int | None = None) -> dict[str, str]:
    """A digest of every table's rows (or of the rows that belong to one user), to see that nothing changed.

    The audit log's record of refused requests (`request.*`) is left out: writing it is what a refusal does.
    """
    digests = {}
    for table in db.metadata.sorted_tables:
        query = select(table)
        if table.name == "audit_events":
            query = query.where(table.c.action.not_like("request.%"))
        if only_user_id is not None:
            if "user_id" in table.c:
                query = query.where(table.c.user_id == only_user_id)
            elif table.name == "users":
                query = query.where(table.c.id == only_user_id)
            else:
                continue
        if table.name == "audit_events":  # the record of a refusal is not a change the refused request made
            query = query.where(table.c.action.not_in(REFUSAL_AUDIT_ACTIONS))
        rows = sorted(repr(tuple(row)) for row in connection.execute(query))
        digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


# Looking at HTML -------------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc", "background"}


class TagCollector(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.\-]*)\s*:", re.IGNORECASE)


def dangerous_markup(html: str) -> list[str]:
    """What in a page could run script: inline scripts, event handler attributes, script: or data: URLs.

    The site itself uses none of these (its CSP forbids inline script), so any is a finding.
    """
    parser = TagCollector()
    parser.feed(html)
    parser.close()
    found = []
    for tag, attrs in parser.tags:
        if tag == "script" and not dict(attrs).get("src"):
            found.append("<script> without src")
        if tag in ("iframe", "object", "embed", "base", "frame", "frameset"):
            found.append(f"<{tag}>")
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on"):
                found.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and value:
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                scheme = _SCHEME.match(cleaned)
                if scheme and scheme.group(1).lower() in ("javascript", "vbscript", "data"):
                    if not (tag == "img" and cleaned.lower().startswith("data:image/") and name == "src"):
                        found.append(f"<{tag} {name}={value[:40]!r}>")
            if name == "style" and value and re.search(r"expression\(|url\(\s*['\"]?\s*javascript:", value, re.I):
                found.append(f"<{tag} style={value[:40]!r}>")
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "refresh":
            found.append("<meta http-equiv=refresh>")
    for script in parser.scripts:
        if script.strip():
            found.append(f"inline script: {script.strip()[:40]!r}")
    return found
