"""A course's files as a {path: bytes} mapping: folders, zips, diffs and making a local copy's keys its own.

Plain functions of plain values; the services keep the mappings in the database.
"""
from __future__ import annotations

import difflib
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from ..core.yamlfile import LineDict, load_yaml
from ..courses.loader import MODULE_FILE, split_front_matter
from .svg import sanitise_svg

COURSE_FILE = "course.yaml"
#: limits on an uploaded zip, checked before anything is unpacked
MAX_FILES = 400
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 40 * 1024 * 1024
#: a path inside a course folder: plain names, at most three levels
SAFE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*){0,2}$")
#: a fixed time for every zip entry, so the same files always make the same zip
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
#: files that operating systems add to folders and zips, never part of a course
JUNK = re.compile(r"(^|/)(__MACOSX|\.DS_Store|Thumbs\.db|desktop\.ini)(/|$)")


class FilesError(ValueError):
    """A zip or folder that cannot be a course folder; the message names the file and the problem."""


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def is_safe_path(path: str) -> bool:
    """Whether `path` is a plain relative path inside a course folder (no "..", no absolute path)."""
    return bool(SAFE_PATH.match(path)) and ".." not in path.split("/") and len(path) <= 255


def module_paths(files) -> list[str]:
    """The module files (NN-slug.md at the top of the folder), in order."""
    return sorted(p for p in files if "/" not in p and MODULE_FILE.match(p))


