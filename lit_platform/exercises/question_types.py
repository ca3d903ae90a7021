"""The performance exercises as question types: a search strategy, a lateral-reading investigation
and a critical-appraisal checklist. Each is scored with a rubric, criterion by criterion.

Specs and responses, by type (see courses/README.md for the authoring format):

search_strategy      spec: {framework, syntaxes, checks_before_submit, min_synonyms, concepts, model, rubric}
                     response: {"syntax", "plan": [{"name", "terms": [str]}], "search": str}
lateral_reading      spec: {claim, source, evidence, moves, verdict, verdict_weight, expert_route}
                     response: {"moves": {move: {"actions": [id], "finding": id, "notes"}}, "verdict": id, "confidence": 1-5}
appraisal_checklist  spec: {study, items: [{key, question, expert, explanation}], require_reasons}
                     response: {item key: {"answer": "yes" | "no" | "cant_tell", "why": str}}
"""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from ..quizzes.types import QuestionType, ResponseError, Scored, chosen, register
from . import appraisal, lateral_reading, search_review
from .search_syntax import FIELDS, SYNTAXES


def _fields_under(form, name: str) -> MultiDict:
    """The form fields of one question (named `name.<field>`), keyed by `<field>`."""
    prefix = name + "."
    return MultiDict([(key[len(prefix):], value) for key, value in form.items(multi=True) if key.startswith(prefix)])


#: the nested lists each type needs, each a list of mappings
MAPPING_LISTS = {
    "search_strategy": ("concepts",),
    "lateral_reading": ("moves", "verdict", "evidence"),
    "appraisal_checklist": ("items",),
}
MAPPINGS = {"search_strategy": ("model", "rubric"), "lateral_reading": ("source",), "appraisal_checklist": ("study",)}


def shape_problems(type_name: str, spec: dict) -> list[str]:
    """Problems with the shape of a spec (lists of mappings where the format needs them), found before anything reads it."""
    problems = []
    for name in MAPPING_LISTS[type_name]:
        value = spec.get(name)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, dict) for v in value)):
            problems.append(f"{name}: give a list of mappings (each item with its fields, as in courses/README.md)")
    for name in MAPPINGS[type_name]:
        value = spec.get(name)
        if value is not None and not isinstance(value, dict):
            problems.append(f"{name}: give a mapping of fields (as in courses/README.md)")
    for move in spec.get("moves") or [] if not problems else []:
        for name in ("actions", "findings"):
            value = move.get(name)
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, dict) for v in value)):
                problems.append(f"move '{move.get('move')}': {name} must be a list of mappings with text")
    return problems


class PerformanceType(QuestionType):
    is_performance = True

    def values_from_form(self, form, name, spec, tokens):
        return _fields_under(form, name)

    def validate(self, spec):
        return shape_problems(self.name, spec) or self.validate_content(spec)

    def validate_content(self, spec) -> list[str]:
        raise NotImplementedError

    def demo_values(self, spec: dict, good: bool) -> MultiDict:
        """Form values for demo data: an answer close to the expert's, or a typical novice's."""
        raise NotImplementedError


