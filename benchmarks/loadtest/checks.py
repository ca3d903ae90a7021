"""After the load: was every write the server confirmed kept, and every booking confirmation mailed once?

Each function takes the app (on the load test's database, with the servers' secret key) and what the
simulated users recorded (locustfile.py), and returns counts; `lost` and `duplicated` must be 0.
"""
from __future__ import annotations

import re
from collections import Counter

MESSAGE_ID = re.compile(r"<outbox\.(\d+)\.")


def check_answers(app, record: dict) -> dict:
    """Every answer saved (the last one per question per attempt) is the response's answer in the database,
    read back from the posted fields the way the server reads them; every submitted attempt is submitted."""
    from sqlalchemy import select
    from werkzeug.datastructures import MultiDict

    from lit_platform.extensions import db
    from lit_platform.quizzes.models import Attempt, Response
    from lit_platform.quizzes.tokens import answer_tokens
    from lit_platform.quizzes.types import get_type

    lost, examples = 0, []
    saved, unconfirmed = record["answers"], record["unconfirmed"]
    ids = [entry["response"] for entry in saved.values()]
    with app.app_context():
        responses = {r.id: r for start in range(0, len(ids), 1000) for r in db.session.scalars(
            select(Response).where(Response.id.in_(ids[start:start + 1000])))}

        def answer_of(response, fields):
            question_type = get_type(response.version.type)
            values = question_type.values_from_form(MultiDict([tuple(pair) for pair in fields]), f"r{response.id}",
                                                    response.version.spec, answer_tokens(response))
            return question_type.read_response(response.version.spec, values)

        for key, entry in saved.items():
            response = responses.get(entry["response"])
            if response is not None and response.attempt_id == entry["attempt"]:
                kept = [answer_of(response, entry["fields"])]
                if key in unconfirmed:  # a later save whose outcome the client never learned
                    kept.append(answer_of(response, unconfirmed[key]))
                if response.answer in kept:
                    continue
            lost += 1
            if len(examples) < 5:
                examples.append({"response": entry["response"], "saved": entry["fields"],
                                 "stored": response.answer if response is not None else "(no such response)"})
        submitted = set(record["submitted"])
        still_open = db.session.scalar(select(db.func.count()).select_from(Attempt).where(
            Attempt.id.in_(submitted), Attempt.status == "in_progress")) if submitted else 0
        db.session.remove()
    return {"answers_saved": len(saved), "answers_lost": lost, "examples": examples,
            "attempts_submitted": len(submitted), "submits_lost": still_open or 0}


def check_bookings(app, record: dict, received: list[dict]) -> dict:
    """Each booking the learners saw confirmed has exactly one confirmation in the outbox, sent, and delivered
    exactly once to the SMTP server (by its Message-ID); each learner's last booking or cancellation is the
    booking's state in the database."""
    from sqlalchemy import select

    from lit_platform.accounts.models import User
    from lit_platform.bookings.messages import SUBJECTS
    from lit_platform.bookings.models import Booking, Session
    from lit_platform.extensions import db
    from lit_platform.outbox.models import OutboxMessage

    confirmed = Counter((e["email"], e["session_id"]) for e in record["bookings"] if e["action"] == "confirmed")
    last_action = {(e["email"], e["session_id"]): e["action"] for e in record["bookings"]}
    with app.app_context():
        sessions = dict(db.session.execute(select(Session.id, Session.title).where(
            Session.id.in_({e["session_id"] for e in record["bookings"]}))).all())
        subjects = {f"{SUBJECTS['confirmed']}: {title}": session_id for session_id, title in sessions.items()}
        outbox = db.session.execute(select(OutboxMessage.id, OutboxMessage.to_address, OutboxMessage.subject,
                                           OutboxMessage.status)
                                    .where(OutboxMessage.subject.in_(subjects))).all() if subjects else []
        in_outbox = Counter((to, subjects[subject]) for _, to, subject, _ in outbox)
        states = {(email, session_id): status for email, session_id, status in db.session.execute(
            select(User.email, Booking.session_id, Booking.status).join(User, User.id == Booking.user_id)
            .where(Booking.session_id.in_(sessions or [0]))).all()}
        outbox_status = Counter(status for (status,) in db.session.execute(select(OutboxMessage.status)).all())
        db.session.remove()
    deliveries = Counter(int(m.group(1)) for m in (MESSAGE_ID.search(r["message_id"]) for r in received) if m)
    keys = set(confirmed) | set(in_outbox)
    state_lost = sum(1 for key, action in last_action.items()
                     if not (states.get(key) == action or (action == "waitlisted" and states.get(key) == "confirmed")))
    return {
        "confirmations_expected": sum(confirmed.values()),
        "confirmations_in_outbox": sum(in_outbox.values()),
        "confirmations_lost": sum(max(0, confirmed[k] - in_outbox[k]) for k in keys),
        "confirmations_duplicated": sum(max(0, in_outbox[k] - confirmed[k]) for k in keys),
        "confirmations_not_sent": sum(1 for _, _, _, status in outbox if status != "sent"),
        "deliveries_lost": sum(1 for message_id, *_ in outbox if deliveries[message_id] == 0),
        "deliveries_duplicated": sum(deliveries[message_id] - 1 for message_id, *_ in outbox
                                     if deliveries[message_id] > 1),
        "bookings_changed": len(record["bookings"]),
        "booking_states_lost": state_lost,
        "outbox_by_status": dict(outbox_status),
        "messages_received": len(received),
        "messages_received_twice": sum(n - 1 for n in deliveries.values() if n > 1),
    }


def check_register(app, record: dict) -> dict:
    """Every attendance mark the librarians saved is the booking's attendance in the database."""
    from sqlalchemy import select

    from lit_platform.bookings.models import Booking
    from lit_platform.extensions import db

    marks = {int(key.split("/")[1]): mark for key, mark in record["register"].items()}
    with app.app_context():
        stored = dict(db.session.execute(select(Booking.id, Booking.attendance)
                                         .where(Booking.id.in_(marks or [0]))).all())
        db.session.remove()
    return {"marks_saved": len(marks), "marks_lost": sum(1 for b, mark in marks.items() if stored.get(b) != mark)}
