from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lit_platform.accounts import services
from lit_platform.accounts.models import OrgUnit, PasswordResetToken, User
from lit_platform.audit import AuditEvent
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.outbox.services import texts_as_sent


def test_email_is_trimmed_and_case_insensitive(ctx):
    services.create_user("  Alice@Example.ORG ", "Alice", "wooden kettle harbour")
    assert services.find_user_by_email("alice@example.org").name == "Alice"
    with pytest.raises(services.AccountError, match="already exists"):
        services.create_user("alice@example.org", "Alice again", "wooden kettle harbour")


def test_registration_policy_domains_allows_subdomains_only_of_listed(ctx, make):
    admin = make.user(roles=["admin"])
    policy = services.set_registration_policy("domains", ["nhs.net", "@Example.ac.uk"], db.session.get(User, admin.id))
    assert policy.domains == ("example.ac.uk", "nhs.net")
    assert policy.allows("a@nhs.net")
    assert policy.allows("b@med.example.ac.uk")
    assert not policy.allows("c@notnhs.net")
    assert not policy.allows("d@gmail.com")
    with pytest.raises(services.AccountError, match="not open"):
        services.register_user("d@gmail.com", "D", "wooden kettle harbour")


def test_closed_registration_refuses_everyone(ctx, make):
    admin = db.session.get(User, make.user(roles=["admin"]).id)
    services.set_registration_policy("closed", [], admin)
    with pytest.raises(services.AccountError):
        services.register_user("x@example.org", "X", "wooden kettle harbour")


def test_authenticate_records_success_and_failure(ctx, make):
    user = make.user(email="bob@example.org")
    assert services.authenticate("BOB@example.org ", "wrong password here") is None
    assert services.authenticate("nobody@example.org", "whatever it is") is None
    assert services.authenticate("bob@example.org", "correct horse battery staple").id == user.id
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["login.failed", "login.failed", "login.succeeded"]


def test_inactive_user_cannot_authenticate(ctx, make):
    make.user(email="gone@example.org", active=False)
    assert services.authenticate("gone@example.org", "correct horse battery staple") is None


def test_password_reset_token_is_single_use_and_sends_mail(ctx, make):
    user = make.user(email="carol@example.org")
    links = []
    services.request_password_reset("Carol@example.org", lambda t: links.append(t) or f"http://x/{t}", 60)
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.to_address == "carol@example.org" and links[0] in texts_as_sent(message)[0]
    stored = db.session.scalars(select(PasswordResetToken)).one()
    assert links[0] not in stored.token_hash  # only a hash is kept
    services.reset_password(links[0], "new silver compass")
    assert services.authenticate("carol@example.org", "new silver compass").id == user.id
    with pytest.raises(services.AccountError, match="expired or has already been used"):
        services.reset_password(links[0], "another fine passphrase")


def test_password_reset_token_expires(ctx, make):
    make.user(email="dan@example.org")
    tokens = []
    services.request_password_reset("dan@example.org", lambda t: tokens.append(t) or t, 60)
    row = db.session.scalars(select(PasswordResetToken)).one()
    row.expires_at = row.created_at - timedelta(seconds=1)
    with pytest.raises(services.AccountError):
        services.reset_password(tokens[0], "new silver compass")


def test_reset_for_unknown_address_sends_nothing(ctx):
    services.request_password_reset("nobody@example.org", lambda t: t, 60)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_change_password_needs_the_current_one_and_ends_sessions(ctx, make):
    user = db.session.get(User, make.user().id)
    version = user.session_version
    with pytest.raises(services.AccountError, match="current password"):
        services.change_password(user, "not my password", "fresh copper garden")
    with pytest.raises(services.AccountError, match="commonly used"):
        services.change_password(user, "correct horse battery staple", "password123")
    services.change_password(user, "correct horse battery staple", "fresh copper garden")
    assert user.session_version == version + 1


