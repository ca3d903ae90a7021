"""Access matrix: every route, tried by every kind of visitor on learner A's objects.

The world (conftest.py) has learner A and learner B, each with bookings, a quiz attempt, a saved
search, a survey answer, a pre/post attempt and tokens; librarian X facilitates A's session X and
librarian Y another session; a manager and an admin. Each route's URL variables are filled with A's
(or session X's) ids, and the route is sent, with every method it answers, by: anonymous, learner A
(the owner: shows the URL really works), learner B, librarian Y, the manager and the admin.

What a user cares about, asserted for every (route, method, role):
- anonymous visitors are sent to sign in (or get 401 from the API), except on public routes;
- staff-only routes answer 403 to learners;
- someone else's object answers 403 or 404, never 200;
- no page shown to someone not entitled to it contains A's name, e-mail, private texts or tokens;
- a refused POST/DELETE changes nothing in the database, and a POST that is allowed but is not A's
  to make changes nothing of A's.
Each request is rolled back afterwards, so the world is the same for every request.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

from .conftest import ROLES, changed_tables, fingerprint, rolled_back

SIGNED_IN_ROLES = {"learner_a": {"learner"}, "learner_b": {"learner"}, "librarian_x": {"librarian"},
                   "librarian_y": {"librarian"}, "manager": {"manager"}, "admin": {"admin"}}
DENIED = (403, 404)
STAFF = frozenset({"librarian_y", "manager", "admin"})
BANK_STAFF = frozenset({"librarian_y", "admin"})
MANAGERS = frozenset({"manager", "admin"})


@dataclass(frozen=True)
class Rule:
    """How a route treats A's objects.

    scope:
      open        not about an object of A's: anyone the route's declaration lets in may use it, and
                  only A may be shown A's data (A's own pages list A's bookings, searches...)
      own         an object that belongs to A: everyone else gets 403/404
      session     session X, which librarian X facilitates: librarian Y gets 403/404; managers and admins
                  may see it (they manage every session)
      staff       library-wide staff pages: what `entitled` may see by design, nothing of A's for others
      capability  a secret address (calendar feed): whoever holds it may use it, by design
    entitled: roles that may see A's data here (learner A always may on `open` and `own` routes).
    """

    scope: str
    entitled: frozenset = frozenset()
    query: str = ""
    why: str = ""


OPEN, OWN, SESSION = Rule("open"), Rule("own"), Rule("session", MANAGERS)

AUTHORING_PAGES = (
    "/authoring/", "/authoring/new", "/authoring/copy", "/authoring/upload", "/authoring/courses/<slug>",
    "/authoring/courses/<slug>/settings", "/authoring/courses/<slug>/modules",
    "/authoring/courses/<slug>/modules/<path:path>", "/authoring/courses/<slug>/modules/<path:path>/move",
    "/authoring/courses/<slug>/modules/<path:path>/retire", "/authoring/courses/<slug>/autosave/<path:path>",
    "/authoring/courses/<slug>/modules/<path:path>/quiz", "/authoring/courses/<slug>/modules/<path:path>/bank-quiz",
    "/authoring/courses/<slug>/preview", "/authoring/courses/<slug>/merge/<path:path>",
    "/authoring/courses/<slug>/images", "/authoring/courses/<slug>/publish", "/authoring/courses/<slug>/changes",
    "/authoring/courses/<slug>/discard", "/authoring/courses/<slug>/upstream/<path:path>")
AUTHORING_MISSING = (
    "/authoring/courses/<slug>/files/<path:path>", "/authoring/courses/<slug>/quizzes/<path:path>",
    "/authoring/courses/<slug>/versions/<int:number>", "/authoring/courses/<slug>/versions/<int:number>/rollback",
    "/authoring/courses/<slug>/download")

RULES: dict[str, Rule] = {
    # Site and accounts
    "/": Rule("open", why="each person's home shows their own things; staff sections show counts, no names"),
    "/accessibility": OPEN, "/healthz": OPEN, "/session/keepalive": OPEN,
    "/readyz": Rule("open", why="a load balancer's probe: says only whether each dependency answers"),
    "/metrics": Rule("open", why="the test client's address is 127.0.0.1, which LIT_METRICS_ALLOW admits by "
                                 "default; other addresses get 404 (tests/core/test_operations.py)"),
    "/account/login": OPEN, "/account/logout": OPEN, "/account/register": OPEN, "/account/register/<token>": OPEN, "/account/profile": OPEN,
    "/account/password": OPEN, "/account/password/forgot": OPEN,
    "/account/password/reset/<token>": Rule("open", why="A's reset link: shows nothing of A's; an empty form "
                                                        "changes nothing"),
    "/account/people": Rule("staff", STAFF, why="staff look learners up by name (by design)"),
    "/account/calendar": OPEN, "/account/calendar/feed": OPEN, "/account/calendar/feed/revoke": OPEN,
    "/account/api-tokens": OPEN, "/account/api-tokens/<int:token_id>/revoke": OWN,
    # Single sign-on (the world configures no provider, so start and callback answer 404 to everyone)
    "/account/sso/start/<provider>": OPEN, "/account/sso/callback/<provider>": OPEN, "/account/sso/sign-out": OPEN,
    "/account/sso/find": OPEN, "/account/sso/": OPEN, "/account/sso/link/<provider>": OPEN,
    "/account/sso/mine/<int:identity_id>/unlink": OWN,
    "/account/saml/metadata": OPEN, "/account/saml/start/<provider>": OPEN, "/account/saml/acs": OPEN,
    "/account/saml/finish/<token>": Rule("open", why="finishes only the sign-in the same browser started"),
    "/account/saml/logout": OPEN, "/account/saml/sls": OPEN,
    **{path: Rule("staff", frozenset({"admin"}), why="administrators manage everyone's linked sign-ins") for path in (
        "/account/sso/identities", "/account/sso/identities/<int:identity_id>/unlink")},
    # Administration
    **{path: Rule("staff", frozenset({"admin"})) for path in (
        "/admin/", "/admin/audit", "/admin/outbox", "/admin/outbox/<int:message_id>", "/admin/registration",
        "/admin/units", "/admin/users", "/admin/users/<int:user_id>", "/admin/users/<int:user_id>/status",
        "/admin/users/new", "/admin/users/import")},
    # Quizzes (learners)
    "/quizzes": OPEN, "/quizzes/<int:quiz_id>": OPEN, "/quizzes/<int:quiz_id>/attempts": OPEN,
    "/attempts/<int:attempt_id>/page/<int:page>": OWN, "/attempts/<int:attempt_id>/responses/<int:response_id>": OWN,
    "/attempts/<int:attempt_id>/review": OWN, "/attempts/<int:attempt_id>/submit": OWN,
    "/attempts/<int:attempt_id>/summary": OWN,
    # The bank: shared by every librarian (and admin), including marking any learner's answers
    **{path: Rule("staff", BANK_STAFF, why="the question bank and marking are library-wide (by design)") for path in (
        "/bank/", "/bank/attempts/<int:attempt_id>", "/bank/categories", "/bank/gift/export", "/bank/gift/import",
        "/bank/instruments/", "/bank/instruments/<int:instrument_id>", "/bank/instruments/new",
        "/bank/questions/<int:question_id>", "/bank/questions/<int:question_id>/duplicate",
        "/bank/questions/<int:question_id>/edit", "/bank/questions/<int:question_id>/move",
        "/bank/questions/<int:question_id>/retire", "/bank/questions/<int:question_id>/versions/<int:number>",
        "/bank/questions/new/<qtype>", "/bank/quizzes", "/bank/quizzes/<int:quiz_id>",
        "/bank/quizzes/<int:quiz_id>/extensions", "/bank/quizzes/<int:quiz_id>/regrade/<int:question_id>",
        "/bank/quizzes/<int:quiz_id>/settings", "/bank/quizzes/<int:quiz_id>/slots",
        "/bank/quizzes/<int:quiz_id>/slots/<int:slot_id>", "/bank/quizzes/new", "/bank/responses/<int:response_id>/mark")},
    # Courses
    "/courses": OPEN, "/courses/<slug>": OPEN, "/courses/<slug>/<module_slug>": OPEN,
    "/courses/<slug>/<module_slug>/complete": OPEN, "/courses/<slug>/certificate": OPEN,
    "/courses/<slug>/certificate.pdf": OPEN, "/courses/<slug>/files/<path:filename>": OPEN,
    "/courses/<slug>/glossary": OPEN,
    "/courses/<slug>/progress": Rule("staff", STAFF, why="course progress lists learners to staff (by design)"),
    "/courses/<slug>/results": OPEN, "/courses/<slug>/start": OPEN, "/courses/<slug>/tests/<phase>": OPEN,
    "/courses/<slug>/tests/<phase>/start": OPEN, "/courses/<slug>/tests/pre/skip": OPEN, "/learning": OPEN,
    # Pre/post assessment
    "/assessments/attempts/<int:entry_id>": OWN, "/assessments/attempts/<int:entry_id>/answers/<key>": OWN,
    "/assessments/attempts/<int:entry_id>/done": OWN, "/assessments/attempts/<int:entry_id>/hand-in": OWN,
    "/assessments/courses/<slug>/pairs.csv": Rule("staff", MANAGERS, why="librarians see pseudonyms, not names"),
    "/assessments/courses/<slug>/summary": Rule("staff", MANAGERS, why="librarians see pseudonyms, not names"),
    **{path: SESSION for path in (
        "/assessments/sessions/<int:session_id>", "/assessments/sessions/<int:session_id>/counts",
        "/assessments/sessions/<int:session_id>/instrument", "/assessments/sessions/<int:session_id>/pairs.csv",
        "/assessments/sessions/<int:session_id>/screen", "/assessments/sessions/<int:session_id>/tests/<phase>/close",
        "/assessments/sessions/<int:session_id>/tests/<phase>/open")},
    "/join": OPEN, "/join/<code>": Rule("open", why="session X's join code: anyone in the room may join"),
    "/join/<code>/me": OPEN,
    # Bookings (learners) and feeds
    "/sessions": OPEN, "/sessions/<int:session_id>": OPEN, "/sessions/<int:session_id>/book": OPEN,
    "/sessions/<int:session_id>/cancel": OPEN, "/sessions/<int:session_id>/check-in": OPEN,
    "/sessions/<int:session_id>/feedback": OPEN, "/bookings": OPEN, "/bookings/<int:booking_id>/calendar.ics": OWN,
    "/feeds/<token>.ics": Rule("capability", frozenset(ROLES),
                               why="the secret feed address is the credential (tested on its own below)"),
    "/feeds/sessions.ics": OPEN,
    # Session management (librarians facilitate their own; managers and admins manage all)
    "/manage/sessions/": Rule("staff"), "/manage/sessions/new": Rule("staff"),
    **{path: SESSION for path in (
        "/manage/sessions/<int:session_id>", "/manage/sessions/<int:session_id>/bookings",
        "/manage/sessions/<int:session_id>/bookings/<int:booking_id>/remove", "/manage/sessions/<int:session_id>/cancel",
        "/manage/sessions/<int:session_id>/check-in-code", "/manage/sessions/<int:session_id>/edit",
        "/manage/sessions/<int:session_id>/export.csv", "/manage/sessions/<int:session_id>/message",
        "/manage/sessions/<int:session_id>/register", "/manage/sessions/<int:session_id>/sign-in-sheet")},
    # Reports: a librarian sees the sessions they facilitate; managers see everything
    "/reports": Rule("session", MANAGERS, query="?session={session_id}"),
    "/reports/<kind>": Rule("session", MANAGERS, query="?session={session_id}"),
    "/reports/<kind>.<fmt>": Rule("session", MANAGERS, query="?session={session_id}"),
    "/reports/<kind>/charts/<section>-<int:number>.svg": Rule("session", MANAGERS, query="?session={session_id}"),
    "/reports/<kind>/<section>": Rule("session", MANAGERS, query="?session={session_id}"),
    "/reports/<kind>/methods": Rule("staff", STAFF, why="how each report's figures are worked out: the same "
                                                        "text for all staff, no data"),
    "/reports/comments": SESSION,
    # Saved searches and exercise answers
    "/searches": OPEN, "/searches/new": OPEN, "/searches/<int:search_id>": OWN,
    "/searches/<int:search_id>/appendix.txt": OWN, "/searches/<int:search_id>/delete": OWN,
    "/responses/<int:response_id>/save-search": OWN,
    "/responses/<int:response_id>/search-appendix.txt": Rule(
        "own", BANK_STAFF, why="librarians and admins mark exercises, so they may download any answer"),
    # The JSON API (a signed-in browser may call it with its cookie)
    "/api/v1/openapi.json": OPEN, "/api/v1/<path:anything>": OPEN, "/api/v1/me/bookings": OPEN,
    "/api/v1/sessions": OPEN, "/api/v1/sessions/<int:session_id>": OPEN,
    "/api/v1/sessions/<int:session_id>/bookings": OPEN,
    "/api/v1/reports/<kind>": Rule("session", MANAGERS, query="?session={session_id}"),
    # Authoring: the courses being written are shared by every author (and admin), like the bank; the world's
    # authored course is a new one, unpublished, with one module and no quiz or image
    **{path: Rule("staff", frozenset({"admin"}), why="authoring shows course files, never learners' data")
       for path in AUTHORING_PAGES},
    **{path: Rule("staff", why="course files only; the authored course has no such file or version yet")
       for path in AUTHORING_MISSING},
    # Privacy: people's own data, and the administrators' handling of requests and retention
    "/privacy": OPEN, "/account/your-data": OPEN, "/account/your-data.zip": OPEN,
    **{path: Rule("staff", frozenset({"admin"})) for path in (
        "/admin/privacy/requests", "/admin/privacy/requests/<int:request_id>",
        "/admin/privacy/requests/<int:request_id>/complete", "/admin/privacy/requests/<int:request_id>/erase",
        "/admin/privacy/requests/<int:request_id>/export", "/admin/privacy/requests/<int:request_id>/extend",
        "/admin/privacy/retention", "/admin/privacy/retention/<int:review_id>/approve",
        "/admin/privacy/retention/start")},
}

#: routes whose URL variables cannot be filled from the world, with the reason (none at present)
UNFILLABLE: dict[str, str] = {}

#: URL variables, by name, filled from A's objects (and session X); `OVERRIDES` where a name means
#: something else on one route
VARIABLES = {
    "attempt_id": "attempt", "response_id": "search_response", "entry_id": "entry", "key": "entry_response",
    "session_id": "session_x", "booking_id": "booking", "search_id": "search", "quiz_id": "quiz",
    "question_id": "question", "slot_id": "slot", "instrument_id": "instrument", "message_id": "message",
    "token_id": "api_token_id", "user_id": "user_a", "code": "join_code", "slug": "slug", "module_slug": "module",
    "request_id": "privacy_request", "review_id": "retention_review", "identity_id": "identity",
}
CONSTANTS = {"number": "1", "page": "1", "qtype": "essay", "phase": "pre", "filename": "images/venn.svg",
             "kind": "reaction", "fmt": "csv", "action": "hide", "anything": "no-such-endpoint",
             "provider": "uni", "path": "01-introduction.md"}
OVERRIDES = {
    **{path: {"slug": "authored"} for path in AUTHORING_PAGES + AUTHORING_MISSING},
    # Session X's reach report has a chart (its month); "=" gives a value instead of an object's id.
    "/reports/<kind>/charts/<section>-<int:number>.svg": {"kind": "=reach", "section": "=delivery"},
    "/reports/<kind>/<section>": {"kind": "=reach", "section": "=delivery"},
    "/bank/responses/<int:response_id>/mark": {"response_id": "essay_response"},
    "/feeds/<token>.ics": {"token": "feed_token"},
    "/account/password/reset/<token>": {"token": "reset_token"},
    "/account/register/<token>": {"token": "registration_token"},
    "/account/saml/finish/<token>": {"token": "reset_token"},
}
#: a form with the fields most routes read, so that a missing check would reach the code that writes
FORM = {"title": "Changed by someone", "name": "Changed", "comment": "changed", "reason": "changed", "points": "1",
        "usefulness": "4", "confidence": "4", "would_recommend": "yes", "subject": "s", "body": "b", "hand_in": "1",
        "flag": "1", "action": "remove", "syntax": "pubmed", "search": "x[tiab]", "email": "bob.b@example.org",
        "mode": "closed", "roles": "learner", "code": "XXXXXX", "extra_minutes": "5", "question_key": "x",
        "instrument": "1", "category": "0", "kind": "fixed", "count": "1"}


def form_for(world) -> dict:
    """FORM, with A's survey comment as the one a comment moderation form lists and ticks."""
    comment = str(world.ids["survey_response"])
    return FORM | {"listed": comment, "hidden": comment}


VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def fill(world, rule: str) -> str | None:
    def value(match):
        name = match.group(1)
        key = OVERRIDES.get(rule, {}).get(name) or VARIABLES.get(name)
        if key and key.startswith("="):
            return key[1:]
        found = world.ids.get(key) if key else CONSTANTS.get(name)
        if found is None:
            raise KeyError(name)
        return quote(str(found), safe="/")

    try:
        path = VARIABLE.sub(value, rule)
    except KeyError:
        return None
    return path + RULES[rule].query.format(session_id=world.ids["session_x"]) if rule in RULES else path


def routes(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"), key=lambda r: r.rule)


def access_of(app, rule):
    return app.view_functions[rule.endpoint].access


def body_text(response) -> str:
    """The response as text; a zip download (the personal data export) as the text of every file in it."""
    data = response.get_data()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return data.decode("utf-8", "replace")


def leaked(world, response) -> list[str]:
    text = body_text(response) + response.headers.get("Location", "")
    return [marker for marker in world.markers if marker in text]


def judge(world, rule, method, role, response) -> list[str]:
    """What is wrong with `response` (empty when it is what a user would want)."""
    spec, access, status = RULES[rule.rule], access_of(world.app, rule), response.status_code
    problems = []
    if status >= 500:
        return [f"server error {status}"]
    entitled = entitled_to(spec, role)
    if role == "anonymous":
        if access == "api-token":
            if status != 401:
                problems.append(f"anonymous API call answered {status}, not 401")
        elif access != "public" and not (access == "public-when-allowed" and world.visitors_may_browse):
            if status != 302 or "/account/login" not in response.headers.get("Location", ""):
                problems.append(f"anonymous visitor not sent to sign in ({status})")
        elif spec.scope in ("own", "session") and status not in DENIED:
            problems.append(f"someone else's object answered {status} to an anonymous visitor")
    elif isinstance(access, tuple) and not SIGNED_IN_ROLES[role] & set(access):
        if status != 403:
            problems.append(f"{'/'.join(access)}-only route answered {status}, not 403")
    elif entitled:
        if role in ("learner_a", "librarian_x") and spec.scope in ("own", "session") and status in DENIED:
            problems.append(f"the owner's own request was refused ({status}): the URL is not a real test")
        if spec.scope == "staff" and method == "GET" and status == 404:
            problems.append("the object was not found by someone entitled to it: the URL is not a real test")
    elif spec.scope in ("own", "session") and status not in DENIED:
        problems.append(f"someone else's object answered {status}, not 403/404")
    if not entitled:
        found = leaked(world, response)
        if found:
            problems.append(f"shows A's data: {found}")
    return problems


def test_every_route_is_in_the_table(app):
    """A new route fails here until someone decides how it treats other people's objects."""
    paths = {rule.rule for rule in routes(app)}
    missing = sorted(paths - set(RULES) - set(UNFILLABLE))
    assert not missing, f"routes missing from tests/security/test_access_matrix.py RULES: {missing}"
    assert not sorted(set(RULES) - paths), "RULES lists routes that no longer exist"


def entitled_to(spec: Rule, role: str) -> bool:
    return (role in spec.entitled or (role == "learner_a" and spec.scope in ("open", "own"))
            or (role == "librarian_x" and spec.scope == "session"))


def check_routes(world, only=None) -> tuple[list[str], int, int]:
    """Send every route (or those in `only`) as every role; returns (failures, checks, facilitator controls)."""
    app = world.app
    a_id = world.users["learner_a"].id
    with rolled_back(app) as connection:
        everything, a_rows = fingerprint(connection), fingerprint(connection, a_id)
    failures, checked, controls, unfilled = [], 0, 0, []
    for rule in routes(app):
        if only is not None and rule.rule not in only:
            continue
        url = fill(world, rule.rule)
        if url is None:
            unfilled.append(rule.rule)
            continue
        spec = RULES[rule.rule]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in ROLES + (("librarian_x",) if spec.scope == "session" else ()):
                with rolled_back(app) as connection:
                    response = world.send(role, method, url, form_for(world) if method != "GET" else None)
                    problems = judge(world, rule, method, role, response)
                    if method != "GET" and not entitled_to(spec, role) and response.status_code < 500:
                        refused = response.status_code in (401, 403, 404) or (
                            role == "anonymous" and "/account/login" in response.headers.get("Location", ""))
                        if refused:
                            changed = changed_tables(everything, fingerprint(connection))
                        else:
                            changed = changed_tables(a_rows, fingerprint(connection, a_id))
                        if changed:
                            problems.append(f"{'refused' if refused else 'allowed'} request changed {changed}")
                if role == "librarian_x":
                    controls += 1
                else:
                    checked += 1
                failures += [f"{method} {url} as {role}: {problem}" for problem in problems]
    assert sorted(unfilled) == sorted(UNFILLABLE if only is None else []), \
        f"routes whose URL could not be filled: {unfilled}"
    return failures, checked, controls


def test_access_matrix(world, capsys):
    failures, checked, controls = check_routes(world)
    with capsys.disabled():
        print(f"\naccess matrix: {checked} (route, method) x role requests checked on {len(RULES)} routes "
              f"(+{controls} as librarian X, the facilitator control)")
    assert not failures, f"{len(failures)} of {checked} checks failed:\n" + "\n".join(failures)
    assert checked >= len(ROLES) * len(RULES), f"only {checked} (route, method) x role requests were checked"


def test_visitors_are_sent_to_sign_in_when_the_catalogue_is_closed_to_them(world):
    """With browsing turned off (Administration > Registration), the catalogue and course pages are like any
    other page that needs an account; with it on (the default, which test_access_matrix covers) visitors see
    them, and nothing of A's."""
    from lit_platform.accounts import services as accounts
    from lit_platform.accounts.models import User
    from lit_platform.extensions import db

    browsable = {rule.rule for rule in routes(world.app) if access_of(world.app, rule) == "public-when-allowed"}
    assert browsable == {"/courses", "/courses/<slug>", "/courses/<slug>/glossary"}
    with world.app.app_context():
        accounts.set_visitors_may_browse(False, db.session.get(User, world.users["admin"].id))
        db.session.commit()
    world.visitors_may_browse = False
    failures, checked, _ = check_routes(world, only=browsable)
    assert not failures, "\n".join(failures)
    assert checked == len(browsable) * len(ROLES)


def test_the_matrix_notices_a_missing_ownership_check(world, monkeypatch):
    """The control: with the saved-search ownership check removed, the matrix reports the leak and the change."""
    from lit_platform.exercises import views
    from lit_platform.exercises.models import SavedSearch
    from lit_platform.extensions import db

    monkeypatch.setattr(views, "_own_search", lambda search_id: db.session.get(SavedSearch, search_id))
    failures, _, _ = check_routes(world, only={"/searches/<int:search_id>", "/searches/<int:search_id>/delete"})
    text = "\n".join(failures)
    assert "GET /searches/1 as learner_b: someone else's object answered 200" in text.replace(
        str(world.ids["search"]), "1")
    assert "shows A's data" in text and "changed ['saved_searches']" in text
