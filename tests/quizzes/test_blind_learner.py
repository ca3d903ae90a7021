"""A learner who never reads the questions scores at chance: attempt pages say nothing about the key.

Questions are generated the way authors write them, with the keyed choice (or the expert actions, the
right finding and verdict, the correct order) first in the file. A blind learner answers from the
HTML alone, by one of three rules: the smallest value, the first input, or the value equal to the
field's position (the `1` everywhere that used to score full marks, and "each item in the position
its field names"). Their marks, summed over many seeded attempts, must stay within chance.
"""
from __future__ import annotations

import random
import re
import string
from collections import defaultdict

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from lit_platform.extensions import db
from lit_platform.quizzes.models import Attempt
from lit_platform.quizzes.services import QuestionData

from ..answers import answer_fields, page_fields
from ..conftest import csrf_token_from
from .test_views import start

#: a value on an attempt page: 12 URL-safe base64 characters (quizzes/tokens.py)
TOKEN = re.compile(r"[A-Za-z0-9_-]{12}")
RULES = ("smallest", "first", "position")
WORDS = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8)
MOVES = ("stop", "investigate", "find", "trace")


# Questions, keyed first ------------------------------------------------------------------------

@st.composite
def single_choice(draw):
    n = draw(st.integers(2, 5))
    return QuestionData("single_choice", "Pick one.", {"choices": [
        {"id": str(i), "text": f"choice {i}", "weight": 1.0 if i == 1 else 0.0, "feedback": ""} for i in range(1, n + 1)]})


@st.composite
def multiple_response(draw):
    n = draw(st.integers(3, 6))
    k = draw(st.integers(1, min(3, n - 1)))
    return QuestionData("multiple_response", "Pick all that apply.", {"choices": [
        {"id": str(i), "text": f"option {i}", "weight": (1 / k if i <= k else -1 / k), "feedback": ""}
        for i in range(1, n + 1)]})


@st.composite
def true_false(draw):
    return QuestionData("true_false", "True or false?", {"answer": draw(st.booleans())})


@st.composite
def matching(draw):
    n = draw(st.integers(2, 4))
    words = draw(st.lists(WORDS, min_size=n + 2, max_size=n + 2, unique=True))
    extra = draw(st.integers(0, 2))
    return QuestionData("matching", "Match them.", {
        "pairs": [{"id": str(i), "prompt": f"prompt {i}", "answer": words[i - 1]} for i in range(1, n + 1)],
        "distractors": words[n:n + extra]})


@st.composite
def ordering(draw):
    n = draw(st.integers(2, 5))
    return QuestionData("ordering", "Put them in order.", {"items": [{"id": str(i), "text": f"step {i}"}
                                                                     for i in range(1, n + 1)]})


@st.composite
def lateral_reading(draw):
    moves = []
    for key in draw(st.lists(st.sampled_from(MOVES), min_size=1, max_size=2, unique=True)):
        actions = draw(st.integers(2, 4))
        expert = draw(st.integers(1, actions - 1))
        move = {"move": key, "actions": [{"text": f"{key} action {i}", "expert": i <= expert}
                                         for i in range(1, actions + 1)]}
        findings = draw(st.sampled_from((0, 2, 3)))
        if findings:
            move["findings"] = [{"text": f"{key} finding {i}", "correct": i == 1} for i in range(1, findings + 1)]
        moves.append(move)
    verdicts = draw(st.integers(2, 4))
    return QuestionData("lateral_reading", "Investigate the claim.", {
        "claim": "Rainwater cures hay fever.", "source": {"kind": "post", "text": "Drink it daily!"},
        "moves": moves, "verdict": [{"text": f"verdict {i}", "correct": i == 1} for i in range(1, verdicts + 1)],
        "expert_route": "Open the encyclopaedia entry."})


