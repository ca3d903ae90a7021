"""Several `lit outbox send` processes on one database and one SMTP server: every message once.

The workers are real processes (as on several machines), the SMTP server runs in this process and
counts what it receives by Message-ID, which stays the same on every try of a message.
"""
import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

from ..conftest import PROJECT_ROOT
from ..servers import free_port

MESSAGE_ID = re.compile(r"<outbox\.(\d+)\.")


class CountingInbox:
    """Records the outbox id (from the Message-ID) and arrival time of each message; optionally slow."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.received: list[tuple[int, float]] = []

    async def handle_DATA(self, server, session, envelope):
        header = re.search(rb"^Message-ID: *(.+)$", envelope.content, re.M | re.I)
        self.received.append((int(MESSAGE_ID.search(header.group(1).decode()).group(1)), time.time()))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def counts(self) -> Counter:
        return Counter(message_id for message_id, _ in self.received)


def smtp_server(inbox):
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def queue(app, count: int) -> list[int]:
    with app.app_context():
        rows = [{"to_address": f"learner{n}@example.org", "subject": f"Message {n}", "body_text": f"Body {n}",
                 "status": "pending", "tries": 0, "created_at": datetime.now(timezone.utc),
                 "next_attempt_at": datetime.now(timezone.utc)} for n in range(count)]
        db.session.execute(sa.insert(OutboxMessage), rows)
        db.session.commit()
        return list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))


def worker(url, port, tmp_path, *extra, lease=300, capture=True):
    env = {**os.environ, "LIT_DATABASE_URL": url, "LIT_SMTP_HOST": "127.0.0.1", "LIT_SMTP_PORT": str(port),
           "LIT_MAIL_FROM": "library@example.org", "LIT_OUTBOX_LEASE_SECONDS": str(lease), "LIT_ENV": "development",
           "LIT_INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen([sys.executable, "-m", "lit_platform.cli", "outbox", "send", *extra], env=env,
                            cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                            stderr=subprocess.PIPE if capture else subprocess.DEVNULL)


def statuses(app) -> dict:
    with app.app_context():
        result = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        db.session.remove()
        return result


def test_three_workers_deliver_a_thousand_messages_each_exactly_once(committed, tmp_path):
    url, app = committed
    ids = queue(app, 1000)
    inbox = CountingInbox()
    controller = smtp_server(inbox)
    try:
        started = time.monotonic()
        workers = [worker(url, controller.port, tmp_path) for _ in range(3)]
        outputs = [process.communicate(timeout=300) for process in workers]
        elapsed = time.monotonic() - started
    finally:
        controller.stop()
    for process, (out, err) in zip(workers, outputs):
        assert process.returncode == 0, err
    sent = [int(re.search(r"sent (\d+)", out).group(1)) for out, _ in outputs]
    print(f"\n{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: 1000 messages, 3 workers, "
          f"{elapsed:.1f} s (including start-up); split {sent}")
    counts = inbox.counts()
    assert sorted(counts) == ids  # every message arrived
    assert set(counts.values()) == {1}  # and none twice
    assert sum(sent) == 1000
    assert statuses(app) == {"sent": 1000}


def test_a_worker_killed_mid_batch_loses_nothing(committed, tmp_path):
    url, app = committed
    ids = queue(app, 240)
    inbox = CountingInbox(delay=0.02)
    controller = smtp_server(inbox)
    others = []
    try:
        first = worker(url, controller.port, tmp_path, lease=4, capture=False)
        deadline = time.monotonic() + 60
        while len(inbox.received) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        with app.app_context():
            stranded = db.session.execute(select(OutboxMessage.id, OutboxMessage.lease_expires_at).where(
                OutboxMessage.status == "pending", OutboxMessage.claimed_by.is_not(None))).all()
            db.session.remove()
        assert stranded, "the worker was killed with claimed messages not yet sent"
        others = [worker(url, controller.port, tmp_path, "--loop", "1", lease=4, capture=False) for _ in range(2)]
        deadline = time.monotonic() + 120
        while statuses(app).get("sent", 0) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for process in others:
            process.terminate()
            process.wait(10)
        controller.stop()
    counts = inbox.counts()
    assert sorted(counts) == ids
    assert statuses(app) == {"sent": len(ids)}
    # The one window for a duplicate: a message the SMTP server accepted just before the kill.
    assert sum(1 for n in counts.values() if n > 1) <= 1
    # The killed worker's messages waited for its lease to run out before another worker took them.
    for message_id, lease_expires_at in stranded:
        if counts[message_id] == 1:
            arrived = next(at for n, at in inbox.received if n == message_id)
            assert arrived >= lease_expires_at.timestamp() - 0.5
