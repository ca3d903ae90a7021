"""The search-strategy builder's judgement: concepts, synonyms, how they are combined, and the rubric.

`search_syntax` reads a search and checks its syntax; this module compares what it reads with the
learner's own concept plan and with the author's model concepts, and scores it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from ..core import textlimits
from .search_syntax import SYNTAXES, Finding, Group, ParsedSearch, Term, parse_search, translate

FRAMEWORKS = {
    "PICO": ["Population", "Intervention", "Comparison", "Outcome"],
    "PEO": ["Population", "Exposure", "Outcome"],
    "SPIDER": ["Sample", "Phenomenon of interest", "Design", "Evaluation", "Research type"],
}
FREE_ROWS = 4
CRITERIA = {"concepts": "Concepts covered", "synonyms": "Synonyms and subject headings",
            "combination": "Combination (AND, OR, NOT)", "syntax": "Valid syntax"}
DEFAULT_RUBRIC = {"concepts": 30, "synonyms": 30, "combination": 25, "syntax": 15}
DEFAULT_MIN_SYNONYMS = 3
#: what each syntax warning costs on the syntax criterion
WARNING_COST = 0.25
#: what each combination problem costs on the combination criterion
COMBINATION_COST = 0.5


@dataclass(frozen=True)
class Concept:
    name: str
    element: str = ""
    terms: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    required: bool = True

    @property
    def entries(self) -> tuple[str, ...]:
        return self.terms + self.headings


def model_concepts(spec: dict) -> list[Concept]:
    return [Concept(c["name"], c.get("element", ""), tuple(c.get("terms") or ()), tuple(c.get("headings") or ()),
                    c.get("required", True)) for c in spec.get("concepts") or []]


def plan_rows(spec: dict) -> list[str]:
    """The labels of the rows a learner fills in to plan their concepts."""
    framework = spec.get("framework", "free")
    if framework in FRAMEWORKS:
        return FRAMEWORKS[framework]
    return [f"Concept {n}" for n in range(1, max(FREE_ROWS, len(spec.get("concepts") or [])) + 1)]


def split_entries(text: str) -> list[str]:
    """A plan row's terms: one per line, or separated by semicolons."""
    return [part.strip() for line in str(text).splitlines() for part in line.split(";") if part.strip()]


# Matching terms ------------------------------------------------------------------------------

_FIELD_SUFFIX = re.compile(r"(\[[^\]]*\]|\.[a-z]{2}(,[a-z]{2})*\.?)$", re.IGNORECASE)
_TRUNCATION = re.compile(r"[*$:]\d*|[#?]")


@lru_cache(maxsize=8192)
def clean(text: str) -> str:
    """An entry without quotes, field tags or heading marks, in lower case: how entries are compared."""
    text = str(text).strip()
    text = _FIELD_SUFFIX.sub("", text).strip()
    text = re.sub(r"^exp\s+", "", text, flags=re.IGNORECASE)
    if text.startswith("*"):  # Ovid's mark for a major heading
        text = text[1:]
    if "/" in text:  # Ovid's mark for a heading, with any subheadings after it
        text = text.split("/")[0]
    return " ".join(text.replace('"', " ").lower().split())


def _literal(text: str) -> str:
    return _TRUNCATION.sub("", text)


@lru_cache(maxsize=8192)
def _pattern(text: str) -> re.Pattern | None:
    """A pattern for an entry with truncation or wildcards; None when its stem is too short to mean anything."""
    if not _TRUNCATION.search(text):
        return None
    if len(_literal(text).replace(" ", "")) < 3:
        return re.compile(r"(?!)")
    pattern = ""
    for part in re.split(r"([*$:]\d*|[#?])", text):
        if not part:
            continue
        if part[0] in "*$:":
            limit = part[1:]
            pattern += r"[\w'-]{0,%s}" % limit if limit else r"[\w'-]*"
        elif part == "#":
            pattern += r"\w"
        elif part == "?":
            pattern += r"\w?"
        else:
            pattern += re.escape(part)
    return re.compile(pattern)


