"""Registration and reset links are secrets: kept out of stored text, the outbox page and the data copy."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.outbox.links import LINK_PLACEHOLDER
from lit_platform.outbox.models import OutboxMessage
from lit_platform.outbox.services import queue_message, send_pending, texts_as_sent

from ..conftest import Actions
from ..privacy.test_export import export_of
from ..servers import free_port
from .test_delivery import settings_for, smtp_server  # noqa: F401 (the fixture)


def stored(app) -> str:
    """Every column of every outbox row, as the database holds it."""
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.__table__)).mappings().all()
    return json.dumps([dict(row) for row in rows], default=str)


def only_message(app) -> OutboxMessage:
    with app.app_context():
        return db.session.scalars(select(OutboxMessage)).one()


def link_in(text: str, path: str) -> str:
    return re.search(rf"https?://\S+({re.escape(path)}\S+)", text).group(0)


def test_a_reset_link_is_hidden_from_storage_admins_and_the_data_copy_and_forgotten_once_sent(
        app, make, sign_in, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    dee = make.user(email="dee@example.org", name="Dee Dale")
    Actions(app.test_client()).post("/account/password/forgot", {"email": "dee@example.org"})
    message = only_message(app)
    with app.app_context():
        link = link_in(texts_as_sent(message)[0], "/account/password/reset/")
    token = link.rsplit("/", 1)[1]

    before = stored(app)
    assert token not in before and "/account/password/reset/" not in before and LINK_PLACEHOLDER in before
    assert message.secret and token not in message.secret

    admin, _ = sign_in("admin")
    page = admin.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "[link hidden]" in page and token not in page and "/account/password/reset/" not in page
    tables, copy_page, copy_json = export_of(app, dee.id)
    assert "[link hidden]" in copy_json and "[link hidden]" in copy_page
    assert token not in copy_json and token not in copy_page and message.secret not in copy_json

    with app.app_context():
        assert send_pending(settings_for(controller.port)) == {"sent": 1, "retry": 0, "failed": 0}
    (recipients, email), = inbox.messages
    assert recipients == ["dee@example.org"] and link in email.get_body().get_content()
    assert "[link hidden]" not in email.get_body().get_content()
    after = stored(app)
    assert token not in after and only_message(app).secret is None and only_message(app).status == "sent"

    path = link.split("localhost", 1)[1]
    response = Actions(app.test_client()).post(path, {"password": "opal lantern river"}, page=path)
    assert response.status_code == 302


def test_a_registration_link_is_not_stored_and_still_arrives_working(app, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    Actions(app.test_client()).post("/account/register", {"email": "eli@example.org"}, page="/account/register")
    assert "/account/register/" not in stored(app) and LINK_PLACEHOLDER in only_message(app).body_text
    with app.app_context():
        assert send_pending(settings_for(controller.port))["sent"] == 1
    (_, email), = inbox.messages
    link = link_in(email.get_body().get_content(), "/account/register/")
    token = link.rsplit("/", 1)[1]
    assert token not in stored(app) and only_message(app).secret is None
    page = app.test_client().get(link.split("localhost", 1)[1])
    assert page.status_code == 200 and "eli@example.org" in page.get_data(as_text=True)


def test_the_link_is_forgotten_when_delivery_is_given_up(ctx):
    queue_message("fay@example.org", "Reset", f"Open {LINK_PLACEHOLDER}", link="https://x.example/reset/abc123")
    db.session.commit()
    dead = settings_for(free_port())
    now = utcnow()
    for minutes in (0, 5, 60):
        send_pending(dead, now=now + timedelta(minutes=minutes))
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == "failed" and message.secret is None and "abc123" not in message.body_text


def test_a_link_sealed_under_another_secret_key_fails_clearly_and_is_dropped(app, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    with app.app_context():
        queue_message("gil@example.org", "Reset", f"Open {LINK_PLACEHOLDER}", link="https://x.example/reset/abc")
        db.session.commit()
    app.config["SECRET_KEY"] = "another-secret-key-that-is-long-enough-9876543210"
    with app.app_context():
        assert send_pending(settings_for(controller.port)) == {"sent": 0, "retry": 0, "failed": 1}
    message = only_message(app)
    assert inbox.messages == [] and message.status == "failed" and message.secret is None
    assert "secret key has changed" in message.last_error and "ask for a new one" in message.last_error


def test_a_link_that_expired_before_it_could_be_sent_is_dropped_and_not_sent(ctx, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    now = utcnow()
    queue_message("jo@example.org", "Reset", f"Open {LINK_PLACEHOLDER}", link="https://x.example/reset/abc",
                  link_expires_at=now + timedelta(minutes=60))
    db.session.commit()
    assert send_pending(settings_for(controller.port), now=now + timedelta(minutes=61))["failed"] == 1
    message = db.session.scalars(select(OutboxMessage)).one()
    assert inbox.messages == [] and message.status == "failed" and message.secret is None
    assert "expired before it could be sent" in message.last_error


def test_only_development_shows_a_pending_link_to_administrators(app, make, sign_in):
    make.user(email="hal@example.org")
    Actions(app.test_client()).post("/account/password/forgot", {"email": "hal@example.org"})
    message = only_message(app)
    admin, _ = sign_in("admin")
    for env in ("testing", "production"):
        app.config["LIT_ENV"] = env
        assert "/account/password/reset/" not in admin.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    app.config["LIT_ENV"] = "development"
    html = admin.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert re.search(r'<a href="http://localhost/account/password/reset/[^"]+">', html)


def test_a_message_with_a_link_must_say_where_the_link_goes(ctx):
    with pytest.raises(ValueError, match=re.escape(LINK_PLACEHOLDER)):
        queue_message("ivy@example.org", "Reset", "No place for it", link="https://x.example/reset/abc")


def test_upgrading_hides_the_links_in_mail_already_sent_and_leaves_waiting_mail_to_go_out(
        database_url, tmp_path_factory):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from lit_platform import create_app

    from ..conftest import app_config, drop_postgres_database, new_database

    kind = sa.engine.make_url(database_url).get_backend_name()
    url = new_database(kind, tmp_path_factory)
    try:
        app = create_app(app_config(url))
        with app.app_context():
            upgrade(revision="b3d5f7a9c1e2")
            insert = sa.text("INSERT INTO outbox_messages (to_address, subject, body_text, status, tries, created_at, "
                             "next_attempt_at) VALUES (:to, 'Reset', :body, :status, 0, :now, :now)")
            now = utcnow()
            for status in ("sent", "failed", "pending"):
                db.session.execute(insert, {"to": f"{status}@example.org", "status": status, "now": now,
                                            "body": f"Open:\n\nhttps://lit.example/account/password/reset/tok-{status}"
                                                    "\n\nor https://lit.example/account/register/reg-" + status})
            db.session.commit()
            upgrade(revision="c4e6a8f0b2d4")
            bodies = dict(db.session.execute(sa.text("SELECT status, body_text FROM outbox_messages")).all())
            db.session.remove()
            db.engine.dispose()
        for status in ("sent", "failed"):
            assert "tok-" not in bodies[status] and "reg-" not in bodies[status]
            assert bodies[status] == "Open:\n\n[link hidden]\n\nor [link hidden]"
        assert "/account/password/reset/tok-pending" in bodies["pending"]
    finally:
        if kind == "postgresql":
            drop_postgres_database(url)
