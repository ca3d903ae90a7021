"""Module aims and the course glossary: <dfn> in the text, glossary.yaml beside it, both pages linked."""
import re

from .conftest import COURSE_YAML, GLOSSARY, MODULE_ONE, MODULE_TWO, import_folder, write_course
from .test_loader import messages


def test_aims_and_terms_are_read_with_the_module(course_folder):
    from lit_platform.courses.loader import read_course
    course, problems = read_course(course_folder)
    assert problems == []
    assert course.modules[1].aims == ["combine synonyms with OR", "combine concepts with AND"]
    assert [(e.term, e.module, e.anchor) for e in course.glossary] == [
        ("Boolean operator", "boolean", "boolean-operator"), ("focused question", "question", "focused-question")]


def test_a_defined_term_without_an_entry_is_named_with_its_line(tmp_path):
    folder = write_course(tmp_path, **{"01-question.md": MODULE_ONE.replace(
        "A fact with a source.", "A <dfn>search string</dfn> is what you type.")})
    assert ("demo-course/01-question.md", 21, "'search string' is marked with <dfn> but has no entry in glossary.yaml") \
        in messages(folder)


def test_an_entry_no_module_defines_and_a_term_defined_twice(tmp_path):
    folder = write_course(tmp_path, **{
        "glossary.yaml": GLOSSARY + "- term: truncation\n  definition: A symbol that finds word endings.\n",
        "02-boolean.md": MODULE_TWO + "\nA <dfn>focused question</dfn> again.\n"})
    found = messages(folder)
    assert ("demo-course/glossary.yaml", 5, "'truncation' is not defined in any module: mark the sentence that "
            "defines it with <dfn>truncation</dfn>") in found
    assert any(file == "demo-course/glossary.yaml" and line == 3 and "defined in more than one module "
               "(01-question.md:10, 02-boolean.md:13)" in message for file, line, message in found)


def test_bad_aims_and_a_bad_glossary_are_reported(tmp_path):
    folder = write_course(tmp_path, **{
        "02-boolean.md": MODULE_TWO.replace('aims: ["combine synonyms with OR", "combine concepts with AND."]',
                                            "aims: combine terms"),
        "glossary.yaml": "- term: Boolean operator\n- term: focused question\n  definition: x\n  see: y\n"})
    found = messages(folder)
    assert ("demo-course/02-boolean.md", 6, 'aims must be a list of sentences completing "In this module you will ...",'
            ' e.g. ["choose a framework that fits"]') in found
    assert ("demo-course/glossary.yaml", 1, "each glossary entry needs a term and a definition") in found
    assert ("demo-course/glossary.yaml", 4, "unknown field 'see'") in found


def test_a_module_page_says_what_it_is_for_and_links_its_terms_to_the_glossary(app, sign_in, course_folder):
    import_folder(app, write_course(course_folder.parent, **{
        "course.yaml": COURSE_YAML.replace("pretest: optional", "pretest: none")}))
    client, _ = sign_in("learner")
    page = client.get("/courses/demo-course/boolean").get_data(as_text=True)
    aims = re.search(r'<section class="module-aims".*?</section>', page, re.S).group(0)
    assert "In this module you will" in aims
    assert re.findall(r"<li>(.*?)</li>", aims) == ["combine synonyms with OR", "combine concepts with AND"]
    assert ('<dfn id="term-boolean-operator" title="Boolean operator"><a href="/courses/demo-course/glossary'
            '#boolean-operator">Boolean operators</a></dfn>') in page
    # A module without aims of its own shows the course outcomes it serves.
    page = client.get("/courses/demo-course/question").get_data(as_text=True)
    aims = re.search(r'<section class="module-aims".*?</section>', page, re.S).group(0)
    assert re.findall(r"<li>(.*?)</li>", aims) == ["Turn a need into a question."]

    glossary = client.get("/courses/demo-course/glossary").get_data(as_text=True)
    terms = re.findall(r'<dt id="([^"]+)"><dfn>([^<]+)</dfn></dt>', glossary)
    assert terms == [("boolean-operator", "Boolean operator"), ("focused-question", "focused question")]
    assert "A question that names its <strong>people</strong>, topic and outcome." in glossary
    assert 'href="/courses/demo-course/boolean#term-boolean-operator"' in glossary
    assert 'href="/courses/demo-course/glossary"' in client.get("/courses/demo-course").get_data(as_text=True)


def test_a_course_without_a_glossary_has_no_glossary_page(app, sign_in, tmp_path):
    import_folder(app, write_course(tmp_path, **{
        "glossary.yaml": None,
        "01-question.md": MODULE_ONE.replace("A <dfn>focused question</dfn>", "A focused question"),
        "02-boolean.md": MODULE_TWO.replace('<dfn title="Boolean operator">Boolean operators</dfn>', "Boolean operators")}))
    client, _ = sign_in("learner")
    assert client.get("/courses/demo-course/glossary").status_code == 404
    assert "/glossary" not in client.get("/courses/demo-course").get_data(as_text=True)


def test_a_definition_may_wrap_across_lines(tmp_path):
    from lit_platform.courses.loader import read_course
    folder = write_course(tmp_path, **{"01-question.md": MODULE_ONE.replace(
        "A <dfn>focused question</dfn> names", "A <dfn title=\"focused question\">focused\nquestion</dfn> names")})
    course, problems = read_course(folder)
    assert problems == []
    assert course.modules[0].defines == {"focused question": 10}