def entries_match(a: str, b: str) -> bool:
    """Whether two entries name the same thing, allowing for truncation and wildcards on either side."""
    first, second = clean(a), clean(b)
    if not first or not second:
        return False
    if first == second:
        return True
    for one, other in ((first, second), (second, first)):
        pattern = _pattern(one)
        if pattern is not None and pattern.fullmatch(_literal(other)):
            return True
    return False


def term_entry(term: Term) -> str:
    return term.text


# Reading the tree ----------------------------------------------------------------------------

def leaves(node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Group):
        return [leaf for child in node.children for leaf in leaves(child)]
    return []


def kept_leaves(node) -> list[Term]:
    """The terms that add records: everything except what NOT removes."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Group):
        children = node.children[:1] if node.operator == "NOT" else node.children
        return [leaf for child in children for leaf in kept_leaves(child)]
    return []


@dataclass
class Labeller:
    """Which concept each term belongs to: the learner's own plan first, then the model's concepts."""

    plan: list[tuple[str, list[str]]]
    concepts: list[Concept]
    use_model: bool = True

    def __post_init__(self):
        # a plan row that holds a model concept's terms stands for that concept
        self.row_concept: dict[int, int | None] = {}
        for row, (_, entries) in enumerate(self.plan):
            votes = [self.model_index(entry) for entry in entries]
            votes = [v for v in votes if v is not None]
            self.row_concept[row] = max(set(votes), key=votes.count) if votes else None

    def model_index(self, text: str) -> int | None:
        for index, concept in enumerate(self.concepts):
            if any(entries_match(text, entry) for entry in concept.entries):
                return index
        return None

    def label(self, term: Term) -> str | None:
        """A key for the concept of `term`: 'm<index>' for a model concept, 'p<row>' for a plan row of the learner's own."""
        for row, (_, entries) in enumerate(self.plan):
            if any(entries_match(term.text, entry) for entry in entries):
                concept = self.row_concept[row] if self.use_model else None
                return f"m{concept}" if concept is not None else f"p{row}"
        if self.use_model:
            index = self.model_index(term.text)
            if index is not None:
                return f"m{index}"
        return None

    def name(self, label: str) -> str:
        kind, index = label[0], int(label[1:])
        if kind == "p":
            return self.plan[index][0]
        for row, concept in self.row_concept.items():
            if concept == index and self.plan[row][0]:
                return self.plan[row][0]
        return self.concepts[index].name


def _quote(term: Term) -> str:
    return f"`{term.text}`"


