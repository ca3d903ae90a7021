"""Course files as mappings: zips, diffs, local copies' keys, renumbering modules; and the SVG sanitiser."""
import io
import zipfile
from pathlib import Path

import pytest

from lit_platform.authoring import files
from lit_platform.authoring.svg import SvgError, sanitise_svg
from lit_platform.courses.loader import read_course

SHIPPED = Path(__file__).resolve().parents[2] / "courses"


def test_a_zip_of_a_shipped_course_unpacks_to_the_same_files_and_validates(tmp_path):
    shipped = files.read_folder(SHIPPED / "searching")
    data = files.to_zip(shipped, "searching")
    assert data == files.to_zip(dict(shipped), "searching")  # the same files make the same zip
    top, unpacked = files.from_zip(data)
    assert top == "searching" and unpacked == shipped
    course, problems = read_course(files.write_folder(unpacked, tmp_path / "searching"))
    original, _ = read_course(SHIPPED / "searching")
    assert problems == [] and course.content_hash == original.content_hash


def zip_of(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("entries, message", [
    ({"x/course.yaml": "a", "x/../../etc/passwd": "b"}, "x/../../etc/passwd: the path leads outside"),
    ({"/abs/course.yaml": "a"}, "/abs/course.yaml: the path leads outside"),
    ({"a/course.yaml": "a", "b/course.yaml": "b"}, "one course folder"),
    ({"x/01-intro.md": "a"}, "course.yaml is missing"),
    ({"x/course.yaml": "a", "x/bad name.md": "b"}, "x/bad name.md: file names may use only"),
    ({"x/course.yaml": "a", "x/big.png": b"0" * (files.MAX_FILE_BYTES + 1)}, "x/big.png: 5,242,881 bytes"),
])
def test_a_bad_zip_is_refused_naming_the_file_and_the_problem(entries, message):
    with pytest.raises(files.FilesError) as error:
        files.from_zip(zip_of(entries))
    assert message in str(error.value)


def test_not_a_zip_and_too_many_files_are_refused():
    with pytest.raises(files.FilesError, match="not a zip"):
        files.from_zip(b"PK but not really")
    many = {f"x/f{n}.md": "" for n in range(files.MAX_FILES + 1)} | {"x/course.yaml": ""}
    with pytest.raises(files.FilesError, match="at most 400"):
        files.from_zip(zip_of(many))


def test_diff_lists_the_changed_lines_of_each_file():
    old = {"01-a.md": b"one\ntwo\nthree\n", "gone.md": b"x\n", "images/a.png": b"\x89PNG\x00"}
    new = {"01-a.md": b"one\n2\nthree\n", "new.md": b"y\n", "images/a.png": b"\x89PNG\x00\x01"}
    changes = {d.path: d for d in files.diff(old, new)}
    assert [(p, d.status) for p, d in changes.items()] == [
        ("01-a.md", "changed"), ("gone.md", "removed"), ("images/a.png", "changed"), ("new.md", "added")]
    assert "-two" in changes["01-a.md"].lines and "+2" in changes["01-a.md"].lines
    assert changes["01-a.md"].added == 1 and changes["01-a.md"].removed == 1
    assert changes["images/a.png"].is_binary and changes["images/a.png"].lines == []


def test_localise_gives_a_copy_its_own_slug_title_and_keys_and_the_loader_accepts_it(tmp_path):
    shipped = files.read_folder(SHIPPED / "searching")
    copy = files.localise(shipped, "searching-ours", "ours", "Searching: our library's way")
    course, problems = read_course(files.write_folder(copy, tmp_path / "searching-ours"))
    assert problems == []
    assert course.slug == "searching-ours" and course.title == "Searching: our library's way"
    original, _ = read_course(SHIPPED / "searching")
    keys = {q.key for m in course.modules if m.quiz for q in m.quiz.questions} | {m.quiz.key for m in course.modules
                                                                                  if m.quiz}
    shipped_keys = {q.key for m in original.modules if m.quiz for q in m.quiz.questions}
    assert keys and not keys & shipped_keys and all(k.startswith("ours.") for k in keys)
    assert course.assessment.key == "ours.searching-prepost"
    assert not {i.key for i in course.assessment.items} & {i.key for i in original.assessment.items}
    # Only the keys and the course's name change, and the images are sanitised: everything else is as shipped.
    changed = [d for d in files.diff(shipped, copy) if not d.path.endswith(".svg")]
    assert all(line[1:].lstrip().startswith(("key:", "- key:", "slug:", "title:")) or "key:" in line
               for d in changed for line in d.lines if line[:1] in "+-" and line[:3] not in ("+++", "---"))


def test_renumbering_and_renaming_links():
    order = ["02-b.md", "01-a.md", "03-c.md"]
    assert files.renumbered(order) == {"02-b.md": "01-b.md", "01-a.md": "02-a.md"}
    text = "See [A](01-a.md#top) and [B](02-b.md), not `01-a.mdx`."
    assert files.rename_links(text, {"02-b.md": "01-b.md", "01-a.md": "02-a.md"}) == \
        "See [A](02-a.md#top) and [B](01-b.md), not `01-a.mdx`."


def test_the_svg_sanitiser_removes_what_runs_or_reaches_outside():
    dirty = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)"
      viewBox="0 0 10 10" role="img"><title>A circle</title>
      <script>alert(2)</script>
      <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
      <a href="https://evil.example/"><circle r="1"/></a>
      <use xlink:href="https://evil.example/x.svg#a"/><use href="#inner"/>
      <image href="https://evil.example/p.png"/>
      <rect id="inner" width="5" height="5" onclick="steal()" style="fill: url(https://evil.example/f); stroke: red"
        fill="url(#grad)"/>
      <circle cx="5" cy="5" r="4" fill="red"/></svg>"""
    clean = sanitise_svg(dirty).decode()
    for gone in ("script", "alert", "onload", "onclick", "foreignObject", "evil.example", "<image", "<a "):
        assert gone not in clean
    assert '<use href="#inner"' in clean and 'fill="url(#grad)"' in clean and "stroke: red" in clean
    assert '<circle cx="5" cy="5" r="4" fill="red"' in clean and "<title>A circle</title>" in clean


@pytest.mark.parametrize("data, message", [
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
     "DOCTYPE"),
    (b"<svg><circle></svg>", "not well-formed"),
    (b"<html><body/></html>", "not an SVG"),
])
def test_the_svg_sanitiser_refuses_entities_and_what_is_not_svg(data, message):
    with pytest.raises(SvgError, match=message):
        sanitise_svg(data)


def test_the_shipped_images_survive_sanitising_with_every_element():
    for path in SHIPPED.glob("*/images/*.svg"):
        original = path.read_bytes()
        clean = sanitise_svg(original)
        assert clean.count(b"<text") == original.count(b"<text") and clean.count(b"<rect") == original.count(b"<rect")


def test_a_three_way_merge_keeps_both_sides_changes_unless_they_overlap():
    base = "one\ntwo\nthree\nfour\nfive\n"
    mine = "one\n2\nthree\nfour\nfive\n"
    theirs = "one\ntwo\nthree\nfour\n5\n"
    assert files.merge3(base, mine, theirs) == "one\n2\nthree\nfour\n5\n"
    assert files.merge3(base, mine, mine) == mine  # the same change on both sides
    assert files.merge3(base, mine, "one\nTWO\nthree\nfour\nfive\n") is None  # the same line changed
    assert files.merge3(base, mine, "one\ntwo\n3\nfour\nfive\n") is None  # neighbouring lines: an author decides
    assert files.merge3(base, "zero\n" + base, base + "six\n") == "zero\n" + base + "six\n"
