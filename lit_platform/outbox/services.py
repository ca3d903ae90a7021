"""Queue messages in the current transaction; deliver them later over SMTP."""
from __future__ import annotations

import logging
import os
import secrets
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import or_, select, update

from ..core.database import start_write_transaction
from ..core.types import utcnow
from ..extensions import db
from .links import LINK_PLACEHOLDER, LinkUnusable, fill_html, fill_text, seal, unseal
from .models import OutboxMessage

logger = logging.getLogger(__name__)
#: how long a worker may hold the messages it claimed (LIT_OUTBOX_LEASE_SECONDS), and how many it claims at once
DEFAULT_LEASE = timedelta(minutes=5)
BATCH = 50


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
    # The same Message-ID on every try, so that a message sent twice (see send_pending) can be recognised.
    domain = sender.rpartition("@")[2] or "localhost"
    stamp = message.created_at.strftime("%Y%m%d%H%M%S") if message.created_at else "0"
    email["Message-ID"] = f"<outbox.{message.id}.{stamp}@{domain}>"
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


def worker_name() -> str:
    """Who claims a message: this host and process, plus a random part (a pid is reused after a restart)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def claim_batch(worker: str, now: datetime, lease: timedelta, size: int) -> list[OutboxMessage]:
    """Take up to `size` due messages for `worker` until `now + lease`, in one short committed transaction.

    A message is due when it is pending, its next attempt time has come, and nobody holds a live lease
    on it. On PostgreSQL two workers claiming at once skip each other's rows (FOR UPDATE SKIP LOCKED);
    on SQLite the write lock is taken before reading, so claims happen one after another.
    """
    start_write_transaction()
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
               or_(OutboxMessage.lease_expires_at.is_(None), OutboxMessage.lease_expires_at <= now))
        .order_by(OutboxMessage.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    ).all()
    if ids:
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids))
            .values(claimed_by=worker, claimed_at=now, lease_expires_at=now + lease)
            .execution_options(synchronize_session=False))
    db.session.commit()
    if not ids:
        return []
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                   .order_by(OutboxMessage.id).execution_options(populate_existing=True)))


def _finish(message_id: int, worker: str, values: dict) -> bool:
    """Record a send's outcome and give up the claim, in its own transaction; False if the claim was lost."""
    start_write_transaction()
    done = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)
        .values(claimed_by=None, claimed_at=None, lease_expires_at=None, **values)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return done.rowcount == 1


def _release(message_ids: list[int], worker: str) -> None:
    """Give back claimed messages that were not tried, so another worker may take them at once."""
    if not message_ids:
        return
    start_write_transaction()
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(message_ids), OutboxMessage.claimed_by == worker)
        .values(claimed_by=None, claimed_at=None, lease_expires_at=None)
        .execution_options(synchronize_session=False))
    db.session.commit()


def send_pending(settings: SmtpSettings, now: datetime | None = None, limit: int | None = None,
                 lease: timedelta = DEFAULT_LEASE, batch: int = BATCH, worker: str | None = None) -> dict:
    """Deliver due messages until none is left (or `limit` have been tried); returns the counts.

    Several workers on several machines may run this at once: each message is claimed by one worker
    (claim_batch) and sent outside any transaction; its outcome is committed on its own. A worker
    that dies leaves its claimed messages to others once the lease runs out. The one window for a
    duplicate: the SMTP server accepted a message and the worker died (or lost the database) before
    committing "sent" - the message is sent again after the lease, with the same Message-ID.
    A message's link (registration, reset) is forgotten once it is sent or given up; one whose link has
    expired is given up.
    """
    worker = worker or worker_name()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    smtp = None
    tried = 0
    try:
        while limit is None or tried < limit:
            claimed_at = now or utcnow()
            size = batch if limit is None else min(batch, limit - tried)
            due = claim_batch(worker, claimed_at, lease, size)
            if not due:
                break
            # Stop short of the lease's end rather than send what another worker may already have taken.
            deadline = time.monotonic() + lease.total_seconds() * 0.8
            for index, message in enumerate(due):
                if time.monotonic() > deadline:
                    _release([m.id for m in due[index:]], worker)
                    break
                tried += 1
                try:
                    email = build_email(message, settings.sender, now=claimed_at)
                except LinkUnusable as error:
                    _finish(message.id, worker, {"tries": message.tries + 1, "status": "failed", "secret": None,
                                                 "last_error": str(error)})
                    counts["failed"] += 1
                    continue
                try:
                    if smtp is None:
                        smtp = _connect(settings)
                    smtp.send_message(email)
                except (smtplib.SMTPException, OSError) as error:
                    tries = message.tries + 1
                    values = {"tries": tries, "last_error": f"{type(error).__name__}: {error}"[:2000]}
                    if tries >= settings.max_tries:
                        values["status"] = "failed"
                        values["secret"] = None  # a link that will never be sent is forgotten
                        counts["failed"] += 1
                    else:
                        values["next_attempt_at"] = claimed_at + retry_delay(tries)
                        counts["retry"] += 1
                    _finish(message.id, worker, values)
                    if smtp is not None and isinstance(error, smtplib.SMTPServerDisconnected):
                        smtp = None
                else:
                    if not _finish(message.id, worker, {"tries": message.tries + 1, "status": "sent", "secret": None,
                                                        "sent_at": utcnow(), "last_error": None}):
                        logger.warning("Outbox message %s was sent after its lease ran out; another worker "
                                       "may send it too.", message.id)
                    counts["sent"] += 1
            if len(due) < size:
                break
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
    db.session.expire_all()
    return counts


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=30)
    if settings.starttls:
        smtp.starttls()
    if settings.username:
        smtp.login(settings.username, settings.password)
    return smtp