def concept_findings(tree, labeller: Labeller, reveal: bool, framework: str = "free") -> list[Finding]:
    """OR between concepts, AND between synonyms, NOT that removes relevant records, missing concepts."""
    found: list[Finding] = []

    def visit(node, inside_or: bool) -> None:
        if not isinstance(node, Group):
            return
        if node.operator == "OR" and not inside_or:
            by_label: dict[str, Term] = {}
            for leaf in leaves(node):
                label = labeller.label(leaf)
                if label is not None:
                    by_label.setdefault(label, leaf)
            if len(by_label) > 1:
                (one, first), (two, second) = list(by_label.items())[:2]
                found.append(Finding(
                    "or-between-concepts", "error",
                    f"{_quote(first)} ({labeller.name(one)}) and {_quote(second)} ({labeller.name(two)}) are joined by OR, "
                    f"so the search finds records about either one. Keep each concept's terms in its own block "
                    f"joined by OR, and join the blocks with AND.", first.line, node.start, node.end))
        if node.operator == "AND":
            seen: dict[str, Term] = {}
            for child in node.children:
                labels = {labeller.label(leaf) for leaf in leaves(child)} - {None}
                if len(labels) == 1:
                    label = labels.pop()
                    if label in seen:
                        first, second = seen[label], leaves(child)[0]
                        found.append(Finding(
                            "and-between-synonyms", "error",
                            f"{_quote(first)} and {_quote(second)} are both terms for {labeller.name(label)}, but AND "
                            f"between them finds only records that use both. Join synonyms with OR.",
                            second.line, node.start, node.end))
                        break
                    seen[label] = leaves(child)[0]
        if node.operator == "NOT":
            kept = {labeller.label(leaf) for leaf in kept_leaves(node.children[0])} - {None}
            for removed in node.children[1:]:
                removed_terms = leaves(removed)
                relevant = [t for t in removed_terms if (labeller.label(t) is not None and
                            (labeller.label(t) in kept or _is_required(labeller.label(t), labeller)))]
                words = ", ".join(_quote(t) for t in removed_terms[:3])
                if relevant:
                    found.append(Finding(
                        "not-removes-concept", "error",
                        f"NOT {words} removes records about {labeller.name(labeller.label(relevant[0]))}, which this "
                        f"question needs. Take the NOT out.", removed_terms[0].line, node.start, node.end))
                elif removed_terms:
                    found.append(Finding(
                        "risky-not", "warning",
                        f"NOT {words} removes every record that mentions it, including relevant ones that mention it "
                        f"only in passing (for example studies of several groups). Leaving it out, or using the "
                        f"database's limits, loses less.", removed_terms[0].line, node.start, node.end))
        for child in node.children:
            visit(child, inside_or or node.operator == "OR")

    visit(tree, False)
    if labeller.use_model:
        covered = {labeller.model_index(leaf.text) for leaf in kept_leaves(tree)}
        missing = [c for i, c in enumerate(labeller.concepts) if c.required and i not in covered]
        for concept in missing:
            if reveal:
                message = f"Your search has no terms for {concept.name}, a concept the question depends on."
            elif concept.element and framework in FRAMEWORKS:
                element = dict(zip("".join(e[0] for e in FRAMEWORKS[framework]), FRAMEWORKS[framework])).get(concept.element[:1], concept.element)
                message = f"Your search has nothing yet for one of the question's concepts (the {element} in {framework}). Read the scenario again."
            else:
                message = "Your search has nothing yet for one of the concepts the question depends on. Read the scenario again."
            found.append(Finding("missing-concept", "warning", message, 0))
    return found


def _is_required(label: str, labeller: Labeller) -> bool:
    return label.startswith("m") and labeller.concepts[int(label[1:])].required


# Scoring -------------------------------------------------------------------------------------

@dataclass
class Criterion:
    key: str
    label: str
    fraction: float
    explanation: str


@dataclass
class SearchReview:
    syntax: str
    parsed: ParsedSearch
    tree: object | None
    findings: list[Finding]
    plan: list[tuple[str, list[str]]]
    labels: dict[tuple[int, int], str] = field(default_factory=dict)
    criteria: list[Criterion] = field(default_factory=list)
    fraction: float | None = None

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity in ("error", "warning")]


def learner_plan(response: dict | None) -> list[tuple[str, list[str]]]:
    rows = (response or {}).get("plan") or []
    return [(str(row.get("name", "")).strip(), list(row.get("terms") or [])) for row in rows]


def review(spec: dict, response: dict | None, stage: str = "submitted") -> SearchReview:
    """Check (stage 'check': before hand-in, as the spec allows) or judge (stage 'submitted') a search."""
    response = response or {}
    syntax = response.get("syntax") if response.get("syntax") in SYNTAXES else allowed_syntaxes(spec)[0]
    parsed = parse_search(response.get("search") or "", syntax)
    tree = parsed.resolved() if parsed.lines else None
    plan = learner_plan(response)
    concepts = model_concepts(spec)
    syntax_only = stage == "check" and spec.get("checks_before_submit", "all") == "syntax"
    labeller = Labeller(plan, concepts, use_model=not syntax_only)
    findings = list(parsed.findings)
    if tree is not None and not syntax_only:
        findings += concept_findings(tree, labeller, reveal=stage == "submitted", framework=spec.get("framework", "free"))
    labels = {}
    if tree is not None:
        for leaf in leaves(tree):
            label = labeller.label(leaf)
            if label is not None:
                labels[(leaf.line, leaf.start)] = labeller.name(label)
    result = SearchReview(syntax, parsed, tree, findings, plan, labels)
    if stage == "submitted":
        _score(result, spec, labeller, response.get("search") or "")
    return result


