"""Course folders -> validated definitions, with every problem named by file and line."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown

from ..core.yamlfile import LineDict, Problem, load_yaml
from ..quizzes.files import QuestionDefinition, QuizDefinition, read_questions, read_quiz_file

ACRL_FRAMES = {"authority-is-constructed-and-contextual", "information-creation-as-a-process", "information-has-value",
               "research-as-inquiry", "scholarship-as-conversation", "searching-as-strategic-exploration"}
SCONUL_PILLARS = {"identify", "scope", "plan", "gather", "evaluate", "manage", "present"}
COURSE_FIELDS = {"slug", "title", "summary", "description", "topics", "audience", "level", "minutes", "pretest",
                 "delayed_post_weeks",
                 "assessment", "outcomes", "reading"}
MODULE_FIELDS = {"title", "minutes", "outcomes", "quiz", "required", "aims"}
RESERVED_SLUGS = {"certificate", "progress", "files", "start", "tests", "results", "glossary"}
GLOSSARY_FILE = "glossary.yaml"
MODULE_FILE = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.md$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TARGET = r"([^()\s]+(?:\([^()\s]*\)[^()\s]*)*)"  # a URL, allowing balanced parentheses inside
IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*" + TARGET + r"[^)]*\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*" + TARGET + r"[^)]*\)")
RAW_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>")
#: the one piece of HTML a module may use: <dfn>term</dfn>, or <dfn title="term">other words</dfn>
DEFINITION = re.compile(r'<dfn(?:\s+title="([^"<>]+)")?>(.*?)</dfn>', re.S)


def _tagless(match: re.Match) -> str:
    """A definition without its tags (its line breaks kept, so later line numbers stay right)."""
    return match.group(2)
IMAGE_TYPES = {".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif"}


@dataclass
class OutcomeDefinition:
    code: str
    text: str
    acrl: list[str]
    sconul: list[str]


@dataclass
class ConfidenceItem:
    key: str
    outcome: str
    statement: str
    line: int = 0


@dataclass
class AssessmentDefinition:
    key: str
    title: str
    items: list[QuestionDefinition]
    confidence: list[ConfidenceItem]
    #: where it was read from, and the lines of its items and confidence lists
    filename: str = ""
    line: int = 1
    items_line: int = 1
    confidence_line: int = 1


@dataclass
class GlossaryEntry:
    term: str
    definition: str
    line: int
    #: the module that defines the term with <dfn> (its slug), filled in once every module is read
    module: str = ""

    @property
    def anchor(self) -> str:
        return term_anchor(self.term)


def term_anchor(term: str) -> str:
    """The fragment id of a term, on the glossary page and (prefixed with "term-") in its module."""
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-") or "term"


def defined_term(title: str | None, text: str) -> str:
    """The glossary term a <dfn> defines: its title if it has one, else its text without markup."""
    return " ".join(re.sub(r"<[^>]*>|[*_`]", "", title or text).split())


@dataclass
class ModuleDefinition:
    slug: str
    position: int
    title: str
    minutes: int
    outcomes: list[str]
    required: bool
    markdown: str
    filename: str
    quiz: QuizDefinition | None = None
    #: what the learner will do in this module, each completing "In this module you will ..."
    aims: list[str] = field(default_factory=list)
    #: terms this module defines with <dfn>, lower-cased, with the line of each
    defines: dict[str, int] = field(default_factory=dict)

    @property
    def word_count(self) -> int:
        return len(re.findall(r"[A-Za-z0-9\u00C0-\u024F'’-]+", self.markdown))


@dataclass
class CourseDefinition:
    slug: str
    title: str
    summary: str
    description: str
    topics: list[str]
    audience: list[str]
    level: str
    minutes: int
    pretest: str
    outcomes: list[OutcomeDefinition]
    reading: list[dict]
    folder: Path
    delayed_post_weeks: int = 0
    modules: list[ModuleDefinition] = field(default_factory=list)
    assessment: AssessmentDefinition | None = None
    glossary: list[GlossaryEntry] = field(default_factory=list)
    content_hash: str = ""


def _strings(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Returns (front matter YAML or None, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 2
    return None, text, 1


def heading_ids(markdown_text: str) -> set[str]:
    renderer = markdown.Markdown(extensions=["extra", "toc"])
    renderer.convert(markdown_text)
    ids = set()

    def walk(tokens):
        for token in tokens:
            ids.add(token["id"])
            walk(token["children"])

    walk(renderer.toc_tokens)
    return ids | set(re.findall(r"\[\^([^\]]+)\]:", markdown_text))


def _outside_code(body: str):
    """Yield (line number offset, line) for lines outside fenced code blocks, with inline code removed."""
    fenced = False
    for offset, line in enumerate(body.splitlines()):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced and not line.startswith("    " * 2):
            yield offset, re.sub(r"`[^`]*`", "", line)


class CourseReader:
    def __init__(self, folder: Path, seen_keys: dict | None = None):
        self.folder = folder
        self.root = folder.parent
        self.problems: list[Problem] = []
        self.seen_keys = {} if seen_keys is None else seen_keys

    def name(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def report(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(self.name(path), line, message))

    def read(self) -> CourseDefinition | None:
        course_file = self.folder / "course.yaml"
        if not course_file.is_file():
            self.report(course_file, 1, "course.yaml is missing: every course folder needs one")
            return None
        data, problems = load_yaml(course_file.read_text("utf-8"), self.name(course_file))
        self.problems += problems
        if problems:
            return None
        if not isinstance(data, LineDict):
            self.report(course_file, 1, "course.yaml must be a mapping with slug, title, outcomes ...")
            return None
        course = self._course(course_file, data)
        outcome_codes = {o.code for o in course.outcomes}
        module_files = sorted(p for p in self.folder.glob("*.md") if p.name.lower() != "readme.md")
        slugs = {}
        for path in module_files:
            match = MODULE_FILE.match(path.name)
            if not match:
                self.report(path, 1, "module files are named NN-slug.md, e.g. 03-boolean-logic.md")
                continue
            if match.group(2) in RESERVED_SLUGS:
                self.report(path, 1, f"'{match.group(2)}' is a reserved word; give the module another slug")
                continue
            if match.group(2) in slugs:
                self.report(path, 1, f"module slug '{match.group(2)}' is used by {slugs[match.group(2)]} too")
                continue
            slugs[match.group(2)] = path.name
        for path in module_files:
            if MODULE_FILE.match(path.name) and slugs.get(MODULE_FILE.match(path.name).group(2)) == path.name:
                module = self._module(path, len(course.modules) + 1, outcome_codes, set(slugs.values()))
                if module:
                    course.modules.append(module)
        if not course.modules:
            self.report(course_file, 1, "the course has no modules (files named 01-slug.md, 02-slug.md ...)")
        course.glossary = self._glossary(course.modules)
        course.assessment = self._assessment(data, course_file, outcome_codes)
        course.content_hash = self._hash()
        return course

    def _course(self, path: Path, data: LineDict) -> CourseDefinition:
        for name in sorted(set(data) - COURSE_FIELDS, key=str):
            self.report(path, data.line_of(name), f"unknown field '{name}'")
        for name in ("slug", "title", "summary"):
            if not str(data.get(name) or "").strip():
                self.report(path, data.line_of(name), f"{name} is missing")
        slug = str(data.get("slug") or "")
        if slug and slug != self.folder.name:
            self.report(path, data.line_of("slug"), f"slug '{slug}' must match the folder name '{self.folder.name}'")
        elif slug and not SLUG.match(slug):
            self.report(path, data.line_of("slug"), "slug may contain only lower-case letters, digits and hyphens")
        pretest = data.get("pretest", "none")
        if pretest not in ("required", "optional", "none"):
            self.report(path, data.line_of("pretest"), "pretest must be required, optional or none")
        delayed = data.get("delayed_post_weeks", 0)
        if not isinstance(delayed, int) or isinstance(delayed, bool) or not 0 <= delayed <= 104:
            self.report(path, data.line_of("delayed_post_weeks"),
                        "delayed_post_weeks must be a whole number of weeks from 0 (none) to 104")
            delayed = 0
        minutes = data.get("minutes", 0)
        if not isinstance(minutes, int) or minutes < 0:
            self.report(path, data.line_of("minutes"), "minutes must be a whole number")
            minutes = 0
        outcomes = []
        raw_outcomes = data.get("outcomes")
        if not isinstance(raw_outcomes, list) or not raw_outcomes:
            self.report(path, data.line_of("outcomes"), "list at least one learning outcome (code and text)")
            raw_outcomes = []
        codes = set()
        for item in raw_outcomes:
            if not isinstance(item, LineDict) or not item.get("code") or not item.get("text"):
                self.report(path, getattr(item, "line", data.line_of("outcomes")), "each outcome needs a code and a text")
                continue
            code = str(item["code"])
            if code in codes:
                self.report(path, item.line_of("code"), f"outcome code '{code}' is used twice")
            codes.add(code)
            for name, known in (("acrl", ACRL_FRAMES), ("sconul", SCONUL_PILLARS)):
                for value in _strings(item.get(name)):
                    if value not in known:
                        self.report(path, item.line_of(name), f"outcome {code}: unknown {name.upper()} id '{value}' "
                                                              f"(known: {', '.join(sorted(known))})")
            outcomes.append(OutcomeDefinition(code, str(item["text"]).strip(), _strings(item.get("acrl")),
                                              _strings(item.get("sconul"))))
        reading = []
        for item in data.get("reading") or []:
            if not isinstance(item, LineDict) or not item.get("citation"):
                self.report(path, getattr(item, "line", data.line_of("reading")), "each reading needs a citation")
                continue
            url = str(item.get("url") or "")
            if url and not url.startswith(("https://", "http://")):
                self.report(path, item.line_of("url"), "a reading's url must start with https:// or http://")
            reading.append({"citation": str(item["citation"]), "url": url, "note": str(item.get("note") or "")})
        return CourseDefinition(
            slug=slug, title=str(data.get("title") or ""), summary=str(data.get("summary") or "").strip(),
            description=str(data.get("description") or ""), topics=_strings(data.get("topics")),
            audience=_strings(data.get("audience")), level=str(data.get("level") or "introductory"),
            minutes=minutes, pretest=pretest if pretest in ("required", "optional", "none") else "none",
            outcomes=outcomes, reading=reading, folder=self.folder, delayed_post_weeks=delayed,
        )

    def _module(self, path: Path, position: int, outcome_codes: set[str], module_files: set[str]):
        text = path.read_text("utf-8")
        front, body, body_line = split_front_matter(text)
        if front is None:
            self.report(path, 1, "the module needs front matter between --- lines (title, minutes, outcomes)")
            return None
        meta, problems = load_yaml(front, self.name(path), first_line=2)
        self.problems += problems
        if problems:
            return None
        if not isinstance(meta, LineDict):
            self.report(path, 2, "the front matter must be a mapping: title, minutes, outcomes, quiz")
            return None
        for name in sorted(set(meta) - MODULE_FIELDS, key=str):
            self.report(path, meta.line_of(name), f"unknown front matter field '{name}'")
        if not str(meta.get("title") or "").strip():
            self.report(path, meta.line, "the module has no title")
        codes = _strings(meta.get("outcomes"))
        for code in codes:
            if code not in outcome_codes:
                self.report(path, meta.line_of("outcomes"), f"unknown outcome code '{code}' "
                                                            f"(course outcomes: {', '.join(sorted(outcome_codes))})")
        quiz = None
        if meta.get("quiz"):
            quiz_path = (self.folder / str(meta["quiz"])).resolve()
            if not quiz_path.is_relative_to(self.folder.resolve()) or not quiz_path.is_file():
                self.report(path, meta.line_of("quiz"), f"quiz file '{meta['quiz']}' not found")
            else:
                quiz, problems = read_quiz_file(quiz_path, outcome_codes, self.seen_keys,
                                                self.name(self.folder / str(meta["quiz"])))
                self.problems += problems
                if quiz is not None:
                    self._place_images(quiz_path, quiz.questions)
        defines = self._check_body(path, body, body_line, module_files)
        minutes = meta.get("minutes", 0)
        return ModuleDefinition(
            slug=MODULE_FILE.match(path.name).group(2), position=position, title=str(meta.get("title") or ""),
            minutes=minutes if isinstance(minutes, int) else 0, outcomes=codes,
            required=meta.get("required", True) is not False, markdown=body, filename=path.name, quiz=quiz,
            aims=self._aims(path, meta), defines=defines,
        )

    def _aims(self, path: Path, meta: LineDict) -> list[str]:
        if "aims" not in meta:
            return []
        aims = meta.get("aims")
        if not isinstance(aims, list) or not aims or not all(isinstance(a, str) and a.strip() for a in aims):
            self.report(path, meta.line_of("aims"), 'aims must be a list of sentences completing "In this module '
                                                    'you will ...", e.g. ["choose a framework that fits"]')
            return []
        return [" ".join(a.split()).rstrip(".") for a in aims]

    def _place_images(self, path: Path, questions) -> None:
        """Check the images a question's source shows, and point them at the course's files on the site."""
        for question in questions:
            source = question.data.spec.get("source") if isinstance(question.data.spec, dict) else None
            if not isinstance(source, dict) or not source.get("image"):
                continue
            src = str(source["image"])
            target = (self.folder / src).resolve()
            if src.startswith(("http://", "https://")):
                self.report(path, question.line, f"question '{question.key}': image '{src}' is on another site: ship it in images/")
            elif not src.startswith("images/") or not target.is_relative_to(self.folder.resolve()) or not target.is_file():
                self.report(path, question.line, f"question '{question.key}': image '{src}' not found in the course's images/")
            elif target.suffix.lower() not in IMAGE_TYPES:
                self.report(path, question.line, f"question '{question.key}': image '{src}' is not an image type")
            else:
                source["image"] = f"/courses/{self.folder.name}/files/{src}"

    def _check_body(self, path: Path, body: str, first_line: int, module_files: set[str]) -> dict[str, int]:
        """Report bad images, links and HTML; return the terms the module defines with <dfn>, with their lines."""
        defines: dict[str, int] = {}
        for match in DEFINITION.finditer(body):
            number = first_line + body.count("\n", 0, match.start())
            term = defined_term(match.group(1), match.group(2))
            if not term:
                self.report(path, number, "<dfn></dfn> defines nothing: put the term inside it")
            elif term.lower() in defines:
                self.report(path, number, f"'{term}' is defined twice in this module (first on line "
                                          f"{defines[term.lower()]}): use <dfn> only where it is defined")
            else:
                defines[term.lower()] = number
        # The definitions' tags are allowed; every other tag is reported below.
        body = DEFINITION.sub(_tagless, body)
        for offset, line in _outside_code(body):
            number = first_line + offset
            for alt, src in IMAGE.findall(line):
                if not alt.strip():
                    self.report(path, number, f"image '{src}' has no alt text: say what it shows in ![...]")
                target = (self.folder / src).resolve()
                if src.startswith(("http://", "https://")):
                    self.report(path, number, f"image '{src}' is on another site: ship it in images/")
                elif not target.is_relative_to(self.folder.resolve()) or not target.is_file():
                    self.report(path, number, f"image '{src}' not found")
                elif target.suffix.lower() not in IMAGE_TYPES:
                    self.report(path, number, f"image '{src}' is not an image type ({', '.join(sorted(IMAGE_TYPES))})")
            for href in LINK.findall(line):
                self._check_link(path, number, href, module_files)
            if RAW_TAG.search(line):
                self.report(path, number, "raw HTML is not allowed in modules (it is removed when shown): use "
                                          'Markdown, and <dfn>term</dfn> or <dfn title="term">words</dfn> for a definition')
        return defines

    def _glossary(self, modules: list[ModuleDefinition]) -> list[GlossaryEntry]:
        """glossary.yaml: every <dfn> term has one entry, and every entry is defined in exactly one module."""
        path = self.folder / GLOSSARY_FILE
        defined_in: dict[str, list[tuple[ModuleDefinition, int]]] = {}
        for module in modules:
            for term, line in module.defines.items():
                defined_in.setdefault(term, []).append((module, line))
        entries: list[GlossaryEntry] = []
        if path.is_file():
            raw, problems = load_yaml(path.read_text("utf-8"), self.name(path))
            self.problems += problems
            if not problems and not isinstance(raw, list):
                self.report(path, 1, "the glossary must be a list of entries, each with term and definition")
            for item in raw if not problems and isinstance(raw, list) else []:
                if not isinstance(item, LineDict) or not str(item.get("term") or "").strip() \
                        or not str(item.get("definition") or "").strip():
                    self.report(path, getattr(item, "line", 1), "each glossary entry needs a term and a definition")
                    continue
                for name in sorted(set(item) - {"term", "definition"}, key=str):
                    self.report(path, item.line_of(name), f"unknown field '{name}'")
                entry = GlossaryEntry(" ".join(str(item["term"]).split()), str(item["definition"]).strip(), item.line)
                if any(e.term.lower() == entry.term.lower() for e in entries):
                    self.report(path, entry.line, f"'{entry.term}' has two entries in the glossary")
                    continue
                places = defined_in.get(entry.term.lower(), [])
                if not places:
                    self.report(path, entry.line, f"'{entry.term}' is not defined in any module: mark the sentence "
                                                  f"that defines it with <dfn>{entry.term}</dfn>")
                elif len(places) > 1:
                    where = ", ".join(f"{m.filename}:{line}" for m, line in places)
                    self.report(path, entry.line, f"'{entry.term}' is defined in more than one module ({where}): "
                                                  "keep <dfn> at the first use only")
                else:
                    entry.module = places[0][0].slug
                entries.append(entry)
        known = {e.term.lower() for e in entries}
        for term, places in defined_in.items():
            if term not in known:
                for module, line in places:
                    self.report(self.folder / module.filename, line,
                                f"'{term}' is marked with <dfn> but has no entry in {GLOSSARY_FILE}")
        return sorted(entries, key=lambda e: e.term.lower())

    def _check_link(self, path: Path, number: int, href: str, module_files: set[str]) -> None:
        if href.startswith(("https://", "http://", "mailto:")):
            return
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href):
            self.report(path, number, f"link '{href}' uses a scheme that is not allowed (use https://)")
            return
        target, _, anchor = href.partition("#")
        if not target:
            target_file = path
        elif target in module_files:
            target_file = self.folder / target
        else:
            self.report(path, number, f"broken link '{href}': no module file '{target}' in this course")
            return
        if anchor and anchor not in heading_ids(split_front_matter(target_file.read_text("utf-8"))[1]):
            self.report(path, number, f"broken link '{href}': no heading with the anchor '#{anchor}'")

    def _assessment(self, data: LineDict, course_file: Path, outcome_codes: set[str]):
        name = data.get("assessment")
        if not name:
            return None
        path = self.folder / str(name)
        if not path.is_file():
            self.report(course_file, data.line_of("assessment"), f"assessment file '{name}' not found")
            return None
        raw, problems = load_yaml(path.read_text("utf-8"), self.name(path))
        self.problems += problems
        if problems or not isinstance(raw, LineDict):
            if not problems:
                self.report(path, 1, "the assessment must be a mapping with key, title, items")
            return None
        for field_name in sorted(set(raw) - {"key", "title", "items", "confidence"}, key=str):
            self.report(path, raw.line_of(field_name), f"unknown field '{field_name}'")
        if not raw.get("key"):
            self.report(path, raw.line, "the assessment has no key")
        items, problems = read_questions(raw.get("items"), self.name(path), raw.line_of("items"), outcome_codes,
                                         self.seen_keys)
        self.problems += problems
        self._place_images(path, items)
        forms = {item.form for item in items if item.form}
        if forms and forms != {"A", "B"}:
            self.report(path, raw.line_of("items"), "parallel forms need items for both form A and form B")
        elif forms and sum(i.form == "A" for i in items) != sum(i.form == "B" for i in items):
            self.report(path, raw.line_of("items"), "forms A and B must have the same number of items")
        covered = {item.data.outcome for item in items}
        for code in sorted(outcome_codes - covered):
            self.report(path, raw.line_of("items"), f"no item covers outcome {code}")
        confidence = []
        for item in raw.get("confidence") or []:
            if not isinstance(item, LineDict) or not all(item.get(k) for k in ("key", "outcome", "statement")):
                self.report(path, getattr(item, "line", raw.line), "a confidence item needs key, outcome and statement")
                continue
            if str(item["outcome"]) not in outcome_codes:
                self.report(path, item.line_of("outcome"), f"unknown outcome code '{item['outcome']}'")
            confidence.append(ConfidenceItem(str(item["key"]), str(item["outcome"]), str(item["statement"]), item.line))
        return AssessmentDefinition(str(raw.get("key") or ""), str(raw.get("title") or ""), items, confidence,
                                    self.name(path), raw.line, raw.line_of("items"),
                                    raw.line_of("confidence") if "confidence" in raw else raw.line)

    def _hash(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(self.folder)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


def read_course(folder: Path | str, seen_keys: dict | None = None) -> tuple[CourseDefinition | None, list[Problem]]:
    reader = CourseReader(Path(folder), seen_keys)
    course = reader.read()
    return course, sorted(reader.problems)


def course_folders(path: Path | str) -> list[Path]:
    """A single course folder, or every course folder inside a folder of courses."""
    path = Path(path)
    if (path / "course.yaml").is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def read_courses(path: Path | str) -> list[tuple[Path, CourseDefinition | None, list[Problem]]]:
    """Read every course under `path`; question keys must be unique across all of them."""
    seen: dict = {}
    return [(folder, *read_course(folder, seen)) for folder in course_folders(path)]
