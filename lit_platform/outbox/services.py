"""Queue messages in the current transaction; deliver them later over SMTP."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select

from ..core.types import utcnow
from ..extensions import db
from .links import LINK_PLACEHOLDER, LinkUnusable, fill_html, fill_text, seal, unseal
from .models import OutboxMessage


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = "library-learning@localhost"
    max_tries: int = 5

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        return cls(
            host=config["LIT_SMTP_HOST"],
            port=config["LIT_SMTP_PORT"],
            username=config["LIT_SMTP_USERNAME"],
            password=config["LIT_SMTP_PASSWORD"],
            starttls=config["LIT_SMTP_STARTTLS"],
            sender=config["LIT_MAIL_FROM"],
            max_tries=config["LIT_OUTBOX_MAX_TRIES"],
        )


def queue_message(
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    ics: str | None = None,
    ics_method: str | None = None,
    user_id: int | None = None,
    link: str | None = None,
    link_expires_at: datetime | None = None,
) -> OutboxMessage:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits.

    A `link` that grants access (registration, password reset) is not stored in the text: the text says
    LINK_PLACEHOLDER where it goes, and the link is filled in as the message is sent (if it has not
    expired by then: `link_expires_at`).
    """
    if link is not None and LINK_PLACEHOLDER not in body_text:
        raise ValueError(f"The text of a message with a link must say {LINK_PLACEHOLDER!r} where the link goes.")
    # One header line that fits the column: a line break (from a title or a librarian's subject) would make
    # the message unsendable and stop `lit outbox send` at it, and PostgreSQL refuses more than 255 characters.
    subject = " ".join((subject or "").split())[:255]
    message = OutboxMessage(
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        ics=ics,
        ics_method=ics_method,
        user_id=user_id,
        secret=seal(link, link_expires_at) if link is not None else None,
    )
    db.session.add(message)
    db.session.flush()
    return message


def texts_as_sent(message: OutboxMessage, secret_key: str | bytes | None = None,
                  now: datetime | None = None) -> tuple[str, str | None]:
    """The plain text and HTML of a message with its link filled in; LinkUnusable if that cannot be done
    (at `now`, when given)."""
    body_text, body_html = message.body_text, message.body_html
    if message.secret:
        sealed = unseal(message.secret, secret_key)
        link = sealed.check(now) if now is not None else sealed.url
        body_text = fill_text(body_text, link)
        body_html = fill_html(body_html, link) if body_html else body_html
    return body_text, body_html


def build_email(message: OutboxMessage, sender: str, secret_key: str | bytes | None = None,
                now: datetime | None = None) -> EmailMessage:
    """The message as it goes out, with its link filled in (LinkUnusable if that cannot be done)."""
    body_text, body_html = texts_as_sent(message, secret_key, now)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    email.set_content(body_text)
    if body_html:
        email.add_alternative(body_html, subtype="html")
    if message.ics:
        method = message.ics_method or "REQUEST"
        email.add_attachment(
            message.ics.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": method, "charset": "utf-8"},
        )
    return email


def retry_delay(tries: int) -> timedelta:
    """Back off 1, 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(tries - 1, 0), 60))


def revealed_link(message: OutboxMessage) -> str | None:
    """The link a pending message will carry, for development only (the demo has no mail server)."""
    if not message.secret:
        return None
    try:
        return unseal(message.secret).url
    except LinkUnusable:
        return None


def send_pending(settings: SmtpSettings, now: datetime | None = None, limit: int = 200) -> dict:
    """Deliver due messages. Each message is committed on its own so a failure loses nothing.

    A message's link is forgotten once the message is sent or given up; one whose link has expired is given up.
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not due:
        return counts
    smtp = None
    try:
        for message in due:
            try:
                email = build_email(message, settings.sender, now=now)
            except LinkUnusable as error:
                message.tries += 1
                message.status = "failed"
                message.secret = None
                message.last_error = str(error)
                counts["failed"] += 1
                db.session.commit()
                continue
            try:
                if smtp is None:
                    smtp = _connect(settings)
                smtp.send_message(email)
            except (smtplib.SMTPException, OSError) as error:
                message.tries += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                if message.tries >= settings.max_tries:
                    message.status = "failed"
                    message.secret = None
                    counts["failed"] += 1
                else:
                    message.next_attempt_at = now + retry_delay(message.tries)
                    counts["retry"] += 1
                if smtp is not None and isinstance(error, smtplib.SMTPServerDisconnected):
                    smtp = None
            else:
                message.tries += 1
                message.status = "sent"
                message.secret = None
                message.sent_at = utcnow()
                message.last_error = None
                counts["sent"] += 1
            db.session.commit()
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return counts


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=30)
    if settings.starttls:
        smtp.starttls()
    if settings.username:
        smtp.login(settings.username, settings.password)
    return smtp