@st.composite
def appraisal_checklist(draw):
    experts = draw(st.lists(st.sampled_from(("yes", "no", "cant_tell")), min_size=2, max_size=4))
    return QuestionData("appraisal_checklist", "Appraise the trial.", {
        "study": {"title": "A trial", "text": "Forty adults were randomised."}, "require_reasons": False,
        "items": [{"key": f"item{n}", "question": f"Question {n}?", "expert": expert, "explanation": "Because."}
                  for n, expert in enumerate(experts, 1)]})


QUIZZES = st.tuples(single_choice(), multiple_response(), true_false(), matching(), ordering(), lateral_reading(),
                    appraisal_checklist())


# What a blind guess earns ----------------------------------------------------------------------

def chance(data: QuestionData) -> float:
    """The expected mark of a learner who picks one option of every group (one checkbox of a set, one
    answer for every matching prompt, an order) without knowing anything."""
    spec = data.spec
    if data.type in ("single_choice", "multiple_response"):
        return sum(max(0.0, min(1.0, c["weight"])) for c in spec["choices"]) / len(spec["choices"])
    if data.type == "true_false":
        return 0.5
    if data.type == "matching":
        return 1 / len({p["answer"] for p in spec["pairs"]} | set(spec["distractors"]))
    if data.type == "ordering":
        return 1 / len(spec["items"])
    if data.type == "appraisal_checklist":
        return 1 / 3
    earned, weights = [], []
    for move in spec["moves"]:
        actions = 1 / len(move["actions"])
        earned.append((actions + 1 / len(move["findings"])) / 2 if move.get("findings") else actions)
        weights.append(1)
    earned.append(1 / len(spec["verdict"]))
    weights.append(2)
    return sum(w * e for w, e in zip(weights, earned)) / sum(weights)


# The blind learner -----------------------------------------------------------------------------

def blind_answers(html: str, response_id: str, rule: str, rng: random.Random) -> list[tuple[str, str]]:
    """What a learner who reads only the HTML sends for one question, by `rule`."""
    groups: dict[str, list] = defaultdict(list)
    for found in answer_fields(html, response_id):
        if found.type in ("radio", "checkbox", "select") and not found.name.endswith(".confidence"):
            groups[found.name].append(found)
    data = []
    selects = [fields[0] for fields in groups.values() if fields[0].tag == "select"]
    positions = [str(n) for n in range(1, len(selects) + 1)]
    if selects and all([v for v, _ in s.options if v] == positions for s in selects):
        # Give each item a position: in the order of the field names, in the order shown, or each
        # item the position its field name carries.
        if rule == "smallest":
            ranked = sorted(selects, key=lambda s: s.name)
        elif rule == "first":
            ranked = selects
        else:
            named = {s.name.rsplit(".", 1)[1]: s for s in selects}
            if sorted(named) == positions:
                ranked = [named[p] for p in positions]
            else:
                ranked = rng.sample(selects, len(selects))
        return [(s.name, str(n)) for n, s in enumerate(ranked, 1)]
    for position, (name, fields) in enumerate(groups.items(), 1):
        values = [v for v, _ in fields[0].options if v] if fields[0].tag == "select" else [f.value for f in fields]
        if rule == "smallest":
            value = min(values)
        elif rule == "first":
            value = values[0]
        else:
            wanted = str(position) if fields[0].tag == "select" else "1"
            value = wanted if wanted in values else rng.choice(values)
        data.append((name, value))
    return data


def take_blind(app, client, quiz_id: int, rule: str, rng: random.Random) -> tuple[int, str, dict]:
    """One attempt answered blind and handed in: (attempt id, page HTML, {type: fraction earned})."""
    attempt_id = start(client, quiz_id)
    html = client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)
    data = [("csrf_token", csrf_token_from(html)), ("go", "summary")]
    for response_id in dict.fromkeys(f.section for f in page_fields(html) if f.section):
        data += blind_answers(html, response_id, rule, rng)
    saved = client.post(f"/attempts/{attempt_id}/page/1", data=MultiDict(data))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    assert client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": data[0][1]}).status_code == 302
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "submitted"
        return attempt_id, html, {r.version.type: r.fraction or 0.0 for r in attempt.responses}


