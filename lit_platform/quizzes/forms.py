"""Forms for the question bank and quiz settings; each question type has its own answer fields."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateTimeLocalField, DecimalField, FieldList, Form, FormField, IntegerField,
                     RadioField, SelectField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..admin.forms import choices
from ..core.textlimits import MaxChars
from .services import QuestionData
from .types import REGISTRY

STEM_HINT = "Markdown: **bold**, *italic*, lists, tables and links. HTML is removed when shown."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ChoiceRow(Form):
    text = StringField("Text", filters=[_strip], validators=[Optional(), Length(max=2000)])
    weight = IntegerField("Credit (%)", default=0, validators=[Optional(), NumberRange(-100, 100)])
    feedback = StringField("Feedback", filters=[_strip], validators=[Optional(), Length(max=4000)])


class AnswerRow(Form):
    text = StringField("Accepted answer", filters=[_strip], validators=[Optional(), Length(max=500)])
    weight = IntegerField("Credit (%)", default=100, validators=[Optional(), NumberRange(0, 100)])
    feedback = StringField("Feedback", filters=[_strip], validators=[Optional(), Length(max=4000)])


class NumberRow(Form):
    value = DecimalField("Value", validators=[Optional()])
    tolerance = DecimalField("Tolerance ±", validators=[Optional(), NumberRange(min=0)])
    weight = IntegerField("Credit (%)", default=100, validators=[Optional(), NumberRange(0, 100)])
    feedback = StringField("Feedback", filters=[_strip], validators=[Optional(), Length(max=4000)])


class PairRow(Form):
    prompt = StringField("Item", filters=[_strip], validators=[Optional(), Length(max=500)])
    answer = StringField("Its match", filters=[_strip], validators=[Optional(), Length(max=500)])


class QuestionForm(FlaskForm):
    """Fields every question has."""

    title = StringField("Title (for the bank only)", filters=[_strip], validators=[Optional(), Length(max=255)])
    category = SelectField("Category", coerce=int)
    stem = TextAreaField("Question text", filters=[_strip], description=STEM_HINT,
                         validators=[DataRequired("Enter the question text."), MaxChars(20000, "The question text")])
    points = DecimalField("Marks", default=1, places=None,
                          validators=[InputRequired("Give the marks."), NumberRange(0, 100)])
    outcome = StringField("Learning outcome code", filters=[_strip], validators=[Optional(), Length(max=40)],
                          description="For example SE3: reports group results by outcome.")
    tags = StringField("Tags", filters=[_strip], validators=[Optional(), Length(max=500)],
                       description="Separate tags with commas.")
    general_feedback = TextAreaField("General feedback", filters=[_strip], validators=[Optional()],
                                     description="Shown after answering, whatever the answer.")
    feedback_correct = StringField("Feedback when right", filters=[_strip], validators=[Optional()])
    feedback_partial = StringField("Feedback when partly right", filters=[_strip], validators=[Optional()])
    feedback_incorrect = StringField("Feedback when wrong", filters=[_strip], validators=[Optional()])
    submit = SubmitField("Save question")
    qtype = ""

    def answer_fields(self) -> list[str]:
        return []

    def spec(self) -> dict:
        return {}

    def load_spec(self, spec: dict) -> None:
        pass

    def question_data(self) -> QuestionData:
        return QuestionData(
            type=self.qtype, stem=self.stem.data, spec=self.spec(), title=self.title.data or "",
            general_feedback=self.general_feedback.data or "", feedback_correct=self.feedback_correct.data or "",
            feedback_partial=self.feedback_partial.data or "", feedback_incorrect=self.feedback_incorrect.data or "",
            points=float(self.points.data), outcome=self.outcome.data or None,
            tags=[t for t in (self.tags.data or "").split(",") if t.strip()],
        )


def _fill_rows(field_list, rows, spare=2, minimum=4):
    while len(field_list.entries):
        field_list.pop_entry()
    for row in rows:
        field_list.append_entry(row)
    for _ in range(max(spare, minimum - len(rows))):
        field_list.append_entry()


class ChoiceQuestionForm(QuestionForm):
    choices = FieldList(FormField(ChoiceRow), min_entries=5)

    def answer_fields(self):
        return ["choices"]

    def spec(self):
        rows = [row for row in self.choices.data if row["text"]]
        return {"choices": [{"id": str(n), "text": row["text"], "weight": (row["weight"] or 0) / 100,
                             "feedback": row["feedback"] or ""} for n, row in enumerate(rows, 1)]}

    def load_spec(self, spec):
        _fill_rows(self.choices, [{"text": c["text"], "weight": round(c.get("weight", 0) * 100),
                                   "feedback": c.get("feedback", "")} for c in spec["choices"]])


class SingleChoiceForm(ChoiceQuestionForm):
    qtype = "single_choice"


class MultipleResponseForm(ChoiceQuestionForm):
    qtype = "multiple_response"


class TrueFalseForm(QuestionForm):
    qtype = "true_false"
    answer = RadioField("The statement is", choices=choices([("true", "True"), ("false", "False")]),
                        validators=[DataRequired("Say whether the statement is true or false.")])
    feedback_true = StringField("Feedback for those who answer True", filters=[_strip], validators=[Optional()])
    feedback_false = StringField("Feedback for those who answer False", filters=[_strip], validators=[Optional()])

    def answer_fields(self):
        return ["answer", "feedback_true", "feedback_false"]

    def spec(self):
        return {"answer": self.answer.data == "true", "feedback_true": self.feedback_true.data or "",
                "feedback_false": self.feedback_false.data or ""}

    def load_spec(self, spec):
        self.answer.data = "true" if spec["answer"] else "false"
        self.feedback_true.data = spec.get("feedback_true", "")
        self.feedback_false.data = spec.get("feedback_false", "")


class ShortAnswerForm(QuestionForm):
    qtype = "short_answer"
    answers = FieldList(FormField(AnswerRow), min_entries=4)
    case_sensitive = BooleanField("Letter case must match")

    def answer_fields(self):
        return ["answers", "case_sensitive"]

    def spec(self):
        return {"answers": [{"text": row["text"], "weight": (row["weight"] if row["weight"] is not None else 100) / 100,
                             "feedback": row["feedback"] or ""} for row in self.answers.data if row["text"]],
                "case_sensitive": bool(self.case_sensitive.data)}

    def load_spec(self, spec):
        _fill_rows(self.answers, [{"text": a["text"], "weight": round(a.get("weight", 1) * 100),
                                   "feedback": a.get("feedback", "")} for a in spec["answers"]])
        self.case_sensitive.data = spec.get("case_sensitive", False)


class NumericalForm(QuestionForm):
    qtype = "numerical"
    answers = FieldList(FormField(NumberRow), min_entries=3)

    def answer_fields(self):
        return ["answers"]

    def spec(self):
        return {"answers": [{"value": float(row["value"]), "tolerance": float(row["tolerance"] or 0),
                             "weight": (row["weight"] if row["weight"] is not None else 100) / 100,
                             "feedback": row["feedback"] or ""} for row in self.answers.data if row["value"] is not None]}

    def load_spec(self, spec):
        rows = []
        for a in spec["answers"]:
            if "min" in a:  # a range shows as its middle with a tolerance
                rows.append({"value": (a["min"] + a["max"]) / 2, "tolerance": (a["max"] - a["min"]) / 2,
                             "weight": round(a.get("weight", 1) * 100), "feedback": a.get("feedback", "")})
            else:
                rows.append({"value": a["value"], "tolerance": a.get("tolerance", 0),
                             "weight": round(a.get("weight", 1) * 100), "feedback": a.get("feedback", "")})
        _fill_rows(self.answers, rows)


class MatchingForm(QuestionForm):
    qtype = "matching"
    pairs = FieldList(FormField(PairRow), min_entries=4)
    distractors = TextAreaField("Extra wrong matches", filters=[_strip], validators=[Optional()],
                                description="One per line; offered in every list but matching nothing.")

    def answer_fields(self):
        return ["pairs", "distractors"]

    def spec(self):
        rows = [row for row in self.pairs.data if row["prompt"] or row["answer"]]
        return {"pairs": [{"id": str(n), "prompt": row["prompt"], "answer": row["answer"]}
                          for n, row in enumerate(rows, 1)],
                "distractors": [line.strip() for line in (self.distractors.data or "").splitlines() if line.strip()]}

    def load_spec(self, spec):
        _fill_rows(self.pairs, [{"prompt": p["prompt"], "answer": p["answer"]} for p in spec["pairs"]])
        self.distractors.data = "\n".join(spec.get("distractors") or [])


class OrderingForm(QuestionForm):
    qtype = "ordering"
    items = TextAreaField("Items in the right order", filters=[_strip], validators=[Optional()],
                          description="One per line, first to last. Learners see them shuffled.")

    def answer_fields(self):
        return ["items"]

    def spec(self):
        lines = [line.strip() for line in (self.items.data or "").splitlines() if line.strip()]
        return {"items": [{"id": str(n), "text": text} for n, text in enumerate(lines, 1)]}

    def load_spec(self, spec):
        self.items.data = "\n".join(i["text"] for i in spec["items"])


class EssayForm(QuestionForm):
    qtype = "essay"
    guidance = TextAreaField("Guidance for markers", filters=[_strip], validators=[Optional()],
                             description="What a good answer contains; shown to markers, and to learners afterwards.")
    min_words = IntegerField("Minimum words", validators=[Optional(), NumberRange(min=0)])

    def answer_fields(self):
        return ["guidance", "min_words"]

    def spec(self):
        spec = {"guidance": self.guidance.data or ""}
        if self.min_words.data:
            spec["min_words"] = self.min_words.data
        return spec

    def load_spec(self, spec):
        self.guidance.data = spec.get("guidance", "")
        self.min_words.data = spec.get("min_words")


class DescriptionForm(QuestionForm):
    qtype = "description"


class ExerciseForm(QuestionForm):
    """The performance exercises: their task is written in YAML, exactly as in a course's quiz files."""

    definition = TextAreaField(
        "The exercise (YAML)", validators=[Optional(), MaxChars(100_000, "The exercise")],
        description="The fields of this exercise type as in courses/README.md, section Performance exercises "
                    "(without key, type, stem and the other fields above).",
        render_kw={"rows": 24, "spellcheck": "false"})
    #: problems reading the YAML itself, shown with the spec's own problems
    reading_problems: list[str]

    def answer_fields(self):
        return ["definition"]

    def spec(self):
        from .files import read_exercise_definition
        spec, self.reading_problems = read_exercise_definition(self.definition.data or "", self.qtype)
        return spec

    def load_spec(self, spec):
        import yaml
        self.definition.data = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100) if spec else ""


