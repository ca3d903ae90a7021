from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from ..admin.forms import choices
from ..core.textlimits import MaxChars
from .search_syntax import SYNTAXES

PLAN_ROWS = 5


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PlanRowForm(Form):
    name = StringField("Concept", filters=[_strip], validators=[MaxChars(200)])
    terms = TextAreaField("Terms and headings", validators=[MaxChars(4000)],
                          description="One per line.", render_kw={"rows": 3, "spellcheck": "false"})


class SavedSearchForm(FlaskForm):
    title = StringField("Title", filters=[_strip],
                        validators=[DataRequired("Give the search a title."), MaxChars(200)])
    question = TextAreaField("The question it answers", filters=[_strip], validators=[MaxChars(2000)],
                             render_kw={"rows": 2})
    syntax = RadioField("Search syntax", choices=choices(SYNTAXES.items()), default="pubmed",
                        validators=[DataRequired("Choose the syntax the search is written in.")])
    plan = FieldList(FormField(PlanRowForm), min_entries=PLAN_ROWS, max_entries=PLAN_ROWS)
    search = TextAreaField("Search", validators=[DataRequired("Write the search, one search line per line."),
                                                 MaxChars(20000)],
                           description="One search line per line. Combine earlier lines with #1 AND #2 (PubMed) "
                                       "or 1 and 2 (Ovid).",
                           render_kw={"rows": 10, "spellcheck": "false", "autocapitalize": "off"})
    database = StringField("Database", filters=[_strip], validators=[MaxChars(200)],
                           description="For example MEDLINE, CINAHL or Embase. Left empty: the syntax's usual database.")
    platform = StringField("Platform", filters=[_strip], validators=[MaxChars(200)],
                           description="For example PubMed, Ovid or EBSCOhost.")
    searched_on = DateField("Date searched", validators=[Optional()], description="For example 2026-11-27.")
    hits = TextAreaField("Results per line", validators=[MaxChars(2000)],
                         description="The number of records each search line found, one per line, in the same order.",
                         render_kw={"rows": 4})
    limits = TextAreaField("Limits and filters", filters=[_strip], validators=[MaxChars(2000)],
                           description="For example: English language; 2015 to the present; a search filter for RCTs.",
                           render_kw={"rows": 2})
    notes = TextAreaField("Notes", filters=[_strip], validators=[MaxChars(4000)], render_kw={"rows": 3})

    def validate_hits(self, field):
        for n, line in enumerate((field.data or "").splitlines(), 1):
            value = line.strip().replace(",", "")
            if value and not value.isdigit():
                raise ValidationError(f"Line {n} of the results is '{line.strip()}': give a whole number, or leave the line empty.")