def is_text(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in content


# Folders and zips ------------------------------------------------------------------------------

def read_folder(folder: Path | str) -> dict[str, bytes]:
    """Every file under `folder`, by its path relative to the folder."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def write_folder(files: dict[str, bytes], folder: Path | str) -> Path:
    """Write the files into `folder` (created if need be); returns the folder."""
    folder = Path(folder)
    for path, content in files.items():
        if not is_safe_path(path):
            raise FilesError(f"{path}: not a plain path inside the course folder")
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def to_zip(files: dict[str, bytes], slug: str) -> bytes:
    """A zip of the course folder: one top folder named after the slug, the same bytes for the same files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{slug}/{path}", ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


def from_zip(data: bytes) -> tuple[str, dict[str, bytes]]:
    """(folder name, files) from a zip of one course folder.

    :raises FilesError: not a zip, more than one top folder, a path outside the folder, a link, too many or
        too large files; the message names the file.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise FilesError("the upload is not a zip file") from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir() and not JUNK.search(info.filename)]
        if not entries:
            raise FilesError("the zip is empty")
        if len(entries) > MAX_FILES:
            raise FilesError(f"the zip holds {len(entries)} files; a course folder may hold at most {MAX_FILES}")
        total = 0
        tops = set()
        for info in entries:
            name = info.filename
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise FilesError(f"{name}: links are not allowed in a course zip")
            parts = PurePosixPath(name).parts
            if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or re.match(r"^[A-Za-z]:", name):
                raise FilesError(f"{name}: the path leads outside the course folder")
            if info.file_size > MAX_FILE_BYTES:
                raise FilesError(f"{name}: {info.file_size:,} bytes; a file may have at most {MAX_FILE_BYTES:,}")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise FilesError(f"the files in the zip come to more than {MAX_TOTAL_BYTES:,} bytes")
            tops.add(parts[0] if len(parts) > 1 else "")
        if tops == {""} or len(tops) != 1:
            # Files at the top of the zip: accept them as the course folder itself only if course.yaml is there.
            if "" in tops and any(info.filename == COURSE_FILE for info in entries):
                top = ""
            else:
                raise FilesError("the zip must hold one course folder (named after the course's slug) with "
                                 "course.yaml inside it")
        else:
            top = tops.pop()
        files: dict[str, bytes] = {}
        for info in entries:
            path = info.filename[len(top) + 1:] if top else info.filename
            if not is_safe_path(path):
                raise FilesError(f"{info.filename}: file names may use only letters, digits, '.', '-' and '_', "
                                 "at most three folders deep")
            with archive.open(info) as handle:
                content = handle.read(MAX_FILE_BYTES + 1)
            if len(content) > MAX_FILE_BYTES:
                raise FilesError(f"{info.filename}: larger than {MAX_FILE_BYTES:,} bytes")
            files[path] = content
        if COURSE_FILE not in files:
            raise FilesError(f"{top or 'the zip'}: course.yaml is missing; every course folder needs one")
    return top, files


# Diffs -----------------------------------------------------------------------------------------

@dataclass
class FileDiff:
    path: str
    #: "added", "removed" or "changed"
    status: str
    #: unified diff lines (without line ends); empty for a binary file
    lines: list[str] = field(default_factory=list)
    is_binary: bool = False

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.startswith("+") and not line.startswith("+++"))

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.startswith("-") and not line.startswith("---"))


def diff_text(old: str, new: str, path: str, context: int = 3) -> list[str]:
    return [line.rstrip("\n") for line in difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}", n=context)]


def diff(old: dict[str, bytes], new: dict[str, bytes]) -> list[FileDiff]:
    """What changed from `old` to `new`, file by file, in path order."""
    changes = []
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        status = "added" if before is None else "removed" if after is None else "changed"
        if all(is_text(c) for c in (before, after) if c is not None):
            lines = diff_text((before or b"").decode(), (after or b"").decode(), path)
            changes.append(FileDiff(path, status, lines))
        else:
            changes.append(FileDiff(path, status, is_binary=True))
    return changes


def _hunks(base: list[str], other: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Changes from `base` to `other` as (start, end) in base lines and the lines that replace them."""
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [(i1, i2, tuple(other[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def merge3(base: str, mine: str, theirs: str) -> str | None:
    """Both sides' changes to `base` applied together, or None where they overlap or touch (an author decides)."""
    base_lines = base.splitlines(keepends=True)
    hunks = set(_hunks(base_lines, mine.splitlines(keepends=True))) | set(
        _hunks(base_lines, theirs.splitlines(keepends=True)))
    merged: list[str] = []
    position, after_change = 0, False
    for start, end, lines in sorted(hunks):
        if start < position or (start == position and after_change):
            return None
        merged += base_lines[position:start] + list(lines)
        position, after_change = end, True
    return "".join(merged + base_lines[position:])


# Local copies ----------------------------------------------------------------------------------

def _rewrite_line(lines: list[str], number: int, name: str, old: str, new: str) -> None:
    """Replace the value `old` of field `name` on line `number` (1-based) with `new`, quoting kept."""
    pattern = re.compile(r"(\b" + re.escape(name) + r"\s*:\s*)(['\"]?)" + re.escape(old) + r"\2(?=\s*(?:[,}#]|$))")
    line = lines[number - 1]
    replaced, count = pattern.subn(lambda m: m.group(1) + m.group(2) + new + m.group(2), line, count=1)
    if count:
        lines[number - 1] = replaced


def _yaml_value(text: str) -> str:
    """A YAML scalar for `text` on one line."""
    if re.match(r"^[A-Za-z0-9][A-Za-z0-9 ,.()'-]*$", text) and not text.endswith(" "):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def localise_course_yaml(text: str, new_slug: str, title: str | None = None) -> str:
    """course.yaml with its slug (and, if given, title) replaced, the rest of the file as it was."""
    data, problems = load_yaml(text, COURSE_FILE)
    if problems or not isinstance(data, LineDict):
        return text
    lines = text.splitlines(keepends=True)
    for name, value in (("slug", new_slug), ("title", title)):
        if value is None:
            continue
        if name in data:
            number = data.line_of(name)
            ending = "\n" if lines[number - 1].endswith("\n") else ""
            # A value that runs over several lines (a folded title) is replaced as a whole.
            end = number
            while end < len(lines) and lines[end].startswith((" ", "\t")) and lines[end].strip():
                end += 1
            lines[number - 1:end] = [f"{name}: {_yaml_value(value)}{ending}"]
            data, _ = load_yaml("".join(lines), COURSE_FILE)
        else:
            lines.insert(0, f"{name}: {_yaml_value(value)}\n")
            data, _ = load_yaml("".join(lines), COURSE_FILE)
    return "".join(lines)


def localise_keys(text: str, key_prefix: str) -> str:
    """A quiz or assessment file with its own key and its questions' keys prefixed with `key_prefix`."""
    data, problems = load_yaml(text, "quiz.yaml")
    if problems or not isinstance(data, LineDict):
        return text
    lines = text.splitlines(keepends=True)
    targets = []
    if isinstance(data.get("key"), str):
        targets.append((data.line_of("key"), data["key"]))
    for list_name in ("questions", "items"):
        for item in data.get(list_name) or []:
            if isinstance(item, LineDict) and isinstance(item.get("key"), str):
                targets.append((item.line_of("key"), item["key"]))
    for number, key in targets:
        _rewrite_line(lines, number, "key", key, prefixed(key, key_prefix))
    return "".join(lines)


def prefixed(key: str, key_prefix: str) -> str:
    return f"{key_prefix}.{key}"


def key_files(files) -> list[str]:
    """The quiz and assessment files: every YAML file besides course.yaml and the glossary."""
    return sorted(p for p in files if p.endswith((".yaml", ".yml")) and p not in (COURSE_FILE, "glossary.yaml"))


def localise_file(path: str, content: bytes, new_slug: str, key_prefix: str, title: str | None = None) -> bytes:
    """One file of a shipped course as it belongs in a local copy (an SVG sanitised, as every stored SVG is).

    :raises SvgError: an SVG that cannot be read.
    """
    if path.lower().endswith(".svg"):
        return sanitise_svg(content)
    if path == COURSE_FILE:
        return localise_course_yaml(content.decode("utf-8"), new_slug, title).encode("utf-8")
    if path in key_files([path]) and is_text(content):
        return localise_keys(content.decode("utf-8"), key_prefix).encode("utf-8")
    return content


def localise(files: dict[str, bytes], new_slug: str, key_prefix: str, title: str | None = None) -> dict[str, bytes]:
    """The files of a course made into another course: its slug (and title), and every question, quiz and
    assessment key prefixed, so that nothing in the copy collides with the course it was copied from."""
    return {path: localise_file(path, content, new_slug, key_prefix, title) for path, content in files.items()}


# Modules ---------------------------------------------------------------------------------------

def module_title(text: str) -> str:
    """The title in a module file's front matter ("" if none)."""
    front, _, _ = split_front_matter(text)
    if front is None:
        return ""
    data, problems = load_yaml(front, "module")
    return str(data.get("title") or "") if not problems and isinstance(data, LineDict) else ""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")


def rename_links(text: str, renames: dict[str, str]) -> str:
    """Markdown links to module files renamed (old file name -> new), anchors kept."""
    if not renames:
        return text
    pattern = re.compile(r"(\]\(\s*)(" + "|".join(re.escape(old) for old in renames) + r")(?=[#)\s])")
    return pattern.sub(lambda m: m.group(1) + renames[m.group(2)], text)


def renumbered(order: list[str]) -> dict[str, str]:
    """{old name: new name} for module files put in `order`, numbered 01, 02 ... (only those that change)."""
    renames = {}
    for position, name in enumerate(order, 1):
        slug = MODULE_FILE.match(name).group(2)
        new = f"{position:02d}-{slug}.md"
        if new != name:
            renames[name] = new
    return renames


def module_meta(text: str) -> dict:
    """A module file's front matter; empty when it has none or it does not parse."""
    front, _, _ = split_front_matter(text or "")
    try:
        meta = yaml.safe_load(front) if front else {}
    except yaml.YAMLError:
        meta = {}
    return meta if isinstance(meta, dict) else {}


def with_quiz(text: str, quiz_path: str) -> str:
    """A module file whose front matter names `quiz_path` as its quiz; the body is left as it was."""
    front, body, _ = split_front_matter(text)
    meta = module_meta(text)
    meta["quiz"] = quiz_path
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100) + "---\n" + \
        (body if front is not None else text)
