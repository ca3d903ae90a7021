"""The `lit` command: a Flask CLI group around create_app."""
from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from .extensions import db


def _create_app(*args, **kwargs):
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """lit-platform: information-literacy learning for library services."""


# demo ----------------------------------------------------------------------------------------

@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up the database and demo data, then stop.")
@with_appcontext
def demo_command(host, port, no_serve):
    """Create the database, load courses and demo accounts, then serve the platform."""
    from .demo import set_up_demo

    if current_app.config["LIT_ENV"] == "production":
        raise click.ClickException("lit demo creates accounts with published passwords; it does not run in production.")
    accounts = set_up_demo(echo=click.echo)
    click.echo("\nDemo accounts (e-mail / password):")
    for role, email, password in accounts:
        click.echo(f"  {role:<10} {email:<28} {password}")
    if no_serve:
        return
    click.echo(f"\nServing on http://{host}:{port}/  (Ctrl+C to stop)")
    current_app.run(host=host, port=port, debug=False, use_reloader=False)


# users ---------------------------------------------------------------------------------------

@main.group("users")
def users_group():
    """Create and import user accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, default=["learner"], show_default=True,
              type=click.Choice(["learner", "librarian", "manager", "admin"]), help="Repeat for several roles.")
@click.option("--password", help="Without it, the user sets a password through 'Forgotten your password?'.")
@with_appcontext
def users_create(email, name, roles, password):
    """Create one account."""
    from .accounts.services import AccountError, create_user

    try:
        user = create_user(email, name, password, list(roles))
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(user.roles))}).")


@users_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def users_import(csv_file):
    """Create accounts from a CSV file with header email,name,roles,org_unit (roles separated by ';')."""
    from .accounts.services import import_users_csv

    with open(csv_file, encoding="utf-8-sig") as handle:
        result = import_users_csv(handle.read(), csv_file)
    if result.errors:
        db.session.rollback()
        for error in result.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(result.errors)} problem(s) found; nothing was imported.")
    db.session.commit()
    click.echo(f"Imported {len(result.created)} user(s).")


# outbox --------------------------------------------------------------------------------------

@main.group("outbox")
def outbox_group():
    """Deliver queued e-mail."""


@outbox_group.command("send")
@click.option("--loop", "interval", type=int, default=0, help="Keep sending every N seconds.")
@with_appcontext
def outbox_send(interval):
    """Send every message that is due, retrying failures later."""
    from .outbox.services import SmtpSettings, send_pending

    settings = SmtpSettings.from_config(current_app.config)
    while True:
        counts = send_pending(settings)
        click.echo(f"sent {counts['sent']}, will retry {counts['retry']}, gave up on {counts['failed']}")
        if not interval:
            break
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main())