def opaque_values(html: str) -> list[str]:
    """The values and field-name parts a page sends for options (not positions, not free text)."""
    found = []
    for field in page_fields(html):
        if (not field.name.startswith(f"r{field.section}") or field.name.endswith(".confidence")
                or field.type in ("text", "textarea", "hidden")):
            continue
        if field.tag == "select":
            if "." in field.name:
                found.append(field.name.rsplit(".", 1)[1])
            options = [v for v, _ in field.options if v]
            if options != [str(n) for n in range(1, len(options) + 1)]:
                found += options
        elif field.type in ("radio", "checkbox"):
            found.append(field.value)
    return found


def blind_marks(app, make, sign_in, examples: int) -> dict:
    """{(type, rule): [(mark, chance)]} over `examples` generated quizzes, each taken blind many times,
    shuffled (every rule) and not (the first input there is the author's first choice: the author's
    order, not a leak, so that rule is measured on shuffled quizzes only)."""
    clients = {rule: sign_in("learner")[0] for rule in RULES}
    marks = defaultdict(list)

    @settings(max_examples=examples, derandomize=True, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(questions=QUIZZES, seed=st.integers(0, 2**32 - 1))
    def blind_attempts(questions, seed):
        rng = random.Random(seed)
        expected = {q.type: chance(q) for q in questions}
        seen = set()
        for shuffle, rules, repeats in ((True, RULES, 4), (False, ("smallest", "position"), 2)):
            quiz = make.quiz(questions=list(questions), shuffle_choices=shuffle, questions_per_page=20)
            for rule in rules:
                for _ in range(repeats):
                    _, html, earned = take_blind(app, clients[rule], quiz.id, rule, rng)
                    values = opaque_values(html)
                    assert values and all(TOKEN.fullmatch(v) for v in values), values
                    assert not seen & set(values), "two attempts share option values"
                    seen |= set(values)
                    for kind, fraction in earned.items():
                        marks[kind, rule].append((fraction, expected[kind]))

    blind_attempts()
    return marks


def beyond_chance(marks: dict) -> dict:
    """{(type, rule): (marks, chance)} where the marks are more than luck allows above chance: every mark
    lies in [0, 1], so its variance is at most c(1 - c); 4.5 standard deviations above chance happens by
    luck about once in 300,000 checks, while a leak puts the keyed answer in every attempt."""
    found = {}
    for key, pairs in sorted(marks.items()):
        total, mean = sum(f for f, _ in pairs), sum(c for _, c in pairs)
        if total > mean + 4.5 * sum(c * (1 - c) for _, c in pairs) ** 0.5:
            found[key] = (round(total, 1), round(mean, 1))
    return found


def test_a_blind_learner_scores_at_chance(app, make, sign_in):
    marks = blind_marks(app, make, sign_in, examples=6)
    assert {kind for kind, _ in marks} == {"single_choice", "multiple_response", "true_false", "matching", "ordering",
                                           "lateral_reading", "appraisal_checklist"}
    assert min(len(pairs) for pairs in marks.values()) >= 24
    assert beyond_chance(marks) == {}


def test_the_blind_learner_would_find_a_leak(app, make, sign_in, monkeypatch):
    """The control: pages that sent the stored ids, in file order, as they used to."""
    from lit_platform.quizzes.tokens import AnswerTokens

    monkeypatch.setattr(AnswerTokens, "__call__", lambda self, kind, stored: str(stored))
    monkeypatch.setattr(AnswerTokens, "order", lambda self, kind, stored_ids: list(stored_ids))
    monkeypatch.setitem(globals(), "TOKEN", re.compile(".+"))
    monkeypatch.setitem(globals(), "opaque_values", lambda html: [str(random.random())])
    leaks = beyond_chance(blind_marks(app, make, sign_in, examples=3))
    assert {("single_choice", "position"), ("ordering", "smallest"), ("ordering", "position"),
            ("lateral_reading", "smallest")} <= set(leaks), leaks
