"""The `lit` command: a Flask CLI group around create_app."""
from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import WSGIRequestHandler

from .extensions import db


def _server_name(handler) -> str:
    return "lit-platform"


# `lit run` and `lit demo` serve with Werkzeug, whose Server header would name its version and Python's.
WSGIRequestHandler.version_string = _server_name


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
    from werkzeug.serving import run_simple

    click.echo(f"\nServing on http://{host}:{port}/  (Ctrl+C to stop)")
    # Flask refuses app.run() inside its own CLI commands, so serve with Werkzeug directly.
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


# serve ---------------------------------------------------------------------------------------

@main.command("serve", with_appcontext=False)
@click.option("--bind", envvar="LIT_BIND", default="127.0.0.1:8000", show_default=True,
              help="Address:port to listen on (LIT_BIND); several separated by commas.")
@click.option("--workers", envvar="LIT_WORKERS", type=click.IntRange(1, 64), default=None,
              help="Worker processes (LIT_WORKERS); default 2 x CPU cores + 1, at most 12.")
@click.option("--threads", envvar="LIT_THREADS", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Threads per worker (LIT_THREADS).")
@click.option("--allow-development", is_flag=True,
              help="Serve even though LIT_ENV is not production (a trial on your own machine only).")
def serve_command(bind, workers, threads, allow_development):
    """Serve the platform in production with gunicorn (threaded workers, access log on standard output)."""
    import os

    from . import config as config_module
    from .serve import LitServer, default_workers, gunicorn_options, prepare_metrics_directory

    env = os.environ.get("LIT_ENV", "development")
    if env != "production" and not allow_development:
        raise click.ClickException(f"LIT_ENV is {env!r}: lit serve runs with production settings only (set "
                                   "LIT_ENV=production, LIT_SECRET_KEY and LIT_BASE_URL). For a trial on your own "
                                   "machine use lit run, or add --allow-development.")
    workers = workers or default_workers()
    # The count the configuration checks read (several workers need LIT_REDIS_URL to share rate limits).
    os.environ["LIT_WORKERS"] = str(workers)
    # Before the app (and prometheus-client) is first imported: the workers share metrics through these files.
    prepare_metrics_directory(config_module.INSTANCE_PATH)
    from . import create_app

    try:
        app = create_app()  # refuses unsafe settings here, once, rather than in every worker
    except config_module.ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    LitServer(gunicorn_options(bind, workers, threads, app.config["LIT_LOG_FORMAT"])).run()


@main.command("demo-data")
@click.option("--learners", type=click.IntRange(1, 1_000_000), default=1_000, show_default=True,
              help="How many synthetic learners to create.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same data.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day the data runs up to (YYYY-MM-DD); default: today (UTC).")
@with_appcontext
def demo_data_command(learners, seed, today):
    """Fill the database with a synthetic teaching service (learners, courses, tests, sessions) for reports."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from .core.types import utcnow
    from .courses.models import Course
    from .demo import import_shipped_courses
    from .reports import demo_data

    if current_app.config["LIT_ENV"] == "production":
        raise click.ClickException("lit demo-data creates accounts with a published password; "
                                   "it does not run in production.")
    started = time.perf_counter()
    if demo_data.synthetic_data_present():
        raise click.ClickException(f"This database already holds synthetic data (accounts @{demo_data.SYNTHETIC_DOMAIN});"
                                   " nothing was added. Use an empty database.")
    db.session.commit()  # end the read, so the migrations' DDL need not wait for it
    upgrade()
    if not db.session.scalar(select(func.count()).select_from(Course)):
        import_shipped_courses(lambda line: click.echo(line, err=True))
    day = today.date() if today else utcnow().date()

    def progress(label, length):
        return click.progressbar(length=length, label=f"{label:<32}", file=sys.stderr, show_pos=True)

    try:
        summary = demo_data.generate(learners, seed, day, progress)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    elapsed = time.perf_counter() - started
    click.echo(f"Synthetic data up to {day:%Y-%m-%d} (seed {seed}), written in {elapsed:.1f} s:")
    for label, count in summary.lines():
        click.echo(f"  {label:<26}{count:>12,}")
    click.echo(f"Staff sign in as {demo_data.MANAGER_EMAIL} or librarian1@{demo_data.SYNTHETIC_DOMAIN}, "
               f"learners as learner1@{demo_data.SYNTHETIC_DOMAIN} ...; password: {demo_data.PASSWORD}")


# backup and restore --------------------------------------------------------------------------

@main.command("backup")
@click.argument("path", required=False, type=click.Path())
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@with_appcontext
def backup_command(path, force):
    """Copy the database while the app runs, check the copy and describe it.

    SQLite: the online backup API; PostgreSQL: pg_dump --format=custom. PATH is a file, or a folder
    for lit-YYYYMMDD-HHMMSS.sqlite3 (.dump on PostgreSQL, UTC time); default instance/backups/.
    """
    from pathlib import Path

    from .core import backup

    url = db.engine.url.render_as_string(hide_password=False)  # relative SQLite paths resolved as the app does
    default_folder = Path(current_app.instance_path) / "backups"
    try:
        if backup.is_postgresql(url):
            summary = backup.backup_postgresql(url, backup.backup_target(path, default_folder, ".dump"),
                                               force=force)
        else:
            summary = backup.backup_sqlite(url, backup.backup_target(path, default_folder, ".sqlite3"),
                                           force=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    for line in summary.lines():
        click.echo(line)


@main.command("restore")
@click.argument("path", type=click.Path())
@click.option("--yes", is_flag=True, help="Restore without asking first (for scripts).")
@with_appcontext
def restore_command(path, yes):
    """Bring back an SQLite backup written by lit backup, then upgrade its schema to the latest.

    The backup is checked first; the current database is kept as <name>.before-restore-<time>.
    Stop the app servers first: the database must not be in use.
    """
    from flask_migrate import upgrade

    from .core import backup

    url = db.engine.url.render_as_string(hide_password=False)
    if not backup.is_sqlite(url):
        raise click.ClickException("lit restore brings back SQLite backups only; this database is PostgreSQL. "
                                   "Restore a pg_dump archive with pg_restore, as docs/backups.md "
                                   "shows. Nothing was changed.")
    db.engine.dispose()  # this command's own connections must not count as the database being in use
    revisions, head = backup.migration_revisions(current_app.extensions["migrate"].directory)
    try:
        summary = backup.inspect_backup(path, revisions)
        target = backup.sqlite_path(url)
        backup.refuse_if_in_use(target)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{path}: integrity ok, {summary.describe()}.")
    if not yes:
        try:
            confirmed = click.confirm(f"Replace {target} with this backup? The current database is kept "
                                      "beside it", default=False)
        except click.Abort:
            confirmed = False
        if not confirmed:
            raise click.ClickException("Nothing was changed (add --yes to restore without this question).")
    try:
        report = backup.restore_sqlite(path, url, revisions)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    for line in report.lines():
        click.echo(line)
    if summary.revision == head:
        click.echo(f"The schema is already at the latest revision ({head}).")
        return
    try:
        upgrade()
    except Exception as error:
        raise click.ClickException(
            f"The backup was restored, but upgrading its schema from revision {summary.revision} failed "
            f"({type(error).__name__}: {error}). Run lit db upgrade to try again"
            + (f"; the previous database is kept as {report.kept_as}." if report.kept_as else ".")) from None
    finally:
        db.engine.dispose()
    click.echo(f"Upgraded the schema from revision {summary.revision} to {head}.")


# users ---------------------------------------------------------------------------------------

@main.group("users")
def users_group():
    """Create and import user accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, default=["learner"], show_default=True,
              type=click.Choice(["learner", "librarian", "manager", "admin", "author"]), help="Repeat for several roles.")