@register
class SearchStrategy(PerformanceType):
    name = "search_strategy"
    label = "Search strategy"
    #: the template that shows the checks on a saved search, refreshed as the learner saves
    live_check_template = "quizzes/types/_search_check.html"

    def validate_content(self, spec):
        return search_review.validate(spec)

    def criteria(self, spec):
        return list(search_review.CRITERIA.items())

    def read_response(self, spec, values):
        try:
            return search_review.read_response(spec, values)
        except ValueError as error:
            raise ResponseError(str(error)) from None

    def score(self, spec, response):
        result = search_review.review(spec, response, stage="submitted")
        lines = [f"**{c.label}: {round(100 * c.fraction)}%.** {c.explanation}" for c in result.criteria]
        return Scored(result.fraction, lines, {c.key: c.fraction for c in result.criteria})

    def right_answer(self, spec):
        syntax = search_review.allowed_syntaxes(spec)[0]
        return (spec.get("model") or {}).get(syntax, "")

    def demo_values(self, spec, good):
        concepts = search_review.model_concepts(spec)
        syntax = search_review.allowed_syntaxes(spec)[0]
        if good:
            values = [("syntax", syntax), ("search", (spec.get("model") or {}).get(syntax, ""))]
            for n, concept in enumerate(concepts[:len(search_review.plan_rows(spec))], 1):
                values += [(f"plan.{n}.name", concept.name), (f"plan.{n}.terms", "\n".join(concept.entries))]
            return MultiDict(values)
        # a typical first attempt: two synonyms joined with AND, a second concept with OR, no plan
        first = concepts[0].terms or concepts[0].headings
        second = (concepts[1].terms or concepts[1].headings) if len(concepts) > 1 else first
        words = [first[0], first[min(1, len(first) - 1)], second[0]]
        quoted = [f'"{w}"' if " " in w else w for w in words]
        operators = ("AND", "OR") if syntax == "pubmed" else ("and", "or")
        return MultiDict([("syntax", syntax), ("search", f"{quoted[0]} {operators[0]} {quoted[1]} {operators[1]} {quoted[2]}")])

    # For the templates

    def plan_rows(self, spec) -> list[str]:
        return search_review.plan_rows(spec)

    def syntaxes(self, spec) -> list[tuple[str, str]]:
        return [(key, SYNTAXES[key]) for key in search_review.allowed_syntaxes(spec)]

    def check(self, spec, answer):
        """The checks a learner sees before hand-in (as far as the spec allows), or None with nothing saved."""
        return search_review.review(spec, answer, stage="check") if answer else None

    def judge(self, spec, answer):
        return search_review.review(spec, answer, stage="submitted")

    @staticmethod
    def check_summary(review) -> str:
        """One sentence (Markdown, formatted like the checks themselves) for the status region, announced
        when the checks change."""
        if review is None or not review.parsed.lines:
            return "Nothing to check yet: write your search first."
        errors = sum(1 for f in review.findings if f.severity == "error")
        warnings = sum(1 for f in review.findings if f.severity == "warning")
        tips = sum(1 for f in review.findings if f.severity == "advice")
        if not (errors or warnings or tips):
            return "Search checked: no problems found."
        parts = [f"{count} {word}{'' if count == 1 else 's'}"
                 for count, word in ((errors, "error"), (warnings, "warning"), (tips, "tip")) if count]
        first = next(f for f in review.findings if f.severity in ("error", "warning", "advice"))
        return f"Search checked: {', '.join(parts)}. First: {first.message}"

    @staticmethod
    def field_names(fields) -> str:
        return " or ".join(FIELDS.get(code, code) for code in fields)

    @staticmethod
    def translation(parsed):
        return search_review.translation_of(parsed)

    @staticmethod
    def syntax_name(key: str) -> str:
        return SYNTAXES[key]

    @staticmethod
    def other_syntax(key: str) -> str:
        return search_review.other_syntax(key)


