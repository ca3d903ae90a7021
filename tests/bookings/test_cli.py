"""`lit sessions import`, `lit reminders queue` and delivery through a real SMTP server."""
from datetime import datetime, timedelta, timezone

import vobject
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from lit_platform.bookings.models import Session
from lit_platform.cli import main as lit
from lit_platform.core.types import utcnow
from lit_platform.extensions import db

from ..outbox.test_delivery import smtp_server  # noqa: F401,F811  (the in-process SMTP server fixture)
from .conftest import book


def run_lit(app, *args):
    return CliRunner().invoke(lit, list(args), obj=ScriptInfo(create_app=lambda: app))


HEADER = "title,start,minutes,capacity,mode,location,facilitator_email,course\n"


def test_import_reports_every_bad_row_and_imports_nothing(app, make, tmp_path):
    make.user(email="lou@example.org", roles=["librarian"])
    make.user(email="lee@example.org", roles=["learner"])
    bad = tmp_path / "term.csv"
    bad.write_text(HEADER +
                   "Good one,2030-01-14 10:00,60,12,in_person,Room 1,lou@example.org,\n"
                   ",2030-01-14 10:00,60,12,in_person,Room 1,lou@example.org,\n"
                   "Bad time,14/01/2030 10am,60,12,in_person,Room 1,lou@example.org,\n"
                   "Gap,2030-03-31 01:30,60,12,in_person,Room 1,lou@example.org,\n"
                   "Bad mode,2030-01-14 10:00,60,0,zoom,Room 1,lee@example.org,no-such-course\n"
                   "No link,2030-01-14 10:00,60,12,online,Room 1,lou@example.org,\n", "utf-8")
    result = run_lit(app, "sessions", "import", str(bad))
    assert result.exit_code == 1
    out = result.output
    assert f"{bad}, line 3: the title is empty" in out
    assert f"{bad}, line 4: start '14/01/2030 10am' is not a date and time" in out
    assert f"{bad}, line 5: 01:30 on 31 March 2030 does not exist in Europe/London" in out
    assert f"{bad}, line 6: capacity '0'" in out and f"{bad}, line 6: mode 'zoom'" in out
    assert f"{bad}, line 6: no active librarian" in out and f"{bad}, line 6: there is no course 'no-such-course'" in out
    assert f"{bad}, line 7: location needs a link" in out
    assert f"{bad}, line 2" not in out and "nothing was imported" in out
    with app.app_context():
        assert db.session.scalars(select(Session)).all() == []


def test_import_schedules_in_local_time(app, make, tmp_path):
    make.user(email="lou@example.org", roles=["librarian"])
    good = tmp_path / "good.csv"
    good.write_text(HEADER +
                    "Winter clinic,2030-01-14 10:00,90,12,in_person,Room 1,LOU@example.org,\n"
                    "Summer webinar,2030-07-01 14:00,60,100,online,https://meet.example.org/w,lou@example.org,\n"
                    "Hybrid,2030-07-02 09:30,45,10,hybrid,Room 2 | https://meet.example.org/h,lou@example.org,\n",
                    "utf-8")
    result = run_lit(app, "sessions", "import", str(good))
    assert result.exit_code == 0, result.output
    assert "Scheduled 3 session(s)." in result.output
    with app.app_context():
        sessions = {s.title: s for s in db.session.scalars(select(Session))}
        assert sessions["Winter clinic"].starts_at == datetime(2030, 1, 14, 10, tzinfo=timezone.utc)
        assert sessions["Winter clinic"].ends_at == datetime(2030, 1, 14, 11, 30, tzinfo=timezone.utc)
        assert sessions["Summer webinar"].starts_at == datetime(2030, 7, 1, 13, tzinfo=timezone.utc)  # BST
        assert sessions["Summer webinar"].online_url == "https://meet.example.org/w"
        assert (sessions["Hybrid"].location, sessions["Hybrid"].online_url) == ("Room 2", "https://meet.example.org/h")


