"""The administrator's home: people, privacy requests with their deadlines, failed e-mail, retention reviews."""
from __future__ import annotations

from datetime import date, timedelta

from lit_platform.accounts.models import User
from lit_platform.extensions import db
from lit_platform.home.admin import admin_home
from lit_platform.outbox.models import OutboxMessage
from lit_platform.privacy import requests as privacy_requests
from lit_platform.privacy.models import RetentionReview

from .conftest import page


def log(app, kind: str, subject, admin, received: date) -> int:
    with app.app_context():
        request = privacy_requests.log_request(kind, db.session.get(User, subject.id), received,
                                               db.session.get(User, admin.id), date.today())
        db.session.commit()
        return request.id


def test_the_admin_home_in_figures(app, make):
    admin = make.user(roles=["admin"], password=None)
    make.user(password=None)
    make.user(password=None, active=False)
    learner = make.user("private.person@example.org", "Priya Private", password=None)
    late = log(app, "erasure", learner, admin, date.today() - timedelta(days=40))
    soon = log(app, "access", learner, admin, date.today() - timedelta(days=3))
    with app.app_context():
        db.session.add_all([OutboxMessage(to_address="x@example.org", subject="s", body_text="b", status="failed"),
                            OutboxMessage(to_address="y@example.org", subject="s", body_text="b", status="sent"),
                            RetentionReview(as_of=admin.created_at, status="pending", items={})])
        db.session.commit()
        home = admin_home()
    assert (home.active_users, home.inactive_users) == (3, 1)
    assert home.by_role == {"admin": 1, "learner": 2}
    assert [r.id for r in home.requests] == [late, soon] and home.open_requests == 2
    assert home.requests[0].days_left(date.today()) < 0
    assert (home.failed_messages, home.reviews_to_approve, home.reviews_to_apply) == (1, 1, 0)


def test_the_admin_page_names_no_one_and_links_to_each_page(app, make, client, actions):
    admin = make.user("ada@example.org", "Ada Admin", roles=["admin"])
    learner = make.user("private.person@example.org", "Priya Private", password=None)
    request_id = log(app, "erasure", learner, admin, date.today() - timedelta(days=40))
    with app.app_context():
        db.session.add(OutboxMessage(to_address="private.person@example.org", subject="s", body_text="b",
                                     status="failed"))
        db.session.commit()
    actions.login("ada@example.org")
    html = page(client)
    assert "Priya" not in html and "private.person" not in html
    assert f'href="/admin/privacy/requests/{request_id}">Request {request_id}: Erasure of their data</a>' in html
    assert "Overdue: was due" in html
    assert 'href="/admin/outbox?status=failed">1 message could not be sent</a>' in html
    for link in (f"/admin/privacy/requests/{request_id}", "/admin/outbox?status=failed", "/admin/users",
                 "/admin/privacy/retention", "/admin/privacy/requests", "/admin/users?role=learner&amp;status=active"):
        assert f'href="{link}"' in html
        assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_an_admin_with_nothing_waiting_sees_empty_states(make, client, actions):
    make.user("ada@example.org", "Ada Admin", roles=["admin"])
    actions.login("ada@example.org")
    html = page(client)
    for sentence in ("No privacy requests are open.", "No messages have failed.", "No retention review is waiting.",
                     "1 active account."):
        assert sentence in html


def test_the_admin_home_costs_a_bounded_number_of_queries(app, make, client, actions, count_queries):
    admin = make.user("count@example.org", "Cy Count", roles=["admin"])
    actions.login("count@example.org")
    with count_queries() as before:
        page(client)
    for _ in range(3):
        log(app, "access", make.user(password=None), admin, date.today())
    with count_queries() as after:
        page(client)
    assert len(before) == len(after) <= 4, (len(before), len(after))
