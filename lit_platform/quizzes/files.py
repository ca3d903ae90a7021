"""Questions and quizzes as YAML files (the format documented in courses/README.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.yamlfile import LineDict, Problem, load_yaml
from .services import QuestionData, find_or_create_category, save_question, save_quiz, set_fixed_questions

COMMON_FIELDS = {"key", "type", "title", "stem", "outcome", "tags", "points", "general_feedback", "feedback", "form"}
TYPE_FIELDS = {
    "single_choice": {"choices"},
    "multiple_response": {"choices"},
    "true_false": {"answer", "feedback_true", "feedback_false"},
    "short_answer": {"answers", "case_sensitive"},
    "numerical": {"answers"},
    "matching": {"pairs", "distractors"},
    "ordering": {"items"},
    "essay": {"guidance", "min_words"},
    "description": set(),
    "search_strategy": {"framework", "syntaxes", "checks_before_submit", "min_synonyms", "concepts", "model", "rubric"},
    "lateral_reading": {"claim", "source", "evidence", "moves", "verdict", "verdict_weight", "expert_route"},
    "appraisal_checklist": {"study", "items", "require_reasons"},
}
#: the fields allowed inside the performance exercises' nested mappings
NESTED_FIELDS = {
    "concepts": {"name", "element", "terms", "headings", "required"},
    "source": {"kind", "title", "image", "alt", "text"},
    "evidence": {"title", "kind", "text"},
    "moves": {"move", "prompt", "actions", "findings", "weight"},
    "actions": {"text", "expert", "feedback"},
    "findings": {"text", "correct", "feedback"},
    "verdict": {"text", "correct", "feedback"},
    "study": {"title", "design", "text"},
    "items": {"key", "question", "expert", "explanation"},
}
#: YAML reads an unquoted yes / no as true / false; a checklist answer means the word
CHECKLIST_ANSWERS = {True: "yes", False: "no"}
QUIZ_FIELDS = {"key", "title", "description", "pass_mark", "attempts", "feedback", "shuffle_choices",
               "shuffle_questions", "questions_per_page", "time_limit_minutes", "questions"}


@dataclass
class QuestionDefinition:
    key: str
    data: QuestionData
    line: int
    form: str | None = None
    #: where each field starts, and each choice (in order), for checks that point inside the question
    field_lines: dict = field(default_factory=dict)
    choice_lines: list[int] = field(default_factory=list)


@dataclass
class QuizDefinition:
    key: str
    settings: dict
    questions: list[QuestionDefinition] = field(default_factory=list)
    #: the file it was read from, as problems name it
    filename: str = ""


class _Collector:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.filename, line, message))


def _percent(value, where: str, report, line: int) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        report(line, f"{where}: weight must be a number of percent, such as 50 or -25")
        return None
    return value / 100


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _choices(node: LineDict, qtype: str, report) -> dict:
    raw = node.get("choices")
    if not isinstance(raw, list) or not raw:
        report(node.line_of("choices"), "choices: give a list of choices")
        return {"choices": []}
    correct_count = sum(1 for c in raw if isinstance(c, dict) and c.get("correct") is True)
    choices = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            report(getattr(raw, "line", node.line), f"choice {n}: write it as text: ..., with correct/feedback")
            continue
        unknown = set(item) - {"text", "correct", "weight", "feedback"}
        for name in sorted(unknown, key=str):
            report(item.line_of(name), f"choice {n}: unknown field '{name}'")
        if "weight" in item:
            weight = _percent(item["weight"], f"choice {n}", report, item.line_of("weight"))
        elif qtype == "multiple_response" and correct_count:
            weight = (1 if item.get("correct") is True else -1) / correct_count
        else:
            weight = 1.0 if item.get("correct") is True else 0.0
        choices.append({"id": str(n), "text": _text(item.get("text")), "weight": weight if weight is not None else 0,
                        "feedback": _text(item.get("feedback"))})
    return {"choices": choices}


def _answers(node: LineDict, report, numeric: bool) -> list[dict]:
    raw = node.get("answers")
    if not isinstance(raw, list) or not raw:
        report(node.line_of("answers"), "answers: give a list of accepted answers")
        return []
    answers = []
    allowed = {"value", "tolerance", "min", "max", "weight", "feedback"} if numeric else {"text", "weight", "feedback"}
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            item = LineDict(text=item) if not numeric else LineDict(value=item)
            item.line, item.key_lines = getattr(raw, "line", node.line), {}
        for name in sorted(set(item) - allowed, key=str):
            report(item.line_of(name), f"answer {n}: unknown field '{name}'")
        weight = _percent(item.get("weight", 100), f"answer {n}", report, item.line_of("weight"))
        answer = {"weight": weight if weight is not None else 0, "feedback": _text(item.get("feedback"))}
        if numeric:
            answer.update({k: item[k] for k in ("value", "tolerance", "min", "max") if k in item})
        else:
            answer["text"] = _text(item.get("text"))
        answers.append(answer)
    return answers


def _spec(node: LineDict, qtype: str, report) -> dict:
    if qtype in ("single_choice", "multiple_response"):
        return _choices(node, qtype, report)
    if qtype == "true_false":
        return {"answer": node.get("answer"), "feedback_true": _text(node.get("feedback_true")),
                "feedback_false": _text(node.get("feedback_false"))}
    if qtype == "short_answer":
        return {"answers": _answers(node, report, numeric=False), "case_sensitive": bool(node.get("case_sensitive"))}
    if qtype == "numerical":
        return {"answers": _answers(node, report, numeric=True)}
    if qtype == "matching":
        raw = node.get("pairs") or []
        pairs = []
        for n, item in enumerate(raw if isinstance(raw, list) else [], 1):
            if isinstance(item, dict):
                pairs.append({"id": str(n), "prompt": _text(item.get("prompt")), "answer": _text(item.get("answer"))})
            else:
                report(getattr(raw, "line", node.line), f"pair {n}: write it as prompt: ..., answer: ...")
        distractors = node.get("distractors") or []
        return {"pairs": pairs, "distractors": [_text(d) for d in distractors] if isinstance(distractors, list) else []}
    if qtype == "ordering":
        raw = node.get("items") or []
        return {"items": [{"id": str(n), "text": _text(t)} for n, t in enumerate(raw if isinstance(raw, list) else [], 1)]}
    if qtype in ("search_strategy", "lateral_reading", "appraisal_checklist"):
        return _exercise_spec(node, qtype, report)
    if qtype == "essay":
        spec = {"guidance": _text(node.get("guidance"))}
        if node.get("min_words") is not None:
            spec["min_words"] = node.get("min_words")
        return spec
    return {}


def _plain(value, report, key: str = "", line: int = 0):
    """YAML values as plain JSON-ready values, reporting unknown fields in the known nested mappings."""
    if isinstance(value, dict):
        allowed = NESTED_FIELDS.get(key)
        if allowed is not None and isinstance(value, LineDict):
            for name in sorted(set(value) - allowed, key=str):
                report(value.line_of(name), f"{key}: unknown field '{name}' (use {', '.join(sorted(allowed))})")
        return {str(k): _plain(v, report, str(k), getattr(value, "line_of", lambda _: line)(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(item, report, key, getattr(value, "line", line)) for item in value]
    if isinstance(value, str):
        return value.strip()
    return value


def _exercise_spec(node: LineDict, qtype: str, report) -> dict:
    spec = {name: _plain(node[name], report, name, node.line_of(name)) for name in TYPE_FIELDS[qtype] if name in node}
    if qtype == "appraisal_checklist":
        for item in spec.get("items") or []:
            if isinstance(item, dict) and isinstance(item.get("expert"), bool):
                item["expert"] = CHECKLIST_ANSWERS[item["expert"]]
        spec.setdefault("require_reasons", True)
    if qtype == "search_strategy":
        for concept in spec.get("concepts") or []:
            if isinstance(concept, dict):
                concept["terms"] = [str(t) for t in concept.get("terms") or []]
                concept["headings"] = [str(h) for h in concept.get("headings") or []]
    return spec


def read_exercise_definition(text: str, qtype: str) -> tuple[dict, list[str]]:
    """A performance exercise's fields written in YAML (as in the bank's form): its spec and any reading problems."""
    data, problems = load_yaml(text, "the exercise")
    if problems:
        return {}, [f"cannot be read: {problems[0].message} (line {problems[0].line})"]
    if not isinstance(data, LineDict):
        return {}, ["needs its fields written as YAML, as in courses/README.md"]
    found = []
    for name in sorted(set(data) - TYPE_FIELDS[qtype], key=str):
        found.append(f"has an unknown field '{name}' on line {data.line_of(name)}")
    spec = _exercise_spec(data, qtype, lambda line, message: found.append(f"{message} (line {line})"))
    return spec, found


def read_question(node, filename: str, outcomes: set[str] | None = None) -> tuple[QuestionDefinition | None, list[Problem]]:
    """Turn one question mapping into a QuestionDefinition, reporting every problem with its line."""
    collector = _Collector(filename)
    report = collector.add
    if not isinstance(node, LineDict):
        report(getattr(node, "line", 1), "a question must be a mapping with key, type, stem ...")
        return None, collector.problems
    key = _text(node.get("key"))
    label = f"question '{key}'" if key else "question"
    if not key:
        report(node.line, "question has no key (a stable id such as searching.boolean.or-broadens)")
    qtype = node.get("type")
    if qtype not in TYPE_FIELDS:
        report(node.line_of("type"), f"{label}: unknown type '{qtype}' (use one of {', '.join(TYPE_FIELDS)})")
        return None, collector.problems
    for name in sorted(set(node) - COMMON_FIELDS - TYPE_FIELDS[qtype], key=str):
        report(node.line_of(name), f"{label}: unknown field '{name}' for a {qtype} question")
    feedback = node.get("feedback") or {}
    if not isinstance(feedback, dict):
        report(node.line_of("feedback"), f"{label}: feedback must have correct, partial and/or incorrect")
        feedback = {}
    outcome = _text(node.get("outcome")) or None
    if outcomes is not None and outcome not in outcomes:
        known = ", ".join(sorted(outcomes)) or "none"
        report(node.line_of("outcome"), f"{label}: unknown outcome code '{outcome}' (course outcomes: {known})"
               if outcome else f"{label}: has no outcome code (course outcomes: {known})")
    tags = node.get("tags") or []
    points = node.get("points", 1)
    data = QuestionData(
        type=qtype, stem=_text(node.get("stem")), spec=_spec(node, qtype, report), title=_text(node.get("title")),
        general_feedback=_text(node.get("general_feedback")), feedback_correct=_text(feedback.get("correct")),
        feedback_partial=_text(feedback.get("partial")), feedback_incorrect=_text(feedback.get("incorrect")),
        points=points if isinstance(points, (int, float)) and not isinstance(points, bool) else -1,
        outcome=outcome, tags=[str(t) for t in tags] if isinstance(tags, list) else [],
    )
    for problem in data.problems():
        report(node.line, f"{label}: {problem}")
    form = node.get("form")
    if form is not None and form not in ("A", "B"):
        report(node.line_of("form"), f"{label}: form must be A or B")
    raw_choices = node.get("choices") if isinstance(node.get("choices"), list) else []
    choice_lines = [getattr(c, "line", node.line) for c in raw_choices if isinstance(c, dict)]
    return QuestionDefinition(key, data, node.line, form, dict(node.key_lines), choice_lines), collector.problems


def read_questions(nodes, filename: str, line: int, outcomes: set[str] | None = None,
                   seen_keys: dict[str, str] | None = None) -> tuple[list[QuestionDefinition], list[Problem]]:
    """Read a list of questions; keys must be unique here and in `seen_keys` (key -> 'file, line N')."""
    problems: list[Problem] = []
    if not isinstance(nodes, list) or not nodes:
        return [], [Problem(filename, line, "questions: give a list of at least one question")]
    seen_keys = {} if seen_keys is None else seen_keys
    definitions = []
    for node in nodes:
        definition, found = read_question(node, filename, outcomes)
        problems += found
        if definition is None:
            continue
        if definition.key in seen_keys:
            problems.append(Problem(filename, definition.line,
                                    f"duplicate question key '{definition.key}' (also at {seen_keys[definition.key]})"))
        elif definition.key:
            seen_keys[definition.key] = f"{filename}, line {definition.line}"
        definitions.append(definition)
    return definitions, problems


def read_quiz_file(path: Path | str, outcomes: set[str] | None = None, seen_keys: dict | None = None,
                   display_name: str | None = None) -> tuple[QuizDefinition | None, list[Problem]]:
    path = Path(path)
    filename = display_name or str(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(filename, 1, f"cannot read the file: {error}")]
    data, problems = load_yaml(text, filename)
    if problems:
        return None, problems
    if not isinstance(data, LineDict):
        return None, [Problem(filename, 1, "a quiz file must be a mapping with key, title and questions")]
    for name in sorted(set(data) - QUIZ_FIELDS, key=str):
        problems.append(Problem(filename, data.line_of(name), f"unknown quiz field '{name}'"))
    key = _text(data.get("key"))
    if not key:
        problems.append(Problem(filename, data.line, "the quiz has no key"))
    if not _text(data.get("title")):
        problems.append(Problem(filename, data.line, "the quiz has no title"))
    feedback = data.get("feedback", "immediate")
    if feedback not in ("immediate", "deferred"):
        problems.append(Problem(filename, data.line_of("feedback"), "feedback must be immediate or deferred"))
    settings = {
        "title": _text(data.get("title")),
        "description": _text(data.get("description")),
        "pass_mark": data.get("pass_mark"),
        "attempts_allowed": data.get("attempts", 0),
        "feedback_mode": feedback,
        "shuffle_choices": bool(data.get("shuffle_choices", True)),
        "shuffle_questions": bool(data.get("shuffle_questions", False)),
        "questions_per_page": data.get("questions_per_page", 5),
        "time_limit_minutes": data.get("time_limit_minutes"),
    }
    for name in ("attempts_allowed", "questions_per_page"):
        if not isinstance(settings[name], int) or settings[name] < 0:
            problems.append(Problem(filename, data.line, f"{name.split('_')[0]} must be a whole number"))
    if settings["pass_mark"] is not None and not (isinstance(settings["pass_mark"], (int, float))
                                                  and 0 <= settings["pass_mark"] <= 100):
        problems.append(Problem(filename, data.line_of("pass_mark"), "pass_mark must be a percent from 0 to 100"))
    questions, found = read_questions(data.get("questions"), filename, data.line_of("questions"), outcomes, seen_keys)
    problems += found
    return QuizDefinition(key, settings, questions, filename), sorted(problems)


def import_quiz(definition: QuizDefinition, category_path: str, actor=None) -> tuple[object, int]:
    """Store a validated quiz file: its questions (new versions only where changed) and the quiz.

    Returns (quiz, number of questions created or changed)."""
    category = find_or_create_category(category_path)
    questions, changed = [], 0
    for item in definition.questions:
        question, was_changed = save_question(item.key, category, item.data, actor)
        questions.append(question)
        changed += was_changed
    quiz = save_quiz(definition.key, definition.settings, actor)
    set_fixed_questions(quiz, questions)
    return quiz, changed