def test_reminders_are_queued_once_and_delivered_over_smtp(app, make, make_session, smtp_server):
    controller, inbox = smtp_server
    session = make_session(title="Evidence searching", starts_at=utcnow() + timedelta(hours=5))
    make_session(title="Next month", starts_at=utcnow() + timedelta(days=30))
    learner = make.user(email="rae@example.org")
    book(app, session.id, learner)
    app.config.update(LIT_SMTP_HOST="127.0.0.1", LIT_SMTP_PORT=controller.port)
    assert "sent 1" in run_lit(app, "outbox", "send").output  # the confirmation
    result = run_lit(app, "reminders", "queue")
    assert result.exit_code == 0 and "Queued 1 reminder(s)." in result.output
    assert "Queued 0 reminder(s)." in run_lit(app, "reminders", "queue").output
    assert "sent 1" in run_lit(app, "outbox", "send").output
    (_, confirmation), (_, reminder) = inbox.messages
    assert confirmation["Subject"] == "Booking confirmed: Evidence searching"
    attachment = next(confirmation.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "REQUEST"
    calendar = vobject.readOne(attachment.get_content())
    assert calendar.method.value == "REQUEST" and calendar.vevent.summary.value == "Evidence searching"
    assert reminder["Subject"] == "Reminder: Evidence searching"
    body = reminder.get_body(("plain",)).get_content()
    assert "This is a reminder of your session." in body and "http://127.0.0.1:5000/sessions/" in body


def test_reminder_hours_come_from_the_setting(app, make, make_session):
    session = make_session(starts_at=utcnow() + timedelta(hours=30))
    book(app, session.id, make.user())
    assert "Queued 0" in run_lit(app, "reminders", "queue").output
    app.config["LIT_REMINDER_HOURS"] = 48
    assert "Queued 1" in run_lit(app, "reminders", "queue").output
    assert "Queued 0" in run_lit(app, "reminders", "queue", "--hours", "72").output


def test_importing_the_same_file_twice_schedules_nothing_twice(app, make, tmp_path):
    make.user(email="lou@example.org", roles=["librarian"])
    term = tmp_path / "term.csv"
    term.write_text(HEADER +
                    "Winter clinic,2030-01-14 10:00,90,12,in_person,Room 1,lou@example.org,\n"
                    "Summer webinar,2030-07-01 14:00,60,100,online,https://meet.example.org/w,lou@example.org,\n",
                    "utf-8")
    assert "Scheduled 2 session(s)." in run_lit(app, "sessions", "import", str(term)).output
    # the same file, one row with other capitals, and one new row
    term.write_text(HEADER +
                    "WINTER CLINIC,2030-01-14 10:00,90,12,in_person,room 1,lou@example.org,\n"
                    "Summer webinar,2030-07-01 14:00,60,100,online,https://meet.example.org/w,lou@example.org,\n"
                    "Spring clinic,2030-04-14 10:00,90,12,in_person,Room 1,lou@example.org,\n", "utf-8")
    result = run_lit(app, "sessions", "import", str(term))
    assert result.exit_code == 0, result.output
    assert "Scheduled 1 session(s). 2 already scheduled, left alone." in result.output
    with app.app_context():
        assert sorted(s.title for s in db.session.scalars(select(Session))) == [
            "Spring clinic", "Summer webinar", "Winter clinic"]


def test_a_start_in_the_past_or_a_row_given_twice_is_an_error(app, make, tmp_path):
    make.user(email="lou@example.org", roles=["librarian"])
    bad = tmp_path / "term.csv"
    bad.write_text(HEADER +
                   "Old clinic,2020-01-14 10:00,90,12,in_person,Room 1,lou@example.org,\n"
                   "Clinic,2030-01-14 10:00,90,12,in_person,Room 1,lou@example.org,\n"
                   "Clinic,2030-01-14 10:00,60,20,in_person,Room 1,lou@example.org,\n", "utf-8")
    result = run_lit(app, "sessions", "import", str(bad))
    assert result.exit_code == 1
    assert f"{bad}, line 2: start '2020-01-14 10:00' is in the past" in result.output
    assert f"{bad}, line 4: the same session (title, start and place) is already on line 3" in result.output
    with app.app_context():
        assert db.session.scalars(select(Session)).all() == []
