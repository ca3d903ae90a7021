"""The simulated users of the whole-service load test (run by benchmarks/loadtest/run.py, see the README).

Learners sign in, read modules, answer quizzes (each answer saved as the page's script saves it, then
the attempt submitted), book and cancel places; librarians mark their session's register; a manager
opens the learning report once a minute; a probe requests the baseline route at a steady rate.

Every write the server confirmed is recorded (the last answer saved per question per attempt, each
booking and cancellation, each register) and written to LOADTEST_RECORD when the run ends, so that
run.py can check the database and the mail for it. Reads LOADTEST_PLAN (the accounts and sessions
data.py made); with LOADTEST_STEPS set, the load grows in steps until the baseline's p99 passes
LOADTEST_TARGET_MS (the calibration), and each step's figures go to LOADTEST_CALIBRATION.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, LoadTestShape, between, constant_pacing, constant_throughput, events, task

PLAN = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text())
USER_AGENT = "lit-loadtest"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
BASELINE = "GET /_bench/baseline"

#: what the server confirmed, written out at the end: "attempt/response" -> the fields last saved
saved_answers: dict[str, dict] = {}
#: saves sent whose outcome the client has not learned (yet): the database may hold either value
unconfirmed_answers: dict[str, list] = {}
submitted_attempts: list[int] = []
#: every booking and cancellation the server confirmed, in order
booking_events: list[dict] = []
#: "session/booking" -> the mark last saved
register_marks: dict[str, str] = {}

_learner_accounts = itertools.cycle(PLAN["learners"])
_librarian_accounts = itertools.cycle(PLAN["librarians"])


class Fields(HTMLParser):
    """The form fields of a page, each with the question (data-response-id) it belongs to."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[dict] = []
        self.section = ""
        self.select: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "section" and "data-response-id" in attrs:
            self.section = attrs["data-response-id"]
        elif tag in ("input", "textarea", "select") and attrs.get("name") and "disabled" not in attrs:
            field = {"tag": tag, "type": attrs.get("type", tag), "name": attrs["name"], "value": attrs.get("value", ""),
                     "checked": "checked" in attrs, "section": self.section, "options": [],
                     "inputmode": attrs.get("inputmode", "")}
            self.fields.append(field)
            self.select = field if tag == "select" else None
        elif tag == "option" and self.select is not None and attrs.get("value"):
            self.select["options"].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def page_fields(html: str) -> list[dict]:
    parser = Fields()
    parser.feed(html)
    return parser.fields


WORDS = ["nurse", "burnout", "older adults", "falls", "exercise", "systematic review", "hand hygiene", "bias",
         "randomised", "cohort", "MeSH", "truncation", "source", "evidence", "claim", "context"]


def answer(fields: list[dict]) -> list[tuple[str, str]]:
    """An answer to one question, as a learner gives it: one radio of each group, some boxes, an option of each
    list, a few words or a number in each text field; sent the way the page's script sends them."""
    chosen: list[tuple[str, str]] = []
    lists = [f for f in fields if f["tag"] == "select"]
    # Lists that share one set of positions (an ordering question) take each position once.
    positions = {}
    if len(lists) > 1 and all(f["options"] == lists[0]["options"] for f in lists) \
            and len(lists[0]["options"]) == len(lists):
        positions = dict(zip((id(f) for f in lists), random.sample(lists[0]["options"], k=len(lists))))
    groups: dict[str, list[dict]] = {}
    for field in fields:
        if field["name"] == "flag":
            continue
        groups.setdefault(field["name"], []).append(field)
    for name, group in groups.items():
        kind = group[0]["type"]
        if kind == "radio":
            chosen.append((name, random.choice(group)["value"]))
        elif kind == "checkbox":
            for field in random.sample(group, k=random.randint(1, min(2, len(group)))):
                chosen.append((name, field["value"]))
        elif kind == "hidden":
            chosen += [(name, field["value"]) for field in group]
        else:
            for field in group:
                if field["tag"] == "select":
                    chosen.append((name, positions.get(id(field)) or
                                   (random.choice(field["options"]) if field["options"] else "")))
                elif kind == "number" or field["inputmode"] in ("decimal", "numeric"):
                    chosen.append((name, str(random.choice([2, 4, 12, 25, 0.5, 33]))))
                else:
                    chosen.append((name, " ".join(random.sample(WORDS, k=random.randint(1, 4)))))
    return chosen