def _covered_entries(concept: Concept, search_terms: list[Term], raw: str) -> list[str]:
    """The model's entries for `concept` that the learner's search uses."""
    if search_terms:
        used = []
        for entry in concept.terms:
            if any(not t.heading and entries_match(t.text, entry) for t in search_terms):
                used.append(entry)
        for heading in concept.headings:
            if any(t.heading and clean(t.text) == clean(heading) for t in search_terms):
                used.append(heading)
        return used
    words = " " + " ".join(re.findall(r"[\w'*$#?-]+", raw.lower())) + " "
    # Without a readable search there is no telling a subject heading from a word: count words only.
    return [entry for entry in concept.terms
            if any(entries_match(chunk, entry) for chunk in _chunks(words, len(clean(entry).split())))]


def _chunks(words: str, size: int) -> list[str]:
    parts = words.split()
    return [" ".join(parts[i:i + size]) for i in range(len(parts) - size + 1)] if size else []


def _score(result: SearchReview, spec: dict, labeller: Labeller, raw: str) -> None:
    concepts = [c for c in labeller.concepts if c.required] or labeller.concepts
    terms = kept_leaves(result.tree) if result.tree is not None else []
    target = spec.get("min_synonyms", DEFAULT_MIN_SYNONYMS)
    used = {c.name: _covered_entries(c, terms, raw) for c in concepts}
    covered = [c for c in concepts if used[c.name]]
    missing = [c.name for c in concepts if not used[c.name]]
    concept_text = f"{len(covered)} of {len(concepts)} concepts in the search"
    concept_text += f"; missing: {', '.join(missing)}." if missing else "."
    if result.tree is None and raw.strip():
        concept_text += " (Judged from the words you used: the search itself could not be read.)"
    synonym_parts, synonym_scores = [], []
    for concept in concepts:
        count = len(used[concept.name])
        synonym_scores.append(min(1.0, count / target) if target else 1.0)
        synonym_parts.append(f"{concept.name}: {count} of the {target} wanted")
    combination_problems = [f for f in result.findings if f.code in
                            ("or-between-concepts", "and-between-synonyms", "not-removes-concept")]
    if result.tree is None:
        combination, combination_text = 0.0, "Not judged: the search could not be read."
    else:
        combination = max(0.0, 1 - COMBINATION_COST * len(combination_problems))
        combination_text = ("Synonyms joined with OR, concepts with AND." if not combination_problems
                            else f"{len(combination_problems)} problem(s) with how terms are combined (see the checks).")
        if len(covered) < 2 and len(concepts) >= 2:
            combination, combination_text = min(combination, 0.5), "Only one concept is searched, so nothing is combined yet."
    syntax_findings = list(result.parsed.findings)
    errors = [f for f in syntax_findings if f.severity == "error"]
    warnings = [f for f in syntax_findings if f.severity == "warning"]
    if not result.parsed.lines:
        syntax_score, syntax_text = 0.0, "No search was written."
    elif errors:
        syntax_score, syntax_text = 0.0, f"{len(errors)} error(s) the database would refuse or misread."
    else:
        syntax_score = max(0.0, 1 - WARNING_COST * len(warnings))
        syntax_text = "Valid, with nothing to warn about." if not warnings else f"Valid, with {len(warnings)} warning(s)."
    values = {"concepts": len(covered) / len(concepts) if concepts else 1.0,
              "synonyms": sum(synonym_scores) / len(synonym_scores) if synonym_scores else 1.0,
              "combination": combination, "syntax": syntax_score}
    texts = {"concepts": concept_text, "synonyms": "; ".join(synonym_parts) + ".",
             "combination": combination_text, "syntax": syntax_text}
    weights = {**DEFAULT_RUBRIC, **(spec.get("rubric") or {})}
    result.criteria = [Criterion(key, CRITERIA[key], values[key], texts[key]) for key in CRITERIA]
    total = sum(weights[key] for key in CRITERIA)
    result.fraction = sum(weights[key] * values[key] for key in CRITERIA) / total if total else 0.0