class SearchStrategyForm(ExerciseForm):
    qtype = "search_strategy"


class LateralReadingForm(ExerciseForm):
    qtype = "lateral_reading"


class AppraisalChecklistForm(ExerciseForm):
    qtype = "appraisal_checklist"


QUESTION_FORMS = {form.qtype: form for form in (
    SingleChoiceForm, MultipleResponseForm, TrueFalseForm, ShortAnswerForm, NumericalForm, MatchingForm,
    OrderingForm, EssayForm, DescriptionForm, SearchStrategyForm, LateralReadingForm, AppraisalChecklistForm)}
assert set(QUESTION_FORMS) == set(REGISTRY), "every question type needs a form"


class CategoryForm(FlaskForm):
    name = StringField("Name", filters=[_strip], validators=[DataRequired("Enter a name."), Length(max=200)])
    parent = SelectField("Inside", coerce=int)
    submit = SubmitField("Add category")


class MoveForm(FlaskForm):
    category = SelectField("Move to category", coerce=int)
    submit = SubmitField("Move")


class GiftImportForm(FlaskForm):
    file = FileField("GIFT file", validators=[FileRequired("Choose a GIFT file (.txt or .gift).")],
                     description="Moodle's plain-text question format. Questions that cannot be read are listed; "
                                 "the rest are imported.")
    category = SelectField("Put questions without a $CATEGORY in", coerce=int)
    strict = BooleanField("Import nothing if any question has a problem")
    submit = SubmitField("Import")