@click.option("--password", help="Without it, the user is e-mailed a link to choose one (`lit outbox send`).")
@with_appcontext
def users_create(email, name, roles, password):
    """Create one account."""
    from .accounts.services import AccountError, create_user, send_invitation
    from .core.urls import external_url

    try:
        user = create_user(email, name, password, list(roles))
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    if password is None:
        send_invitation(user, lambda token: external_url("accounts.reset_password", token=token))
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(user.roles))})."
               + ("" if password else " An e-mail with a link to choose a password is queued."))


@users_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--create-units", is_flag=True,
              help="Create organisation units the file names that do not exist yet (otherwise an error).")
@with_appcontext
def users_import(csv_file, create_units):
    """Create accounts from a CSV file with header email,name,roles,org_unit (roles separated by ';')."""
    from functools import partial

    from .accounts.services import import_users_csv

    created = _import_csv(csv_file, partial(import_users_csv, create_units=create_units))
    click.echo(f"Imported {len(created)} user(s).")


def _import_csv(csv_file: str, importer) -> list:
    """Run an all-or-nothing CSV importer: commit what it made, or report every problem and stop."""
    from pathlib import Path

    from .core.textfiles import NotText, decode_utf8

    try:
        text = decode_utf8(Path(csv_file).read_bytes(), csv_file)
    except NotText as error:
        raise click.ClickException(str(error)) from None
    result = importer(text, csv_file)
    if result.errors:
        db.session.rollback()
        for error in result.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(result.errors)} problem(s) found; nothing was imported.")
    db.session.commit()
    return result.created


