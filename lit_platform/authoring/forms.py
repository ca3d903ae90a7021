"""Forms for authoring courses in the browser; the module and settings forms read and write the file text."""
from __future__ import annotations

import re

import yaml
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (FieldList, Form, FormField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..admin.forms import CheckboxesField, choices
from ..core.textlimits import normalise_newlines
from ..courses.loader import ACRL_FRAMES, SCONUL_PILLARS, split_front_matter

SLUG_RULE = Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
                   message="Use lower-case letters, digits and single hyphens, such as searching-nursing.")
#: the longest module or quiz file the editor accepts, in characters
MAX_FILE_CHARS = 200_000
FRAME_CHOICES = choices((frame, frame.replace("-", " ").capitalize()) for frame in sorted(ACRL_FRAMES))
PILLAR_CHOICES = choices((pillar, pillar.capitalize()) for pillar in
                         ("identify", "scope", "plan", "gather", "evaluate", "manage", "present")
                         if pillar in SCONUL_PILLARS)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _newlines(value):
    return normalise_newlines(value) if isinstance(value, str) else value


def _codes(text: str | None) -> list[str]:
    return [code for code in re.split(r"[\s,]+", text or "") if code]


class NewCourseForm(FlaskForm):
    slug = StringField("Web address name (slug)", filters=[_strip], validators=[
        DataRequired("Enter a slug."), Length(max=80), SLUG_RULE], description="Shown in the course's address.")
    title = StringField("Title", filters=[_strip], validators=[DataRequired("Enter a title."), Length(max=200)])
    submit = SubmitField("Create course")


class CopyForm(FlaskForm):
    shipped = HiddenField(validators=[DataRequired()])
    slug = StringField("New slug", filters=[_strip], validators=[DataRequired("Enter a slug for the copy."),
                                                                 Length(max=80), SLUG_RULE])
    title = StringField("New title", filters=[_strip], validators=[DataRequired("Enter a title for the copy."),
                                                                   Length(max=200)])
    submit = SubmitField("Make a local copy")


class UploadForm(FlaskForm):
    file = FileField("Course folder as a zip", validators=[FileRequired("Choose a zip file.")],
                     description="A zip with one folder holding course.yaml and the module files. A course with "
                                 "the same slug is updated as a draft.")
    submit = SubmitField("Upload")


class AddModuleForm(FlaskForm):
    module_title = StringField("New module title", filters=[_strip], validators=[DataRequired("Enter a title."),
                                                                           Length(max=200)])
    submit = SubmitField("Add module")


class PublishForm(FlaskForm):
    note = StringField("What changed (for the version history)", filters=[_strip],
                       validators=[DataRequired("Say briefly what changed."), Length(max=500)])
    submit = SubmitField("Publish")


class OutcomeRow(Form):
    code = StringField("Code", filters=[_strip], validators=[Optional(), Length(max=20)])
    text = TextAreaField("Outcome", filters=[_strip], validators=[Optional(), Length(max=2000)])
    acrl = CheckboxesField("ACRL frames", choices=FRAME_CHOICES, validators=[Optional()])
    sconul = CheckboxesField("SCONUL pillars", choices=PILLAR_CHOICES, validators=[Optional()])


class SettingsForm(FlaskForm):
    """The course's title, summary and outcomes, written back into course.yaml (other keys are kept)."""

    base_revision = HiddenField()
    title = StringField("Title", filters=[_strip], validators=[DataRequired("Enter a title."), Length(max=200)])
    summary = TextAreaField("Summary", filters=[_strip, _newlines], validators=[Optional(), Length(max=2000)])
    outcomes = FieldList(FormField(OutcomeRow), min_entries=1)
    submit = SubmitField("Save settings")

    def load(self, text: str, revision: int) -> None:
        data = yaml.safe_load(text) or {}
        self.base_revision.data = str(revision)
        self.title.data = data.get("title", "")
        self.summary.data = str(data.get("summary") or "").strip()
        while len(self.outcomes):
            self.outcomes.pop_entry()
        for item in (data.get("outcomes") or []) + [{}]:
            self.outcomes.append_entry({"code": item.get("code", ""), "text": str(item.get("text") or "").strip(),
                                        "acrl": list(item.get("acrl") or []), "sconul": list(item.get("sconul") or [])})

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        seen = set()
        for row in self.outcomes:
            code, text = row.form.code.data, row.form.text.data
            if (code or text) and not (code and text):
                (row.form.text if code else row.form.code).errors.append("Give both a code and the outcome's text.")
                ok = False
            if code in seen:
                row.form.code.errors.append(f"The code {code} is used twice.")
                ok = False
            seen.add(code)
        return ok

    def file_text(self, original: str) -> str:
        data = yaml.safe_load(original) or {}
        data["title"] = self.title.data
        if self.summary.data:
            data["summary"] = self.summary.data
        else:
            data.pop("summary", None)
        outcomes = []
        for row in self.outcomes:
            if row.form.code.data:
                item = {"code": row.form.code.data, "text": row.form.text.data}
                if row.form.acrl.data:
                    item["acrl"] = row.form.acrl.data
                if row.form.sconul.data:
                    item["sconul"] = row.form.sconul.data
                outcomes.append(item)
        data["outcomes"] = outcomes
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


