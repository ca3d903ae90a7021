"""Lateral-reading investigations: the SIFT moves a learner made, and their verdict, against an expert's route.

A move is scored by the expert actions chosen, less the weak (vertical-reading) actions chosen,
divided by the number of expert actions, never below 0; when the move asks what was found, that
counts for half. The verdict is right or wrong. Criteria are weighted (moves 1 each, verdict 2).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core import textlimits

MOVES = {
    "stop": ("Stop", "Before you react or share: what do you notice, and what do you already know?"),
    "investigate": ("Investigate the source", "Who is behind this, and what do others say about them?"),
    "find": ("Find better coverage", "What do trusted sources say about the claim itself?"),
    "trace": ("Trace to the original", "Where did the claim, quote, image or figure first appear, and does it say the same?"),
}
CONFIDENCE = {1: "1, not at all confident", 2: "2", 3: "3", 4: "4", 5: "5, very confident"}
DEFAULT_VERDICT_WEIGHT = 2


def validate(spec: dict) -> list[str]:
    problems = []
    if not str(spec.get("claim", "")).strip():
        problems.append("needs the claim, in one sentence")
    source = spec.get("source") or {}
    if not str(source.get("text", "")).strip() and not source.get("image"):
        problems.append("source: give the text the learner sees, an image, or both")
    if source.get("image") and not str(source.get("alt", "")).strip():
        problems.append("source: an image needs alt text that says what it shows")
    moves = spec.get("moves")
    if not isinstance(moves, list) or not moves:
        return problems + ["needs at least one SIFT move"]
    names = [m.get("move") for m in moves]
    for name in names:
        if name not in MOVES:
            problems.append(f"unknown move '{name}' (use {', '.join(MOVES)})")
    if len(set(names)) != len(names):
        problems.append("each move may appear once")
    for move in moves:
        label = f"move '{move.get('move')}'"
        actions = move.get("actions") or []
        if len(actions) < 2 or not any(a.get("expert") for a in actions):
            problems.append(f"{label}: needs at least two actions, one or more of them expert: true")
        problems += [f"{label}: action {n} has no text" for n, a in enumerate(actions, 1) if not str(a.get("text", "")).strip()]
        findings = move.get("findings") or []
        if findings and sum(1 for f in findings if f.get("correct")) != 1:
            problems.append(f"{label}: findings need exactly one marked correct: true")
        if not _is_weight(move.get("weight", 1)):
            problems.append(f"{label}: weight must be a number greater than 0")
    verdict = spec.get("verdict") or []
    if len(verdict) < 2 or sum(1 for v in verdict if v.get("correct")) != 1:
        problems.append("verdict: give at least two options, exactly one correct: true")
    if not _is_weight(spec.get("verdict_weight", DEFAULT_VERDICT_WEIGHT)):
        problems.append("verdict_weight must be a number greater than 0")
    if not str(spec.get("expert_route", "")).strip():
        problems.append("needs the expert_route, shown after hand-in")
    return problems


def _is_weight(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def option_lists(spec: dict) -> list[tuple[str, list[dict]]]:
    """The choices the learner is offered, marked with what the expert picks, for the item-writing checks."""
    def entries(options, keyed_field):
        return [{"text": str(o.get("text", "")), "keyed": bool(o.get(keyed_field)), "feedback": o.get("feedback") or ""}
                for o in options or [] if isinstance(o, dict)]

    lists = []
    for move in spec.get("moves") or []:
        name = MOVES.get(move.get("move"), (str(move.get("move")),))[0]
        lists.append((f"{name}: action", entries(move.get("actions"), "expert")))
        if move.get("findings"):
            lists.append((f"{name}: finding", entries(move.get("findings"), "correct")))
    lists.append(("verdict", entries(spec.get("verdict"), "correct")))
    return [(label, options) for label, options in lists if options]


def criteria(spec: dict) -> list[tuple[str, str]]:
    return [(m["move"], MOVES[m["move"]][0]) for m in spec["moves"]] + [("verdict", "Verdict")]


def read_response(spec: dict, form) -> dict | None:
    """The learner's record from the form: per move the actions, the finding and notes; verdict; confidence."""
    moves = {}
    for move in spec["moves"]:
        key = move["move"]
        ids = {str(n) for n in range(1, len(move.get("actions") or []) + 1)}
        actions = sorted({v for v in form.getlist(f"{key}.actions") if v in ids}, key=int)
        finding = form.get(f"{key}.finding", "")
        if finding and finding not in {str(n) for n in range(1, len(move.get("findings") or []) + 1)}:
            raise ValueError("Choose what you found from the options shown.")
        notes = textlimits.normalise_newlines(form.get(f"{key}.notes", "")).strip()
        too_long = textlimits.too_long(f"Your notes on “{MOVES.get(key, (key,))[0]}”", notes, textlimits.NOTES)
        if too_long:
            raise ValueError(too_long)
        if actions or finding or notes:
            moves[key] = {"actions": actions, "finding": finding or None, "notes": notes}
    verdict = form.get("verdict", "")
    if verdict and verdict not in {str(n) for n in range(1, len(spec["verdict"]) + 1)}:
        raise ValueError("Choose a verdict from the options shown.")
    confidence = form.get("confidence", "")
    if confidence and confidence not in {str(c) for c in CONFIDENCE}:
        raise ValueError("Rate your confidence from 1 to 5.")
    if not (moves or verdict or confidence):
        return None
    return {"moves": moves, "verdict": verdict or None, "confidence": int(confidence) if confidence else None}


