"""The completion certificate fits on one page, for every shipped course and a long name."""
import io
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from flask import render_template
from pypdf import PdfReader

from lit_platform.core.exports import html_to_pdf

COURSES = Path(__file__).resolve().parents[2] / "courses"


def certificate_pdf(app, definition: dict, name: str) -> bytes:
    course = SimpleNamespace(title=definition["title"], slug="a-course", version=3, minutes=definition.get("minutes", 60),
                             outcomes=[SimpleNamespace(text=o["text"]) for o in definition["outcomes"]])
    enrolment = SimpleNamespace(id=123456, completed_at=datetime(2026, 11, 30, 15, tzinfo=timezone.utc),
                                user=SimpleNamespace(name=name))
    with app.test_request_context("/"):
        return html_to_pdf(render_template("courses/certificate.html", course=course, enrolment=enrolment,
                                           for_pdf=True))


@pytest.mark.parametrize("folder", sorted(p.parent.name for p in COURSES.glob("*/course.yaml")))
def test_certificate_is_one_page(app, folder):
    definition = yaml.safe_load((COURSES / folder / "course.yaml").read_text(encoding="utf-8"))
    pdf = PdfReader(io.BytesIO(certificate_pdf(app, definition, "Maria-Fernanda Okonkwo-Lindqvist de la Cruz")))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "Okonkwo-Lindqvist" in text and "Certificate reference" in text


def test_certificate_stays_on_one_page_with_many_long_outcomes(app):
    longest = max((yaml.safe_load(p.read_text(encoding="utf-8"))["outcomes"] for p in COURSES.glob("*/course.yaml")),
                  key=lambda outcomes: sum(len(o["text"]) for o in outcomes))
    definition = {"title": "Finding, appraising and using evidence in everyday practice: a longer course title",
                  "outcomes": longest + longest[:2]}
    assert len(PdfReader(io.BytesIO(certificate_pdf(app, definition, "Kai Example"))).pages) == 1
