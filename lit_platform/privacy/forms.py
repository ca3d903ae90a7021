from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..core.textlimits import MaxChars
from .models import REQUEST_KINDS


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LogRequestForm(FlaskForm):
    kind = RadioField("What the person asked for", choices=choices(REQUEST_KINDS.items()), default="access",
                      validators=[DataRequired("Choose what the person asked for.")])
    email = EmailField("E-mail address of their account", filters=[_strip],
                       validators=[DataRequired("Enter the e-mail address of the person's account."), Length(max=254)])
    received_on = DateField("Date received", validators=[InputRequired("Enter the date the request arrived.")],
                            description="The day it reached the library, by any route. It counts as day one: the "
                                        "deadline is one calendar month later, less a day.")
    submit = SubmitField("Log the request")


class ExtendRequestForm(FlaskForm):
    months = RadioField("Extend the deadline by", coerce=int,
                        choices=choices([(1, "One further month"), (2, "Two further months")]),
                        validators=[InputRequired("Choose one or two further months.")])
    reason = TextAreaField("Why it needs longer", filters=[_strip],
                           validators=[DataRequired("Say why the request needs longer."), MaxChars(2000, "The reason")],
                           description="For example: the request is complex, or the person made several. Tell "
                                       "the person within the first month. Do not include personal details.")
    submit = SubmitField("Extend the deadline")


class CompleteRequestForm(FlaskForm):
    submit = SubmitField("Mark as completed")


class ExportForm(FlaskForm):
    submit = SubmitField("Download the copy (zip)")


class EraseForm(FlaskForm):
    reason = TextAreaField("Grounds for erasure", filters=[_strip],
                           validators=[DataRequired("Give the grounds for erasing the data."), MaxChars(2000, "The grounds")],
                           description="For example: the person withdrew, the data is no longer needed. Do not "
                                       "include the person's name or e-mail address.")
    confirm = BooleanField("I understand that this cannot be undone",
                           validators=[DataRequired("Tick the box to confirm that the erasure cannot be undone.")])
    submit = SubmitField("Erase this person's data")


class ApproveReviewForm(FlaskForm):
    submit = SubmitField("Approve")
