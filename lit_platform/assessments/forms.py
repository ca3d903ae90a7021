"""Forms for live-session tests: choosing the test, joining with a code, and the anonymous code prompts."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from .codes import PROMPTS, make_code

NO_OPEN_TEST = "No open test has that code. Check the code on the screen."


def _join_code(value):
    """Codes are shown in capitals; people type them with spaces, dashes or in lower case."""
    return re.sub(r"[\s-]+", "", value).upper() if isinstance(value, str) else value


class InstrumentForm(FlaskForm):
    instrument = SelectField("Test", coerce=int, validators=[DataRequired("Choose a test.")],
                             description="The same test is used at the start and at the end of the session.")
    submit = SubmitField("Use this test")


class JoinForm(FlaskForm):
    code = StringField("Code", filters=[_join_code],
                       validators=[DataRequired("Enter the code shown on the screen."),
                                   Length(max=12, message=NO_OPEN_TEST)],
                       description="The six letters and numbers shown on the screen in the room.",
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    submit = SubmitField("Join")


def _prompt_field(prompt, **render_kw) -> StringField:
    return StringField(prompt.label, description=prompt.hint,
                       render_kw={"autocomplete": "off", "spellcheck": "false", **render_kw})


class AnonymousCodeForm(FlaskForm):
    """The three prompts of codes.py; on success `code` holds the participant's code."""

    letters = _prompt_field(PROMPTS[0], maxlength="2", autocapitalize="characters")
    day = _prompt_field(PROMPTS[1], maxlength="2", inputmode="numeric")
    siblings = _prompt_field(PROMPTS[2], maxlength="1", inputmode="numeric")
    submit = SubmitField("Start the test")

    code: str | None = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.code, errors = make_code({prompt.name: self[prompt.name].data or "" for prompt in PROMPTS})
        for name, message in errors.items():
            self[name].errors.append(message)
        return valid and not errors