class ModuleForm(FlaskForm):
    """A module file: front matter fields and the Markdown body."""

    base_revision = HiddenField()
    title = StringField("Title", filters=[_strip], validators=[DataRequired("Enter a title."), Length(max=200)])
    minutes = IntegerField("Minutes to work through it", validators=[Optional(), NumberRange(1, 600)])
    outcomes = StringField("Outcome codes", filters=[_strip], validators=[Optional(), Length(max=200)],
                           description="The course's outcome codes this module teaches, separated by commas: SE1, SE2.")
    aims = TextAreaField("Aims", filters=[_strip, _newlines], validators=[Optional(), Length(max=4000)],
                         description="One aim per line, completing “By the end you will be able to …”.")
    body = TextAreaField("Module text (Markdown)", filters=[_newlines],
                         validators=[DataRequired("Write the module text."), Length(max=MAX_FILE_CHARS)])
    preview = SubmitField("Preview")
    submit = SubmitField("Save draft")

    def load(self, text: str, revision: int) -> None:
        meta, body = read_module(text)
        self.base_revision.data = str(revision)
        self.title.data = meta.get("title", "")
        self.minutes.data = meta.get("minutes")
        self.outcomes.data = ", ".join(str(code) for code in meta.get("outcomes") or [])
        self.aims.data = "\n".join(str(aim) for aim in meta.get("aims") or [])
        self.body.data = body

    def file_text(self, original: str) -> str:
        meta, _ = read_module(original)
        meta["title"] = self.title.data
        for key, value in (("minutes", self.minutes.data), ("outcomes", _codes(self.outcomes.data)),
                           ("aims", [line.strip() for line in (self.aims.data or "").split("\n") if line.strip()])):
            if value:
                meta[key] = value
            else:
                meta.pop(key, None)
        return write_module(meta, self.body.data or "")


def read_module(text: str) -> tuple[dict, str]:
    """(front matter, body) of a module file; empty front matter when it has none or it does not parse."""
    front, body, _ = split_front_matter(text or "")
    try:
        meta = yaml.safe_load(front) if front else {}
    except yaml.YAMLError:
        meta = {}
    return (meta if isinstance(meta, dict) else {}), body.lstrip("\n")


def write_module(meta: dict, body: str) -> str:
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{front}---\n{body.rstrip()}\n"


class MergeForm(FlaskForm):
    base_revision = HiddenField()
    choice = RadioField("Which text to keep", choices=choices([
        ("mine", "Keep mine (replaces their changes)"), ("theirs", "Take theirs (drops my changes)"),
        ("combined", "Use the combined text below")]), validators=[DataRequired("Choose which text to keep.")])
    mine = TextAreaField("My text", filters=[_newlines], validators=[Length(max=MAX_FILE_CHARS)])
    combined = TextAreaField("Combined text", filters=[_newlines], validators=[Length(max=MAX_FILE_CHARS)],
                             description="Start from your text and copy in what you want to keep of theirs.")
    submit = SubmitField("Save my choice")


class ImageForm(FlaskForm):
    file = FileField("Image (PNG, JPEG, GIF or SVG)", validators=[FileRequired("Choose an image.")])
    alt = StringField("Text alternative (alt text)", filters=[_strip], validators=[
        DataRequired("Describe the image for people who cannot see it."), Length(max=300)],
        description="What the image shows, as you would say it to someone on the phone.")
    submit = SubmitField("Upload image")


class QuizForm(FlaskForm):
    base_revision = HiddenField()
    text = TextAreaField("Quiz file (YAML)", filters=[_newlines],
                         validators=[DataRequired("The quiz file is empty."), Length(max=MAX_FILE_CHARS)])
    submit = SubmitField("Check and save draft")


class UpstreamForm(FlaskForm):
    take = RadioField("Choice", choices=choices([("theirs", "Take the shipped version"),
                                                  ("mine", "Keep our version"), ("both", "Keep both changes")]),
                      validators=[DataRequired("Choose which version to keep.")])
    submit = SubmitField("Apply")


class WriteQuizForm(FlaskForm):
    submit = SubmitField("Write a quiz for this module")


class AttachQuizForm(FlaskForm):
    quiz = SelectField("Published quiz of the question bank", coerce=int,
                       validators=[DataRequired("Choose a quiz.")],
                       description="Its settings and questions are copied into this course's draft as a quiz file.")
    submit = SubmitField("Attach this quiz")