# outbox --------------------------------------------------------------------------------------

@main.group("outbox")
def outbox_group():
    """Deliver queued e-mail."""


@outbox_group.command("send")
@click.option("--loop", "interval", type=int, default=0, help="Keep sending every N seconds.")
@with_appcontext
def outbox_send(interval):
    """Send every message that is due, retrying failures later.

    Any number of workers may run this at once, on one machine or several: each message is claimed by
    one of them for LIT_OUTBOX_LEASE_SECONDS.
    """
    from datetime import timedelta

    from .outbox.services import SmtpSettings, send_pending, worker_name

    settings = SmtpSettings.from_config(current_app.config)
    lease = timedelta(seconds=current_app.config.get("LIT_OUTBOX_LEASE_SECONDS", 300))
    worker = worker_name()
    while True:
        counts = send_pending(settings, lease=lease, worker=worker)
        click.echo(f"sent {counts['sent']}, will retry {counts['retry']}, gave up on {counts['failed']}")
        if not interval:
            break
        time.sleep(interval)


# courses -------------------------------------------------------------------------------------

@main.group("courses")
def courses_group():
    """Check and import the courses kept as files."""


def _courses_path(path):
    from .config import from_environment

    return path or from_environment()["LIT_COURSES_PATH"]


@courses_group.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def courses_validate(path):
    """Report every problem in the course folders, with file and line (PATH: one course or a folder of courses)."""
    from .courses.loader import read_courses

    total = 0
    for folder, course, problems in read_courses(_courses_path(path)):
        for problem in problems:
            click.echo(str(problem), err=True)
        total += len(problems)
        if course and not problems:
            words = sum(m.word_count for m in course.modules)
            click.echo(f"{folder.name}: {len(course.modules)} modules, {words} words, no problems")
    if total:
        raise click.ClickException(f"{total} problem(s) found.")


@courses_group.command("lint")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def courses_lint(path):
    """Check the questions against item-writing guidelines, with file and line; fails on any error (or on a
    problem `validate` reports). PATH: one course or a folder of courses."""
    from .courses.lint import lint_course
    from .courses.loader import read_courses
    from .quizzes.lint import summary

    problems_total, findings_total = 0, []
    for folder, course, problems in read_courses(_courses_path(path)):
        for problem in problems:
            click.echo(f"{problem.file}, line {problem.line}: error [invalid] {problem.message}", err=True)
        problems_total += len(problems)
        if course is None:
            continue
        result = lint_course(course, str(folder.name) + "/course.yaml")
        for finding in result.findings:
            click.echo(str(finding), err=finding.severity == "error")
        findings_total += result.findings
        shares = [f"module quizzes: keyed option longest in {result.quizzes_share}"]
        if result.assessment_share is not None:
            shares.insert(0, f"pre/post test: keyed option longest in {result.assessment_share}")
        click.echo(f"{folder.name}: {'; '.join(shares)}; {summary(result.findings)}")
    errors = problems_total + sum(f.severity == "error" for f in findings_total)
    warnings = sum(f.severity == "warning" for f in findings_total)
    click.echo(f"{errors} error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}"
               + (f" (including {problems_total} that `lit courses validate` reports)" if problems_total else ""))
    if errors:
        raise SystemExit(1)


