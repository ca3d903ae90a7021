"""Outbox delivery to a real SMTP server running in this process."""
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import select

from lit_platform.cli import main as lit
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.outbox.services import SmtpSettings, queue_message, send_pending

from ..servers import free_port


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def settings_for(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="library@example.org", max_tries=3)


def test_queued_message_is_delivered_with_its_calendar_attachment(ctx, smtp_server):
    controller, inbox = smtp_server
    queue_message("ann@example.org", "Workshop booked", "See you there.", body_html="<p>See you there.</p>",
                  ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", ics_method="REQUEST")
    db.session.commit()
    assert send_pending(settings_for(controller.port)) == {"sent": 1, "retry": 0, "failed": 0}
    (recipients, email), = inbox.messages
    assert recipients == ["ann@example.org"] and email["Subject"] == "Workshop booked"
    assert email.get_body(("plain",)).get_content().strip() == "See you there."
    attachment = next(email.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == "sent" and message.sent_at is not None
    assert send_pending(settings_for(controller.port)) == {"sent": 0, "retry": 0, "failed": 0}  # never twice


def test_unreachable_server_is_retried_later_then_given_up(ctx, smtp_server):
    controller, inbox = smtp_server
    queue_message("bo@example.org", "Hello", "Text")
    db.session.commit()
    dead = settings_for(free_port())
    now = utcnow()
    assert send_pending(dead, now=now) == {"sent": 0, "retry": 1, "failed": 0}
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == "pending" and message.tries == 1 and "Error" in message.last_error
    assert send_pending(settings_for(controller.port), now=now)["sent"] == 0  # not due yet
    assert send_pending(dead, now=now + timedelta(minutes=5)) == {"sent": 0, "retry": 1, "failed": 0}
    assert send_pending(dead, now=now + timedelta(hours=1)) == {"sent": 0, "retry": 0, "failed": 1}
    assert message.status == "failed" and inbox.messages == []


def test_message_is_only_sent_if_its_transaction_commits(ctx, smtp_server):
    controller, inbox = smtp_server
    queue_message("cy@example.org", "Never", "Rolled back")
    db.session.rollback()
    assert send_pending(settings_for(controller.port))["sent"] == 0 and inbox.messages == []


def test_lit_outbox_send_command_delivers_a_password_reset(app, make, smtp_server):
    from ..conftest import Actions

    controller, inbox = smtp_server
    make.user(email="dee@example.org")
    Actions(app.test_client()).post("/account/password/forgot", {"email": "dee@example.org"})
    app.config.update(LIT_SMTP_PORT=controller.port, LIT_SMTP_HOST="127.0.0.1")
    result = CliRunner().invoke(lit, ["outbox", "send"], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    (recipients, email), = inbox.messages
    assert recipients == ["dee@example.org"] and "/account/password/reset/" in email.get_body().get_content()


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