def csrf(html: str) -> str:
    match = CSRF_META.search(html)
    return unescape(match.group(1)) if match else ""


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Visitor(FastHttpUser):
    abstract = True
    default_headers = {"User-Agent": USER_AGENT}
    email = ""
    token = ""

    def page(self, path: str, name: str) -> str:
        """GET a page as a browser does (200 expected); keeps its CSRF token."""
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")
                return ""
            html = response.text or ""
            self.token = csrf(html) or self.token
            return html

    def post(self, path: str, name: str, data: list | dict | None = None, expect: int = 302):
        """POST a form (with the CSRF token) without following the redirect; returns the response or None."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        body = urlencode(pairs + [("csrf_token", self.token)])
        with self.client.post(path, name=name, data=body, headers=FORM, catch_response=True,
                              allow_redirects=False) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code} for {path}")
                return None
            return response

    def sign_in(self) -> bool:
        self.page("/account/login", "GET /account/login")
        response = self.post("/account/login", "POST /account/login",
                             {"email": self.email, "password": PLAN["password"]})
        if response is None:
            return False
        self.page(path_of(response.headers.get("Location", "/")), "GET /")
        return True

    def sign_out(self) -> None:
        response = self.post("/account/logout", "POST /account/logout")
        if response is not None:
            self.page("/account/login", "GET /account/login")


class Learner(Visitor):
    weight = 24
    wait_time = between(2, 8)

    def on_start(self):
        self.email = next(_learner_accounts)
        self.bookings: dict[int, str] = {}
        self.sign_in()

    @task(8)
    def read_module(self):
        slug = random.choice(list(PLAN["courses"]))
        modules = PLAN["courses"][slug]["modules"]
        if random.random() < 0.3:
            self.page(f"/courses/{slug}", "GET /courses/[slug]")
        module = random.choice(modules)
        self.page(f"/courses/{slug}/{module}", "GET /courses/[slug]/[module]")
        if random.random() < 0.2:
            response = self.post(f"/courses/{slug}/{module}/complete", "POST /courses/[slug]/[module]/complete")
            if response is not None:
                self.page(path_of(response.headers["Location"]), "GET /courses/[slug]/[module]")

    @task(2)
    def browse(self):
        path = random.choice(["/", "/courses", "/learning"])
        self.page(path, f"GET {path}")

    @task(4)
    def take_quiz(self):
        slug = random.choice(list(PLAN["courses"]))
        quiz_id = random.choice(PLAN["courses"][slug]["quizzes"])
        self.page(f"/quizzes/{quiz_id}", "GET /quizzes/[id]")
        response = self.post(f"/quizzes/{quiz_id}/attempts", "POST /quizzes/[id]/attempts")
        if response is None:
            return
        match = re.search(r"/attempts/(\d+)/page/1", response.headers.get("Location", ""))
        if not match:
            return
        attempt_id = int(match.group(1))
        page, pages = 1, 1
        while page <= pages:
            html = self.page(f"/attempts/{attempt_id}/page/{page}", "GET /attempts/[id]/page/[n]")
            if not html:
                return
            found = re.search(r"Page \d+ of (\d+)\.", html)
            pages = int(found.group(1)) if found else 1
            fields = page_fields(html)
            for section in dict.fromkeys(f["section"] for f in fields if f["section"]):
                own = [f for f in fields if f["section"] == section]
                if not [f for f in own if f["name"] != "flag"]:
                    continue
                self.wait()  # reading the question
                self.autosave(attempt_id, int(section), answer(own))
                if random.random() < 0.2:  # changes their mind
                    self.autosave(attempt_id, int(section), answer(own))
            page += 1
        if random.random() < 0.25:
            return  # comes back to it another time
        self.page(f"/attempts/{attempt_id}/summary", "GET /attempts/[id]/summary")
        response = self.post(f"/attempts/{attempt_id}/submit", "POST /attempts/[id]/submit")
        if response is not None:
            submitted_attempts.append(attempt_id)
            self.page(path_of(response.headers["Location"]), "GET /attempts/[id]/review")

    def autosave(self, attempt_id: int, response_id: int, pairs: list[tuple[str, str]]) -> None:
        key = f"{attempt_id}/{response_id}"
        unconfirmed_answers[key] = pairs
        with self.client.post(f"/attempts/{attempt_id}/responses/{response_id}", name="POST /attempts/[id]/responses/[id] (autosave)",
                              data=urlencode(pairs), headers={**FORM, "X-CSRFToken": self.token},
                              catch_response=True, allow_redirects=False) as response:
            try:
                ok = response.status_code == 200 and response.json().get("saved") is True
            except ValueError:
                ok = False
            if not ok:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
                return
        saved_answers[key] = {"attempt": attempt_id, "response": response_id, "fields": pairs}
        del unconfirmed_answers[key]

    @task(2)
    def book_or_cancel(self):
        self.page("/sessions", "GET /sessions")
        session_id = random.choice(PLAN["workshops"])
        html = self.page(f"/sessions/{session_id}", "GET /sessions/[id]")
        if not html:
            return
        if session_id in self.bookings:
            response = self.post(f"/sessions/{session_id}/cancel", "POST /sessions/[id]/cancel")
            if response is None:
                return
            html = self.page(f"/sessions/{session_id}", "GET /sessions/[id]")
            if "Your booking has been cancelled." in html:
                del self.bookings[session_id]
                booking_events.append({"email": self.email, "session_id": session_id, "action": "cancelled"})
            return
        response = self.post(f"/sessions/{session_id}/book", "POST /sessions/[id]/book")
        if response is None:
            return
        html = self.page(f"/sessions/{session_id}", "GET /sessions/[id]")
        status = ("confirmed" if "Your place is booked." in html else
                  "waitlisted" if "you are on the waiting list" in html else None)
        if status:
            self.bookings[session_id] = status
            booking_events.append({"email": self.email, "session_id": session_id, "action": status})
        if random.random() < 0.5:
            self.page("/bookings", "GET /bookings")

    @task(1)
    def new_visit(self):
        """The end of a visit: sign out, and come back later signed in afresh."""
        self.sign_out()
        self.wait()
        self.sign_in()


class Librarian(Visitor):
    weight = 1
    wait_time = between(10, 30)

    def on_start(self):
        account = next(_librarian_accounts)
        self.email, self.session_id = account["email"], account["session_id"]
        self.sign_in()

    @task
    def mark_register(self):
        path = f"/manage/sessions/{self.session_id}/register"
        html = self.page(path, "GET /manage/sessions/[id]/register")
        names = sorted({f["name"] for f in page_fields(html) if f["type"] == "radio"})
        if not names:
            return
        marks = {name: random.choice(["attended", "attended", "attended", "late", "absent"]) for name in names}
        response = self.post(path, "POST /manage/sessions/[id]/register", marks)
        if response is None:
            return
        html = self.page(path, "GET /manage/sessions/[id]/register")
        if "Register saved" in html:
            for name, mark in marks.items():
                register_marks[f"{self.session_id}/{name[1:]}"] = mark


class Manager(Visitor):
    fixed_count = 1
    wait_time = constant_pacing(60)

    def on_start(self):
        self.email = PLAN["manager"]
        self.sign_in()

    @task
    def learning_report(self):
        self.page("/reports/learning", "GET /reports/learning")


class BaselineProbe(FastHttpUser):
    """The baseline route, at a steady rate whatever the load, measured beside the pages in the same run."""
    fixed_count = 1
    wait_time = constant_throughput(float(os.environ.get("LOADTEST_PROBE_RATE", "10")))

    @task
    def baseline(self):
        self.client.get("/_bench/baseline", name=BASELINE, headers={"User-Agent": USER_AGENT})


# Calibration: the load grows in steps until the baseline's p99 passes the target ------------------

STEPS = os.environ.get("LOADTEST_STEPS")
TARGET_MS = float(os.environ.get("LOADTEST_TARGET_MS", "50"))
_baseline_times: list[tuple[float, float]] = []


@events.request.add_listener
def _keep_baseline_times(request_type, name, response_time, exception, **kwargs):
    if STEPS and name == BASELINE and exception is None:
        _baseline_times.append((time.monotonic(), response_time))


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


if STEPS:
    class Steps(LoadTestShape):
        """users = first, first x factor, ... for step_seconds each (the first settle_seconds of each not
        measured), until the baseline's p99 over a step passes the target or the steps run out."""
        first, factor, count, step_seconds, settle_seconds = (float(v) for v in STEPS.split(","))
        results: list[dict] = []
        started_step: float | None = None
        step = 0

        def users(self, step: int) -> int:
            return int(round(self.first * self.factor ** step))

        def tick(self):
            now = time.monotonic()
            if self.started_step is None:
                self.started_step = now
            if now - self.started_step >= self.step_seconds:
                since = self.started_step + self.settle_seconds
                times = [ms for at, ms in _baseline_times if at >= since]
                self.results.append({"users": self.users(self.step), "baseline_p99_ms": p99(times),
                                     "baseline_requests": len(times)})
                Path(os.environ["LOADTEST_CALIBRATION"]).write_text(json.dumps(self.results, indent=1))
                if p99(times) > TARGET_MS or self.step + 1 >= self.count:
                    return None
                self.step += 1
                self.started_step = now
            users = self.users(self.step) + 2  # the manager and the probe come on top
            return users, max(5, users / 10)


@events.quitting.add_listener
def _write_record(environment, **kwargs):
    path = os.environ.get("LOADTEST_RECORD")
    if path:
        Path(path).write_text(json.dumps({"answers": saved_answers, "unconfirmed": unconfirmed_answers,
                                          "submitted": submitted_attempts,
                                          "bookings": booking_events, "register": register_marks}))