@courses_group.command("import")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@with_appcontext
def courses_import(path):
    """Import courses; unchanged ones are left alone; a course with problems is not imported at all."""
    from .courses.importer import import_course
    from .courses.loader import read_courses

    failed = 0
    for folder, course, problems in read_courses(_courses_path(path)):
        if problems:
            failed += 1
            for problem in problems:
                click.echo(str(problem), err=True)
            click.echo(f"{folder.name}: not imported because of the problem(s) above.", err=True)
            continue
        report = import_course(course)
        db.session.commit()
        click.echo(report.summary())
    if failed:
        raise click.ClickException(f"{failed} course(s) not imported.")


@courses_group.command("export")
@click.argument("slug")
@click.argument("zip_path", type=click.Path(dir_okay=False, writable=True))
@click.option("--draft", is_flag=True, help="The draft of a course authored in the browser, not what learners see.")
@with_appcontext
def courses_export(slug, zip_path, draft):
    """Write a course (shipped or authored in the browser) as a zip of its folder, which `lit courses validate`
    accepts once unzipped."""
    from pathlib import Path

    from .authoring.services import AuthoringError, export_zip

    try:
        data = export_zip(slug, "draft" if draft else "published")
    except AuthoringError as error:
        raise click.ClickException(str(error)) from None
    Path(zip_path).write_bytes(data)
    click.echo(f"{slug}: written to {zip_path}")


# quizzes and GIFT ----------------------------------------------------------------------------

@main.group("quizzes")
def quizzes_group():
    """Check and load quiz files (YAML)."""


def _read_quiz_or_fail(path):
    from .quizzes.files import read_quiz_file

    definition, problems = read_quiz_file(path)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found in {path}.")
    return definition


@quizzes_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def quizzes_validate(files):
    """Report every problem in quiz files, with file and line."""
    from .quizzes.files import read_quiz_file

    seen: dict = {}
    count = 0
    for path in files:
        _, problems = read_quiz_file(path, seen_keys=seen)
        for problem in problems:
            click.echo(str(problem), err=True)
        count += len(problems)
    if count:
        raise click.ClickException(f"{count} problem(s) found.")
    click.echo(f"{len(files)} file(s) checked: no problems.")


@quizzes_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--category", default="Imported", show_default=True, help="Bank category for the questions.")
@with_appcontext
def quizzes_import(file, category):
    """Load a quiz file into the bank; unchanged questions stay as they are."""
    from .quizzes.files import import_quiz

    quiz, changed = import_quiz(_read_quiz_or_fail(file), category)
    db.session.commit()
    click.echo(f"Quiz '{quiz.title}' ready with {len(quiz.slots)} question(s); {changed} new or changed.")


@main.group("gift")
def gift_group():
    """Moodle GIFT import and export."""


@gift_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--category", default="Imported", show_default=True,
              help="Category for questions the file does not place with $CATEGORY.")
@click.option("--strict", is_flag=True, help="Import nothing if any question has a problem.")
@with_appcontext
def gift_import(file, category, strict):
    """Import questions from a GIFT file; problems are listed with their lines."""
    from .quizzes.gift_io import import_gift

    with open(file, encoding="utf-8-sig") as handle:
        result = import_gift(handle.read(), category, strict=strict, filename=file)
    for error in result.errors:
        click.echo(error, err=True)
    if not result.committed:
        db.session.rollback()
        raise click.ClickException(f"{len(result.errors)} problem(s) found; with --strict nothing was imported.")
    db.session.commit()
    click.echo(f"Imported {result.imported} question(s); {result.unchanged} unchanged; "
               f"{len(result.errors)} could not be imported.")


