from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.models import Role
from ..accounts.services import REGISTRATION_MODES
from ..core.textlimits import MaxChars


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
    domains = TextAreaField("E-mail domains", validators=[Optional(), MaxChars(2000, "The list of domains")],
                            description="One per line, for example nhs.net or example.ac.uk. Sub-domains are "
                                        "included. Used only when registration is restricted to domains.")
    visitors = RadioField("May visitors who have not signed in browse the courses?", choices=choices([
        ("yes", "Yes: anyone may read the course catalogue and each course's description"),
        ("no", "No: visitors are asked to sign in first")]), validators=[Optional()],
        description="Modules, quizzes and tests always need an account.")
    submit = SubmitField("Save registration settings")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CreateUserForm(FlaskForm):
    name = StringField("Name", filters=[_strip], validators=[DataRequired("Enter the person's name."), Length(max=200)])
    email = StringField("E-mail address", filters=[_strip],
                        validators=[DataRequired("Enter an e-mail address."),
                                    Email("Enter an e-mail address like name@example.org."), Length(max=254)],
                        description="The person is sent a link at this address to choose their password.")
    roles = CheckboxesField("Roles", choices=choices((r.value, r.label) for r in Role), default=["learner"],
                            validators=[DataRequired("Choose at least one role.")])
    org_unit = SelectField("Organisation unit", coerce=int, validators=[Optional()])
    submit = SubmitField("Create user")


class ImportUsersForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")],
                     description="UTF-8, with the header email,name,roles,org_unit. Roles are separated by ';' "
                                 "(learner, librarian, manager, admin, author; learner when empty). A unit is a path such "
                                 "as 'Faculty of Health / Nursing'. If any row has a problem, nothing is imported.")
    create_units = BooleanField("Create organisation units that do not exist yet",
                                description="Otherwise a unit the file names that does not exist is an error, so "
                                            "a typing mistake cannot start a second set of units.")
    submit = SubmitField("Import users")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    person = StringField("Person (name or e-mail contains)", filters=[_strip],
                         validators=[Optional(), Length(max=100)],
                         description="Events done by, or about, matching people.")
    action = SelectField("Action", validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