@dataclass(frozen=True)
class MoveResult:
    move: str
    label: str
    fraction: float
    expert_chosen: list[str]
    expert_missed: list[str]
    weak_chosen: list[str]
    finding: str | None
    finding_right: bool | None
    feedback: list[str]
    notes: str


@dataclass(frozen=True)
class Investigation:
    moves: list[MoveResult]
    verdict: str | None
    verdict_right: bool
    verdict_feedback: str
    confidence: int | None
    criteria: dict[str, float]
    fraction: float


def assess(spec: dict, response: dict | None) -> Investigation:
    response = response or {}
    recorded = response.get("moves") or {}
    results, weights, earned = [], [], []
    for move in spec["moves"]:
        key, actions = move["move"], move.get("actions") or []
        given = recorded.get(key) or {}
        chosen = {int(i) for i in given.get("actions") or [] if str(i).isdigit()}
        expert = [n for n, a in enumerate(actions, 1) if a.get("expert")]
        weak_chosen = [n for n in chosen if n <= len(actions) and not actions[n - 1].get("expert")]
        action_score = max(0.0, (len([n for n in expert if n in chosen]) - len(weak_chosen)) / len(expert))
        findings = move.get("findings") or []
        finding_text, finding_right = None, None
        feedback = [actions[n - 1]["feedback"] for n in sorted(chosen) if n <= len(actions) and actions[n - 1].get("feedback")]
        fraction = action_score
        if findings:
            index = int(given["finding"]) if str(given.get("finding") or "").isdigit() else 0
            if 1 <= index <= len(findings):
                finding_text = findings[index - 1]["text"]
                finding_right = bool(findings[index - 1].get("correct"))
                if findings[index - 1].get("feedback"):
                    feedback.append(findings[index - 1]["feedback"])
            else:
                finding_right = False
            fraction = (action_score + (1.0 if finding_right else 0.0)) / 2
        results.append(MoveResult(
            key, MOVES[key][0], fraction,
            expert_chosen=[actions[n - 1]["text"] for n in expert if n in chosen],
            expert_missed=[actions[n - 1]["text"] for n in expert if n not in chosen],
            weak_chosen=[actions[n - 1]["text"] for n in sorted(weak_chosen)],
            finding=finding_text, finding_right=finding_right, feedback=feedback, notes=given.get("notes", "")))
        weights.append(move.get("weight", 1))
        earned.append(fraction)
    index = int(response["verdict"]) if str(response.get("verdict") or "").isdigit() else 0
    option = spec["verdict"][index - 1] if 1 <= index <= len(spec["verdict"]) else None
    verdict_right = bool(option and option.get("correct"))
    weights.append(spec.get("verdict_weight", DEFAULT_VERDICT_WEIGHT))
    earned.append(1.0 if verdict_right else 0.0)
    fraction = sum(w * e for w, e in zip(weights, earned)) / sum(weights)
    criteria_values = {r.move: r.fraction for r in results} | {"verdict": 1.0 if verdict_right else 0.0}
    return Investigation(results, option["text"] if option else None, verdict_right,
                         (option or {}).get("feedback", ""), response.get("confidence"), criteria_values, fraction)


def summary_lines(investigation: Investigation) -> list[str]:
    """One line per criterion, in Markdown, for the feedback shown with the score."""
    lines = []
    for move in investigation.moves:
        line = f"**{move.label}: {round(100 * move.fraction)}%**."
        if move.expert_missed:
            line += " Missed: " + "; ".join(move.expert_missed) + "."
        if move.weak_chosen:
            line += " Weak moves chosen: " + "; ".join(move.weak_chosen) + "."
        if move.finding_right is False:
            line += " The finding chosen was not the one the evidence supports." if move.finding else " No finding chosen."
        lines.append(line)
    verdict = "right" if investigation.verdict_right else ("not the expert's" if investigation.verdict else "not given")
    lines.append(f"**Verdict: {verdict}.**")
    return lines