@gift_group.command("export")
@click.option("--category", default=None, help="Category path; all questions when not given.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File; standard output if not given.")
@with_appcontext
def gift_export(category, output):
    """Write questions as GIFT (questions of types GIFT cannot express are listed and left out)."""
    from .quizzes.gift_io import export_category, unsupported_for_export
    from .quizzes.services import find_category

    if category and find_category(category) is None:
        raise click.ClickException(f"There is no category {category}.")
    text = export_category(category)
    for question in unsupported_for_export(category):
        click.echo(f"left out (GIFT has no {question.type} type): {question.title or question.stem[:60]}", err=True)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text, nl=False)


# sessions, reminders and API tokens ------------------------------------------------------------

@main.group("sessions")
def sessions_group():
    """Schedule workshop sessions."""


@sessions_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def sessions_import(csv_file):
    """Schedule sessions from CSV: title,start,minutes,capacity,mode,location,facilitator_email,course."""
    from .bookings.importer import import_sessions_csv

    unchanged = []
    created = _import_csv(csv_file, lambda text, name: _keep_unchanged(import_sessions_csv(text, name), unchanged))
    click.echo(f"Scheduled {len(created)} session(s)."
               + (f" {unchanged[0]} already scheduled, left alone." if unchanged and unchanged[0] else ""))


def _keep_unchanged(result, into: list):
    into.append(result.unchanged)
    return result


@main.group("attempts")
def attempts_group():
    """Quiz attempts."""


@attempts_group.command("close-overdue")
@with_appcontext
def attempts_close_overdue():
    """Submit timed attempts whose time ran out while their page was closed, with the answers saved by then.

    Run it every few minutes from cron; several machines may run it at once.
    """
    from .quizzes.overdue import close_overdue_attempts

    click.echo(f"Closed {close_overdue_attempts()} overdue attempt(s).")


@main.group("reminders")
def reminders_group():
    """Session reminders."""


@reminders_group.command("queue")
@click.option("--hours", type=int, default=None, help="Remind this many hours ahead (default LIT_REMINDER_HOURS).")
@with_appcontext
def reminders_queue(hours):
    """Queue reminder e-mails for sessions starting soon; each booking is reminded once. `lit outbox send` sends them."""
    from .bookings.services import queue_reminders

    count = queue_reminders(hours=hours)
    db.session.commit()
    click.echo(f"Queued {count} reminder(s).")


@main.group("tokens")
def tokens_group():
    """Personal API tokens."""


@tokens_group.command("create")
@click.option("--email", required=True, help="The account the token acts as.")
@click.option("--name", default="Command line", show_default=True, help="A name to recognise the token by.")
@with_appcontext
def tokens_create(email, name):
    """Create an API token and print it (last line); only its hash is kept."""
    from .accounts.services import find_user_by_email
    from .bookings.tokens import create_api_token

    user = find_user_by_email(email)
    if user is None or not user.is_active:
        raise click.ClickException(f"There is no active account with the e-mail address {email}.")
    _, token = create_api_token(user, name)
    db.session.commit()
    click.echo(f"Created API token '{name}' for {user.email}. It is shown once; keep it safe:")
    click.echo(token)



@main.group("assessments")
def assessments_group():
    """Pre/post assessment."""


@assessments_group.command("rebuild-results")
@with_appcontext
def assessments_rebuild_results():
    """Rebuild every participant's results row from their attempts (reports read these rows)."""
    from sqlalchemy import func, select

    from .assessments.models import Participant
    from .assessments.results import rebuild_all

    total = db.session.scalar(select(func.count(Participant.id)))
    with click.progressbar(length=total, label="Rebuilding results", file=sys.stderr) as bar:
        written = rebuild_all(progress=bar.update)
    db.session.commit()
    click.echo(f"{written} participant result(s) rebuilt.")


@assessments_group.command("invite-delayed")
@with_appcontext
def assessments_invite_delayed():
    """Queue an e-mail to every learner whose delayed post-test has come due (never twice)."""
    from .assessments.services import queue_delayed_invitations
    from .core.urls import external_url

    count = queue_delayed_invitations(
        lambda course: external_url("assessments.course_test", slug=course.slug, phase="delayed"))
    db.session.commit()
    click.echo(f"{count} invitation(s) queued; `lit outbox send` delivers them.")


# personal data: copies and retention ------------------------------------------------------------