@register
class LateralReading(PerformanceType):
    name = "lateral_reading"
    label = "Lateral reading (SIFT)"

    def validate_content(self, spec):
        return lateral_reading.validate(spec)

    def values_from_form(self, form, name, spec, tokens):
        """Actions, findings and verdicts arrive as opaque values (quizzes/tokens.py); stored ids are 1, 2, ..."""
        fields = _fields_under(form, name)
        options = {f"{m['move']}.actions": (f"{m['move']}.action", m.get("actions")) for m in spec["moves"]}
        options |= {f"{m['move']}.finding": (f"{m['move']}.finding", m.get("findings")) for m in spec["moves"]}
        options["verdict"] = ("verdict", spec["verdict"])
        values = MultiDict()
        for key, value in fields.items(multi=True):
            if key in options:
                kind, listed = options[key]
                value = chosen([value], tokens, kind, self.option_ids(listed))[0] if value else ""
            values.add(key, value)
        return values

    def criteria(self, spec):
        return lateral_reading.criteria(spec)

    def read_response(self, spec, values):
        try:
            return lateral_reading.read_response(spec, values)
        except ValueError as error:
            raise ResponseError(str(error)) from None

    def score(self, spec, response):
        result = lateral_reading.assess(spec, response)
        return Scored(result.fraction, lateral_reading.summary_lines(result), result.criteria)

    def right_answer(self, spec):
        return next(v["text"] for v in spec["verdict"] if v.get("correct"))

    def lint_options(self, spec):
        return lateral_reading.option_lists(spec)

    def demo_values(self, spec, good):
        values = []
        for move in spec["moves"]:
            for n, action in enumerate(move.get("actions") or [], 1):
                if bool(action.get("expert")) == good:
                    values.append((f"{move['move']}.actions", str(n)))
            findings = move.get("findings") or []
            if findings:
                right = next(n for n, f in enumerate(findings, 1) if f.get("correct"))
                values.append((f"{move['move']}.finding", str(right if good else (right % len(findings)) + 1)))
        right = next(n for n, v in enumerate(spec["verdict"], 1) if v.get("correct"))
        values += [("verdict", str(right if good else (right % len(spec["verdict"])) + 1)),
                   ("confidence", "4" if good else "3")]
        return MultiDict(values)

    # For the templates

    @staticmethod
    def move_label(key: str) -> str:
        return lateral_reading.MOVES[key][0]

    @staticmethod
    def move_prompt(key: str) -> str:
        return lateral_reading.MOVES[key][1]

    @staticmethod
    def confidence_scale():
        return list(lateral_reading.CONFIDENCE.items())

    @staticmethod
    def option_ids(options) -> list[str]:
        """The stored ids of a move's actions or findings, or of the verdicts: their numbers in the file."""
        return [str(n) for n in range(1, len(options or []) + 1)]

    @staticmethod
    def assess(spec, answer):
        return lateral_reading.assess(spec, answer)


@register
class AppraisalChecklist(PerformanceType):
    name = "appraisal_checklist"
    label = "Critical-appraisal checklist"

    def validate_content(self, spec):
        return appraisal.validate(spec)

    def criteria(self, spec):
        return [(item["key"], item["question"]) for item in spec["items"]]

    def values_from_form(self, form, name, spec, tokens):
        """Each item's answer arrives as an opaque value (quizzes/tokens.py) of yes, no or cant_tell."""
        answers = {f"{item['key']}.answer" for item in spec["items"]}
        values = MultiDict()
        for key, value in _fields_under(form, name).items(multi=True):
            if key in answers and value:
                value = chosen([value], tokens, key, appraisal.ANSWERS)[0]
            values.add(key, value)
        return values

    def read_response(self, spec, values):
        given = {item["key"]: (values.get(f"{item['key']}.answer", ""), values.get(f"{item['key']}.why", ""))
                 for item in spec["items"]}
        try:
            return appraisal.read_response(spec, given)
        except ValueError as error:
            raise ResponseError(str(error)) from None

    def score(self, spec, response):
        result = appraisal.compare(spec, response)
        kappa = result.kappa
        summary = (f"**Agreement with the expert: {result.agreed} of {len(result.items)} items "
                   f"({result.percent:.0f}%)**; Cohen's kappa "
                   + (f"{kappa.value:.2f} ({appraisal.describe_kappa(kappa.value)})." if kappa.value is not None
                      else f"not measurable: {kappa.reason}."))
        return Scored(result.agreed / len(result.items), [summary],
                      {item.key: 1.0 if item.agrees else 0.0 for item in result.items})

    def right_answer(self, spec):
        return "; ".join(f"{item['question']} {appraisal.ANSWERS[item['expert']]}" for item in spec["items"])

    def demo_values(self, spec, good):
        values = []
        answers = list(appraisal.ANSWERS)
        for n, item in enumerate(spec["items"]):
            # a novice agrees with the expert on about one item in three
            agree = good or n % 3 == 0
            answer = item["expert"] if agree else answers[(answers.index(item["expert"]) + 1) % len(answers)]
            values += [(f"{item['key']}.answer", answer), (f"{item['key']}.why", "See the methods section.")]
        return MultiDict(values)

    # For the templates

    @staticmethod
    def answers():
        return list(appraisal.ANSWERS.items())

    @staticmethod
    def answer_label(value) -> str:
        return appraisal.ANSWERS.get(value, "Not answered")

    @staticmethod
    def compare(spec, answer):
        return appraisal.compare(spec, answer)

    @staticmethod
    def describe_kappa(value) -> str:
        return appraisal.describe_kappa(value)