def allowed_syntaxes(spec: dict) -> list[str]:
    return [s for s in spec.get("syntaxes") or list(SYNTAXES) if s in SYNTAXES] or list(SYNTAXES)


def validate(spec: dict) -> list[str]:
    problems = []
    syntaxes = spec.get("syntaxes") or list(SYNTAXES)
    unknown = [s for s in syntaxes if s not in SYNTAXES]
    if unknown:
        problems.append(f"unknown syntax {', '.join(map(str, unknown))} (use {', '.join(SYNTAXES)})")
    framework = spec.get("framework", "free")
    if framework not in (*FRAMEWORKS, "free"):
        problems.append(f"framework must be one of {', '.join(FRAMEWORKS)} or free")
    concepts = spec.get("concepts")
    if not isinstance(concepts, list) or not concepts:
        return problems + ["needs the model concepts, each with a name and terms"]
    for n, concept in enumerate(concepts, 1):
        if not str(concept.get("name", "")).strip():
            problems.append(f"concept {n} has no name")
        if not (concept.get("terms") or concept.get("headings")):
            problems.append(f"concept {n} needs terms or headings")
    if not any(c.get("required", True) for c in concepts):
        problems.append("at least one concept must be required")
    if spec.get("checks_before_submit", "all") not in ("all", "syntax"):
        problems.append("checks_before_submit must be all or syntax")
    min_synonyms = spec.get("min_synonyms", DEFAULT_MIN_SYNONYMS)
    if not isinstance(min_synonyms, int) or isinstance(min_synonyms, bool) or min_synonyms < 1:
        problems.append("min_synonyms must be a whole number of at least 1")
    rubric = spec.get("rubric") or {}
    for key, weight in rubric.items():
        if key not in CRITERIA:
            problems.append(f"rubric: unknown criterion '{key}' (use {', '.join(CRITERIA)})")
        elif isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            problems.append(f"rubric: the weight of {key} must be a number of 0 or more")
    model = spec.get("model") or {}
    for syntax in syntaxes:
        if syntax in SYNTAXES and not str(model.get(syntax, "")).strip():
            problems.append(f"model: give the model search in {syntax} syntax")
    for syntax, text in model.items():
        if syntax not in SYNTAXES:
            problems.append(f"model: unknown syntax '{syntax}'")
            continue
        parsed = parse_search(str(text), syntax)
        errors = [f for f in parsed.findings if f.severity == "error"]
        if errors:
            problems.append(f"model ({syntax}), line {errors[0].line}: {errors[0].message}")
    return problems


def read_response(spec: dict, form) -> dict | None:
    """The learner's answer from form fields named syntax, plan.N.name, plan.N.terms and search."""
    syntax = form.get("syntax", "")
    if syntax and syntax not in allowed_syntaxes(spec):
        raise ValueError("Choose one of the databases offered.")
    plan = []
    for n in range(1, len(plan_rows(spec)) + 1):
        row_name = " ".join(form.get(f"plan.{n}.name", "").split())
        terms = split_entries(form.get(f"plan.{n}.terms", ""))
        problems = [textlimits.too_long(f"The name of concept {n}", row_name, textlimits.PLAN_NAME)]
        problems += [textlimits.too_long(f"A term of concept {n}", t, textlimits.PLAN_TERM) for t in terms]
        if len(terms) > textlimits.PLAN_TERMS:
            problems.append(f"Concept {n} has {len(terms)} terms; the limit is {textlimits.PLAN_TERMS}. Nothing has been cut.")
        problem = next((p for p in problems if p), None)
        if problem:
            raise ValueError(problem)
        plan.append({"name": row_name, "terms": terms})
    search = textlimits.normalise_newlines(form.get("search", "")).strip()
    too_long = textlimits.too_long("Your search", search, textlimits.SEARCH)
    if too_long:
        raise ValueError(too_long)
    if not search and not any(row["name"] or row["terms"] for row in plan):
        return None
    return {"syntax": syntax or allowed_syntaxes(spec)[0], "plan": plan, "search": search}