def _as_of(value):
    """--as-of YYYY-MM-DD[THH:MM] (UTC), or now."""
    from datetime import timezone

    from .core.types import utcnow

    return value.replace(tzinfo=timezone.utc) if value else utcnow()


_AS_OF = click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), default=None,
                      help="Count retention periods back from this UTC time instead of now (for checks).")


@main.group("privacy")
def privacy_group():
    """Personal data: a person's copy of their data."""


@privacy_group.command("export")
@click.option("--email", required=True, help="The account whose data to export.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="The zip to write.")
@with_appcontext
def privacy_export(email, output):
    """Write a copy of one person's data (JSON and a readable page, in a zip) to a file."""
    from .accounts.services import find_user_by_email
    from .audit import record_event
    from .core.types import utcnow
    from .privacy.export import build_zip

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account with the e-mail address {email}.")
    with open(output, "wb") as handle:
        handle.write(build_zip(user, current_app.config, utcnow()))
    record_event("privacy.export_written", None, "user", user.id)
    db.session.commit()
    click.echo(f"Wrote {output}.")


@main.group("retention")
def retention_group():
    """Find data past its retention period, approve, then erase or anonymise it."""


@retention_group.command("review")
@_AS_OF
@with_appcontext
def retention_review(as_of):
    """List what has passed its retention period, with counts, and record it as a review to approve."""
    from .privacy import retention

    now = _as_of(as_of)
    review = retention.start_review(current_app.config, now)
    for rule in retention.RULES:
        count = review.count(rule.key) if review else 0
        period = retention.period_in_words(rule, current_app.config)
        click.echo(f"{count:>8}  {rule.finds} (kept {period}): {rule.does}")
    if review is None:
        click.echo("Nothing has passed its retention period; no review recorded.")
        return
    db.session.commit()
    click.echo(f"Recorded review {review.id}. An administrator approves it (`lit retention approve {review.id} "
               f"--by EMAIL`, or Administration > Personal data > Retention reviews); then run `lit retention apply`.")


@retention_group.command("approve")
@click.argument("review_id", type=int)
@click.option("--by", "email", required=True, help="E-mail address of the approving administrator.")
@with_appcontext
def retention_approve(review_id, email):
    """Approve a pending review (recorded in the audit log under the administrator's name)."""
    from .accounts.services import find_user_by_email
    from .core.types import utcnow
    from .privacy import retention
    from .privacy.models import RetentionReview

    review = db.session.get(RetentionReview, review_id)
    if review is None:
        raise click.ClickException(f"There is no review {review_id}.")
    try:
        retention.approve_review(review, find_user_by_email(email), utcnow())
    except retention.RetentionError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Approved review {review_id}; `lit retention apply` carries it out.")


@retention_group.command("apply")
@click.argument("review_id", type=int, required=False)
@_AS_OF
@with_appcontext
def retention_apply(review_id, as_of):
    """Erase or anonymise what approved reviews list (all of them, or REVIEW_ID), if it still qualifies."""
    from .core.database import forget_erased_data
    from .privacy import retention
    from .privacy.models import RetentionReview
    from .privacy.queries import approved_reviews

    now = _as_of(as_of)
    chosen = [db.session.get(RetentionReview, review_id)] if review_id else approved_reviews()
    if review_id and chosen[0] is None:
        raise click.ClickException(f"There is no review {review_id}.")
    if not chosen:
        click.echo("No approved review is waiting to be applied.")
        return
    from .core.database import start_write_transaction

    for review in chosen:
        start_write_transaction()
        db.session.refresh(review, with_for_update=True)
        if not review_id and review.status == "applied":
            click.echo(f"review {review.id}: already applied (by another run)")
            continue
        try:
            summary = retention.apply_review(review, current_app.config, now)
        except retention.RetentionError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
        forget_erased_data()
        for key, counts in summary.items():
            rule = retention.RULES_BY_KEY[key]
            click.echo(f"review {review.id}: {counts['done']} {rule.finds} {rule.does}"
                       + (f"; {counts['skipped']} left alone (no longer due)" if counts["skipped"] else ""))


if __name__ == "__main__":
    sys.exit(main())
