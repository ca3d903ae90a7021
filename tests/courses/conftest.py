"""A small course written into a temporary folder, to load, break and import."""
import textwrap
from pathlib import Path

import pytest

COURSE_YAML = """\
slug: demo-course
title: Demo searching
summary: Plan a search that finds what you need.
description: |
  A short course used by the tests.
topics: [searching]
audience: [health, public]
level: introductory
minutes: 40
pretest: optional
assessment: assessment.yaml
outcomes:
  - code: DS1
    text: Turn a need into a question.
    acrl: [research-as-inquiry]
    sconul: [identify]
  - code: DS2
    text: Combine terms with Boolean operators.
    acrl: [searching-as-strategic-exploration]
    sconul: [plan, gather]
reading:
  - citation: "Example Library. Search skills guide. 2024."
    url: https://example.org/guide
    note: A short guide.
"""

MODULE_ONE = """\
---
title: Defining your question
minutes: 15
outcomes: [DS1]
---
[TOC]

## Why a question first

A <dfn>focused question</dfn> names who, what and which result; it saves time. See [Boolean logic](02-boolean.md#combining-terms).

| Element | Meaning |
|---|---|
| P | Population |

!!! tip "Write it down"
    Writing the question down makes gaps obvious.

![A Venn diagram of two overlapping circles](images/venn.svg)

A fact with a source.[^1]

[^1]: Example Library. Search skills guide. 2024.
"""

MODULE_TWO = """\
---
title: Boolean logic
minutes: 25
outcomes: [DS2]
quiz: quizzes/02-boolean.yaml
aims: ["combine synonyms with OR", "combine concepts with AND."]
---
## Combining terms

<dfn title="Boolean operator">Boolean operators</dfn> are the words AND, OR and NOT, which tell a database how
to combine terms. Use OR between synonyms and AND between concepts. Back to [the question](01-question.md).
"""

QUIZ = """\
key: demo-02-check
title: Boolean check
pass_mark: 50
feedback: immediate
questions:
  - key: demo.boolean.or
    type: single_choice
    outcome: DS2
    stem: Which operator broadens a search?
    choices:
      - {text: OR, correct: true, feedback: OR finds either term.}
      - {text: AND, feedback: AND narrows.}
  - key: demo.boolean.truncation
    type: true_false
    outcome: DS2
    stem: AND between synonyms finds more records.
    answer: false
"""

ASSESSMENT = """\
key: demo-prepost
title: Demo before and after
items:
  - key: demo.pp.question
    type: single_choice
    outcome: DS1
    stem: What comes first?
    choices:
      - {text: A question, correct: true}
      - {text: A database}
  - key: demo.pp.boolean
    type: true_false
    outcome: DS2
    stem: OR broadens.
    answer: true
confidence:
  - {key: demo.conf.boolean, outcome: DS2, statement: I can combine terms with AND and OR.}
"""

GLOSSARY = """\
- term: Boolean operator
  definition: AND, OR or NOT, used to combine search terms.
- term: focused question
  definition: A question that names its **people**, topic and outcome.
"""

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Venn</title><circle cx="5" cy="5" r="4"/></svg>'


def write_course(root: Path, **overrides) -> Path:
    folder = root / "demo-course"
    files = {"course.yaml": COURSE_YAML, "01-question.md": MODULE_ONE, "02-boolean.md": MODULE_TWO,
             "quizzes/02-boolean.yaml": QUIZ, "assessment.yaml": ASSESSMENT, "images/venn.svg": SVG,
             "glossary.yaml": GLOSSARY}
    files.update(overrides)
    for name, text in files.items():
        path = folder / name
        if text is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
    return folder


def import_folder(app, folder: Path) -> str:
    """Import a course folder as `lit courses import` would; returns its slug."""
    from lit_platform.courses.importer import import_course
    from lit_platform.courses.loader import read_course
    from lit_platform.extensions import db

    app.config["LIT_COURSES_PATH"] = str(folder.parent)
    with app.app_context():
        definition, problems = read_course(folder)
        assert problems == []
        import_course(definition)
        db.session.commit()
    return definition.slug


@pytest.fixture
def course_folder(tmp_path):
    return write_course(tmp_path)
