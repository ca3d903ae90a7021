"""Forms for booking, managing sessions, the register, messages, feedback and tokens."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, EmailField, IntegerField, RadioField, SelectField,
                     StringField, SubmitField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, Email, InputRequired, NumberRange, Optional

from ..admin.forms import CheckboxesField, choices
from ..core.textlimits import MaxChars
from .models import FREQUENCIES, MODES
from .services import MAX_CAPACITY, SessionData

MARKDOWN_HINT = "Markdown: **bold**, *italic*, lists and links. HTML is removed when shown."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SessionForm(FlaskForm):
    title = StringField("Title", filters=[_strip], validators=[DataRequired("Enter a title."), MaxChars(255)])
    description = TextAreaField("Description", filters=[_strip], validators=[Optional(), MaxChars(20000)],
                                description=MARKDOWN_HINT)
    course = SelectField("Linked course", coerce=int, validators=[Optional()],
                         description="Learners see a link to the course on the session's page.")
    facilitators = CheckboxesField("Facilitators", coerce=int,
                                   validators=[DataRequired("Choose at least one facilitator.")],
                                   description="Facilitators see the bookings and take the register.")
    day = DateField("Date", validators=[InputRequired("Enter the date, for example 2026-03-29.")],
                    description="Times are in {zone}.")
    start_time = TimeField("Starts at", validators=[InputRequired("Enter the start time, for example 14:00.")])
    end_time = TimeField("Ends at", validators=[InputRequired("Enter the end time, for example 15:30.")])
    mode = RadioField("How people take part", choices=choices(MODES.items()), default="in_person",
                      validators=[DataRequired("Choose in person, online or hybrid.")])
    location = StringField("Place", filters=[_strip], validators=[Optional(), MaxChars(500)],
                           description="Room and building, for in-person and hybrid sessions.")
    online_url = StringField("Link for joining online", filters=[_strip], validators=[Optional(), MaxChars(1000)],
                             description="Shown only to learners with a confirmed place, and in their calendar entry.")
    capacity = IntegerField("Places", default=20, validators=[InputRequired("Give the number of places."),
                                                               NumberRange(1, MAX_CAPACITY)])
    waitlist_enabled = BooleanField("Keep a waiting list when the session is full", default=True)
    booking_opens = DateTimeLocalField("Booking opens", format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                       description="Leave empty to open booking straight away.")
    booking_closes = DateTimeLocalField("Booking closes", format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                        description="Leave empty to keep booking open until the start.")
    cancel_cutoff_hours = IntegerField("Learners can cancel until this many hours before the start",
                                       validators=[Optional(), NumberRange(0, 24 * 30)],
                                       description="Leave empty for the site's default of {cutoff} hours.")
    audience = RadioField("Who can book", choices=choices([("open", "Everyone"),
                                                           ("restricted", "Only the teams or departments chosen below")]),
                          default="open")
    units = CheckboxesField("Teams and departments", coerce=int, validators=[Optional()],
                            description="Members of units inside the ones chosen can book too.")
    repeat = SelectField("Repeat", choices=choices([("", "Does not repeat")] + list(FREQUENCIES.items())),
                         validators=[Optional()], default="")
    repeat_count = IntegerField("Number of sessions in the series", validators=[Optional(), NumberRange(2, 52)])
    repeat_until = DateField("Or repeat until", validators=[Optional()])
    scope = RadioField("Apply the changes to", choices=choices([("one", "This session only"),
                                                               ("following", "This and the later sessions in the series")]),
                       default="one")
    submit = SubmitField("Save session")

    def session_data(self) -> SessionData:
        return SessionData(
            title=self.title.data, day=self.day.data, start_time=self.start_time.data, end_time=self.end_time.data,
            capacity=self.capacity.data, mode=self.mode.data, description=self.description.data or "",
            course_id=self.course.data or None, facilitator_ids=list(self.facilitators.data or []),
            location=self.location.data or "", online_url=self.online_url.data or "",
            booking_opens=self.booking_opens.data, booking_closes=self.booking_closes.data,
            cancel_cutoff_hours=self.cancel_cutoff_hours.data, is_restricted=self.audience.data == "restricted",
            unit_ids=list(self.units.data or []) if self.audience.data == "restricted" else [],
            waitlist_enabled=bool(self.waitlist_enabled.data))


class AddLearnerForm(FlaskForm):
    email = EmailField("Learner's e-mail address", filters=[_strip],
                       validators=[DataRequired("Enter the learner's e-mail address."),
                                   Email("Enter an e-mail address in the form name@example.org.",
                                         check_deliverability=False)])
    over_capacity = BooleanField("Give a place even if the session is full")
    submit = SubmitField("Add learner")


class RemoveForm(FlaskForm):
    reason = StringField("Reason (sent to the learner)", filters=[_strip], validators=[Optional(), MaxChars(500)])
    submit = SubmitField("Remove")


class MessageForm(FlaskForm):
    subject = StringField("Subject", filters=[_strip], validators=[DataRequired("Enter a subject."), MaxChars(150)])
    body = TextAreaField("Message", filters=[_strip], validators=[DataRequired("Write the message."),
                                                                   MaxChars(10000)])
    include_waitlist = BooleanField("Send it to the waiting list too")
    submit = SubmitField("Send message")


class CancelSessionForm(FlaskForm):
    reason = TextAreaField("Reason (sent to everyone booked and waiting)", filters=[_strip],
                           validators=[Optional(), MaxChars(2000)])
    submit = SubmitField("Cancel the session and tell everyone")


class CheckInForm(FlaskForm):
    code = StringField("Check-in code", filters=[_strip],
                       validators=[DataRequired("Enter the code shown by the facilitator."), MaxChars(12)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    submit = SubmitField("Check in")


SCALE = [(str(n), label) for n, label in [(1, "1 – not at all"), (2, "2"), (3, "3"), (4, "4"), (5, "5 – very")]]


class SurveyForm(FlaskForm):
    usefulness = RadioField("How useful was the session for you?", choices=choices(SCALE),
                            validators=[DataRequired("Choose how useful the session was.")])
    confidence = RadioField("How confident do you now feel about using what you learnt?", choices=choices(SCALE),
                            validators=[DataRequired("Choose how confident you feel.")])
    would_recommend = RadioField("Would you recommend the session to a colleague?",
                                 choices=choices([("yes", "Yes"), ("no", "No")]),
                                 validators=[DataRequired("Say whether you would recommend it.")])
    comment = TextAreaField("Anything else you would like to tell us? (optional)", filters=[_strip],
                            validators=[Optional(), MaxChars(4000)])
    submit = SubmitField("Send feedback")


class ApiTokenForm(FlaskForm):
    name = StringField("Name of the new token", filters=[_strip],
                       validators=[DataRequired("Give the token a name, such as the system that will use it."),
                                   MaxChars(100)],
                       description="For example “Library dashboard”, so that you know which token to revoke.")
    submit = SubmitField("Create token")


class ButtonForm(FlaskForm):
    """A form that is only a button (CSRF token included)."""

    submit = SubmitField("Go")