class QuizSettingsForm(FlaskForm):
    title = StringField("Title", filters=[_strip], validators=[DataRequired("Enter a title."), Length(max=255)])
    description = TextAreaField("Instructions", filters=[_strip], validators=[Optional()], description=STEM_HINT)
    attempts_allowed = IntegerField("Attempts allowed", default=0, validators=[NumberRange(0, 100)],
                                    description="0 means unlimited.")
    pass_mark = DecimalField("Pass mark (%)", validators=[Optional(), NumberRange(0, 100)])
    feedback_mode = RadioField("Feedback", choices=choices([
        ("deferred", "After submitting the whole quiz"), ("immediate", "After each question (learner presses Check)")]),
        default="deferred")
    questions_per_page = IntegerField("Questions per page", default=5, validators=[NumberRange(1, 100)])
    shuffle_questions = BooleanField("Shuffle the order of questions")
    shuffle_choices = BooleanField("Shuffle the order of choices", default=True)
    review_score = BooleanField("Learners see their score afterwards", default=True)
    review_feedback = BooleanField("Learners see feedback afterwards", default=True)
    review_right_answers = BooleanField("Learners see the right answers afterwards", default=True)
    time_limit_minutes = IntegerField("Time limit (minutes)", validators=[Optional(), NumberRange(1, 1440)],
                                      description="Leave empty for no limit. You can give individual learners extra time.")
    opens_at = DateTimeLocalField("Opens", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField("Closes", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    is_published = BooleanField("Learners can see and take this quiz", default=True)
    submit = SubmitField("Save settings")


class AddQuestionForm(FlaskForm):
    question_key = StringField("Question key", filters=[_strip], validators=[DataRequired("Enter a question key.")],
                               description="Shown on each question's page in the bank.")
    submit = SubmitField("Add question")


class RandomRuleForm(FlaskForm):
    count = IntegerField("How many questions", default=1, validators=[NumberRange(1, 100)])
    category = SelectField("From category (and its sub-categories)", coerce=int)
    tag = StringField("With tag", filters=[_strip], validators=[Optional(), Length(max=60)])
    submit = SubmitField("Add random questions")


class ExtensionForm(FlaskForm):
    email = StringField("Learner's e-mail address", filters=[_strip], validators=[DataRequired("Enter an e-mail address.")])
    extra_minutes = IntegerField("Extra minutes", validators=[DataRequired("Give the extra minutes."),
                                                              NumberRange(1, 1440)])
    submit = SubmitField("Give extra time")


class MarkForm(FlaskForm):
    points = DecimalField("Mark", validators=[InputRequired("Give a mark."), NumberRange(min=0)])
    comment = TextAreaField("Comment for the learner", filters=[_strip], validators=[Optional()])
    submit = SubmitField("Save mark")
