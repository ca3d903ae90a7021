from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.models import Role
from ..accounts.services import REGISTRATION_MODES


def choices(pairs) -> list[SelectChoice]:
    """Build select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Name or e-mail contains", validators=[Optional(), Length(max=100)])
    role = SelectField("Role", choices=choices([("", "Any role")] + [(r.value, r.label) for r in Role]),
                       validators=[Optional()])
    status = SelectField("Status", choices=choices([("", "Active and inactive"), ("active", "Active"),
                                                    ("inactive", "Inactive")]), validators=[Optional()])


class UserRolesForm(FlaskForm):
    roles = CheckboxesField("Roles", choices=choices((r.value, r.label) for r in Role),
                            validators=[DataRequired("Choose at least one role.")])
    org_unit = SelectField("Organisation unit", coerce=int, validators=[Optional()])
    submit = SubmitField("Save roles and unit")


class UserStatusForm(FlaskForm):
    submit = SubmitField("Change")


class OrgUnitForm(FlaskForm):
    name = StringField("Name", filters=[lambda v: v.strip() if v else v],
                       validators=[DataRequired("Enter a name."), Length(max=120)])
    kind = SelectField("Kind", choices=choices([("department", "Department"), ("team", "Team"),
                                                ("cohort", "Cohort"), ("site", "Site")]))
    parent = SelectField("Part of", coerce=int, validators=[Optional()],
                         description="Leave as 'Top level' for a unit that is not inside another.")
    submit = SubmitField("Add unit")


class RegistrationPolicyForm(FlaskForm):
    mode = RadioField("Who may register", choices=choices(REGISTRATION_MODES.items()),
                      validators=[DataRequired("Choose who may register.")])
    domains = TextAreaField("E-mail domains", validators=[Optional(), Length(max=2000)],
                            description="One per line, for example nhs.net or example.ac.uk. Sub-domains are "
                                        "included. Used only when registration is restricted to domains.")
    submit = SubmitField("Save registration settings")