def test_role_change_is_audited_and_ends_sessions(ctx, make):
    admin = db.session.get(User, make.user(roles=["admin"]).id)
    user = db.session.get(User, make.user().id)
    version = user.session_version
    services.set_roles(user, ["learner", "librarian"], admin)
    assert user.roles == {"learner", "librarian"}
    assert user.session_version == version + 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.roles_changed")).one()
    assert event.details == {"before": ["learner"], "after": ["learner", "librarian"]}
    assert event.actor_id == admin.id


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(ctx, make):
    admin = db.session.get(User, make.user(roles=["admin"]).id)
    with pytest.raises(services.AccountError):
        services.set_roles(admin, ["learner"], admin)
    with pytest.raises(services.AccountError):
        services.set_active(admin, False, admin)


def test_org_units_nest_and_are_found_by_path(ctx):
    unit = services.find_or_create_unit_path("Faculty of Health / Nursing / 2026 cohort")
    again = services.find_or_create_unit_path("Faculty of Health/Nursing/2026 cohort")
    assert unit.id == again.id
    assert unit.path == "Faculty of Health / Nursing / 2026 cohort"
    assert unit.parent.parent.name == "Faculty of Health"


def test_csv_import_reports_every_bad_row_with_its_line_and_imports_nothing(ctx, make):
    make.user(email="taken@example.org")
    text = (
        "email,name,roles,org_unit\n"
        "ok@example.org,Olive,learner,\n"
        "not-an-email,Nemo,learner,\n"
        "Taken@example.org,Tess,learner,\n"
        "ok@example.org,Olive Twice,learner,\n"
        "bad@example.org,,wizard;learner,\n"
    )
    result = services.import_users_csv(text, "people.csv")
    assert result.created == []
    assert result.errors == [
        "people.csv, line 3: 'not-an-email' is not an e-mail address",
        "people.csv, line 4: an account for taken@example.org already exists",
        "people.csv, line 5: ok@example.org already appears on line 2",
        "people.csv, line 6: the name is empty",
        "people.csv, line 6: unknown role wizard (use learner, librarian, manager, admin, author)",
    ]
    assert services.find_user_by_email("ok@example.org") is None


def test_csv_import_creates_users_with_roles_and_units(ctx):
    text = ("email,name,roles,org_unit\n"
            "p@example.org,Pat,learner;librarian,Library / Teaching\n"
            "q@example.org,Quinn,manager,\n")
    result = services.import_users_csv(text, create_units=True)
    assert result.errors == []
    pat = services.find_user_by_email("p@example.org")
    assert pat.roles == {"learner", "librarian"} and pat.org_unit.path == "Library / Teaching"
    assert pat.password_hash is None  # sets a password through the reset link


def test_csv_import_with_wrong_header_says_so(ctx):
    result = services.import_users_csv("mail,who\nx@y.org,X\n", "x.csv")
    assert result.errors == ["x.csv, line 1: the header lacks email, name, roles (expected email,name,roles,org_unit)"]


def test_csv_import_matches_units_ignoring_capitals_and_refuses_unknown_units(ctx):
    health = services.find_or_create_unit_path("Faculty of Health / Nursing")
    text = ("email,name,roles,org_unit\n"
            "r@example.org,Rae,learner,faculty of health / NURSING\n"
            "s@example.org,Sam,learner,Faculty of Helth / Nursing\n")
    result = services.import_users_csv(text, "people.csv")
    assert result.errors == [
        "people.csv, line 3: there is no organisation unit 'Faculty of Helth / Nursing' (check the spelling, "
        "add it under Organisation units, or allow new units to be created)"]
    assert services.find_user_by_email("r@example.org") is None

    result = services.import_users_csv(text, "people.csv", create_units=True)
    assert result.errors == []
    assert services.find_user_by_email("r@example.org").org_unit_id == health.id
    assert services.find_user_by_email("s@example.org").org_unit.path == "Faculty of Helth / Nursing"
    assert db.session.scalar(select(func.count(OrgUnit.id)).where(OrgUnit.parent_id.is_(None))) == 2
