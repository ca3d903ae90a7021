from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from .passwords import MAX_LENGTH, password_problems
from .services import registration_policy

EMAIL_MESSAGE = "Enter an e-mail address in the form name@example.org."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField("E-mail address", filters=[_strip],
                       validators=[DataRequired("Enter your e-mail address.")],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Sign in")


class NewPasswordMixin:
    def check_new_password(self, field, email="", name=""):
        problems = password_problems(field.data or "", email, name)
        if problems:
            raise ValidationError(" ".join(problems))


PASSWORD_HINT = (f"At least 8 characters; up to {MAX_LENGTH}. A few unrelated words make a strong, memorable "
                 "password. Common passwords, and small changes to them, are refused.")


class RegisterForm(FlaskForm):
    """The first step: the address to send the link to."""
    email = EmailField("E-mail address", filters=[_strip],
                       validators=[DataRequired("Enter your e-mail address."),
                                   Email(EMAIL_MESSAGE, check_deliverability=False), Length(max=254)],
                       description="Use your work or study address if you have one. We will send you a link to "
                                   "finish creating your account.",
                       render_kw={"autocomplete": "email"})
    submit = SubmitField("Continue")

    def validate_email(self, field):
        if not registration_policy().allows(field.data):
            raise ValidationError("Registration is not open to this e-mail address. Use an address from "
                                  "your organisation, or ask the library for an account.")


class FinishRegistrationForm(NewPasswordMixin, FlaskForm):
    """The second step, from the link in the e-mail: a name and a password for the confirmed address."""
    name = StringField("Full name", filters=[_strip],
                       validators=[DataRequired("Enter your name."), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    password = PasswordField("Password", validators=[DataRequired("Choose a password.")],
                             description=PASSWORD_HINT, render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Create account")

    def __init__(self, email: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.email_address = email

    def validate_password(self, field):
        self.check_new_password(field, self.email_address, self.name.data or "")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail address", filters=[_strip],
                       validators=[DataRequired("Enter your e-mail address."),
                                   Email(EMAIL_MESSAGE, check_deliverability=False)],
                       render_kw={"autocomplete": "email"})
    submit = SubmitField("Send reset link")


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Choose a new password.")],
                             description=PASSWORD_HINT, render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Set new password")

    def validate_password(self, field):
        self.check_new_password(field)


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired("Enter your current password.")],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[DataRequired("Choose a new password.")],
                                 description=PASSWORD_HINT, render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Change password")

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_new_password(self, field):
        self.check_new_password(field, self.user.email, self.user.name)


class ProfileForm(FlaskForm):
    name = StringField("Full name", filters=[_strip],
                       validators=[DataRequired("Enter your name."), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    submit = SubmitField("Save profile")