def other_syntax(syntax: str) -> str:
    return next(s for s in SYNTAXES if s != syntax)


def translation_of(parsed: ParsedSearch):
    """The search in the other syntax, when it is valid; else None."""
    if not parsed.ok:
        return None
    return translate(parsed, other_syntax(parsed.syntax))


SEVERITY_WORDS = {"error": "Error", "warning": "Warning", "advice": "Tip"}


def plain_message(message: str) -> str:
    """A check's message as plain text (for a text file or a spoken status): quoted search text in quotation
    marks instead of Markdown backticks."""
    return re.sub(r"`([^`]*)`", r"“\1”", message)


def finding_lines(findings) -> list[str]:
    """The checks as numbered plain-text lines, in the order and words the page shows them."""
    return [f"  {n}. {SEVERITY_WORDS.get(f.severity, f.severity)}{f', line {f.line}' if f.line else ''}: "
            f"{plain_message(f.message)}" for n, f in enumerate(findings, 1)]


DATABASES = {"pubmed": ("MEDLINE", "PubMed (National Library of Medicine)"),
             "ovid": ("Ovid MEDLINE(R) ALL", "Ovid")}


def appendix(title: str, syntax: str, search: str, plan: list[tuple[str, list[str]]], question: str = "",
             database: str = "", platform: str = "", searched_on: date | None = None, hits: dict[int, str] | None = None,
             limits: str = "", notes: str = "", findings: list | None = None) -> str:
    """A search strategy written up for an appendix, in the way PRISMA-S asks searches to be reported.

    `findings` are the checks the page showed beside the search (so the file and the page agree); without
    them, the syntax checks alone."""
    parsed = parse_search(search, syntax)
    default_database, default_platform = DATABASES[syntax]
    hits = hits or {}
    lines = [title, "=" * len(title), ""]
    if question:
        lines += ["Question: " + " ".join(question.split()), ""]
    lines += [f"Database: {database or default_database}", f"Platform: {platform or default_platform}",
              f"Date searched: {searched_on.isoformat() if searched_on else 'not recorded'}",
              f"Search syntax: {SYNTAXES[syntax]}", ""]
    used_rows = [(name, terms) for name, terms in plan if name or terms]
    if used_rows:
        lines.append("Concepts")
        for n, (name, terms) in enumerate(used_rows, 1):
            lines.append(f"  {n}. {name or 'Unnamed concept'}: {'; '.join(terms) if terms else '(no terms listed)'}")
        lines.append("")
    width = max((len(line.text) for line in parsed.lines), default=6)
    lines.append(f"{'#':>3}  {'Search':<{width}}  Results")
    for line in parsed.lines:
        lines.append(f"{line.number:>3}  {line.text:<{width}}  {hits.get(line.number, '')}".rstrip())
    lines += ["", f"Limits and filters: {limits or 'none'}"]
    if notes:
        lines += ["", "Notes: " + notes.strip()]
    findings = parsed.findings if findings is None else findings
    errors = [f for f in findings if f.severity == "error"]
    lines += ["", f"Syntax check: {len(errors)} error(s) remain." if errors
              else f"Syntax check: valid {SYNTAXES[syntax]} syntax."]
    if findings:
        lines += ["", "Checks", *finding_lines(findings)]
    return "\n".join(lines) + "\n"
