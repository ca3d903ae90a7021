"""Administration without a shell: creating and importing users, and the audit log as sentences."""
import re
from datetime import datetime, timezone
from io import BytesIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from lit_platform.accounts.models import User
from lit_platform.accounts.services import find_user_by_email
from lit_platform.admin.audit_log import sentence
from lit_platform.audit import AuditEvent, record_event
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

from ..conftest import Actions


def test_admin_creates_a_user_who_is_sent_a_link_to_choose_a_password(app, sign_in, make):
    client, admin = sign_in("admin")
    unit = make.unit("Health / Midwifery")
    response = Actions(client).post("/admin/users/new", {
        "name": "Nia Newcomer", "email": " Nia@Example.org ", "roles": ["learner", "librarian"],
        "org_unit": unit.id}, page="/admin/users/new")
    assert response.status_code == 302
    assert "Created the account of Nia Newcomer" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        user = find_user_by_email("nia@example.org")
        assert user.roles == {"learner", "librarian"} and user.org_unit.path == "Health / Midwifery"
        assert user.password_hash is None
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "nia@example.org"))
        link = re.search(r"https?://\S+/account/password/reset/\S+", message.body_text).group(0)
        actions = [e.action for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(user.id), AuditEvent.actor_id == admin.id))]
        assert {"user.created", "user.invited"} <= set(actions)
    # the link in the e-mail lets the person choose a password
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = app.test_client().get("/" + path)
    assert page.status_code == 200 and "password" in page.get_data(as_text=True).lower()


def test_create_user_shows_errors_in_the_summary_and_beside_the_fields(app, sign_in, make):
    client, _ = sign_in("admin")
    make.user(email="taken@example.org")
    actions = Actions(client)
    response = actions.post("/admin/users/new", {"name": "", "email": "not an address", "org_unit": 0},
                            page="/admin/users/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html
    for field_id in ("name", "email", "roles"):
        assert f'id="{field_id}-error"' in html
    html = actions.post("/admin/users/new", {"name": "Tia", "email": "TAKEN@example.org", "roles": ["learner"],
                                             "org_unit": 0}, page="/admin/users/new").get_data(as_text=True)
    assert 'id="email-error"' in html and "already exists" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.name == "Tia")) == 0


def _upload(client, content: bytes, filename="people.csv", **fields):
    data = {"file": (BytesIO(content), filename), **fields}
    return Actions(client).post("/admin/users/import", data, page="/admin/users/import",
                                content_type="multipart/form-data")


def test_import_users_from_the_page(app, sign_in, make):
    client, admin = sign_in("admin")
    make.unit("Faculty of Health / Nursing")
    response = _upload(client, "email,name,roles,org_unit\n"
                               "ivy@example.org,Ivy Import,learner,faculty of health / nursing\n"
                               "ike@example.org,Ike Import,librarian;admin,\n".encode("utf-8-sig"))
    assert response.status_code == 302
    assert "Imported 2 user(s)" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        ivy = find_user_by_email("ivy@example.org")
        assert ivy.org_unit.path == "Faculty of Health / Nursing"
        assert find_user_by_email("ike@example.org").roles == {"librarian", "admin"}
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.to_address.in_(["ivy@example.org", "ike@example.org"]))) == 2
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "users.imported",
                                                           AuditEvent.actor_id == admin.id))
        assert event.details["count"] == 2 and event.details["file"] == "people.csv"


def test_import_lists_every_problem_by_line_and_imports_nothing(app, sign_in, make):
    client, _ = sign_in("admin")
    make.user(email="taken@example.org")
    response = _upload(client, b"email,name,roles,org_unit\n"
                               b"new@example.org,Nan,learner,\n"
                               b"taken@example.org,Tam,learner,\n"
                               b"odd@example.org,Oda,wizard,Nowhere / Else\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="error-summary"' in html and 'id="file-error"' in html
    assert "people.csv, line 3: an account for taken@example.org already exists" in html
    assert "people.csv, line 4: unknown role wizard" in html
    assert "people.csv, line 4: there is no organisation unit &#39;Nowhere / Else&#39;" in html
    assert "Nothing was imported" in html
    # with units allowed to be created, only the real problems remain
    assert _upload(client, b"email,name,roles,org_unit\nodd@example.org,Oda,learner,Nowhere / Else\n",
                   create_units="y").status_code == 302
    with app.app_context():
        assert find_user_by_email("new@example.org") is None
        assert find_user_by_email("odd@example.org").org_unit.path == "Nowhere / Else"


def test_import_refuses_a_file_that_is_not_utf8_or_has_the_wrong_header(sign_in):
    client, _ = sign_in("admin")
    latin1 = "email,name,roles,org_unit\nzoe@example.org,Zoë,learner,\n".encode("latin-1")
    html = _upload(client, latin1, "staff.csv").get_data(as_text=True)
    assert "staff.csv, line 2: this is not UTF-8 text" in html
    html = _upload(client, b"mail,who\nx@example.org,X\n", "staff.csv").get_data(as_text=True)
    assert "staff.csv, line 1: the header lacks email, name, roles" in html
    assert "Choose a CSV file." in Actions(client).post("/admin/users/import", {}, page="/admin/users/import",
                                                        content_type="multipart/form-data").get_data(as_text=True)


def test_an_upload_larger_than_the_limit_is_refused(app, sign_in):
    client, _ = sign_in("admin")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = _upload(client, b"email,name,roles\n" + b"a@example.org,A,learner\n" * 100)
    assert response.status_code == 413


def test_the_audit_log_reads_as_sentences_in_the_sites_zone(app, make):
    ann = make.user(email="ann.admin@example.org", name="Ann Admin", roles=["admin"])
    bob = make.user(email="bob.learner@example.org", name="Bob Learner")
    event = AuditEvent(action="user.roles_changed", actor_id=ann.id, object_type="user", object_id=str(bob.id),
                       created_at=datetime(2026, 12, 4, 14, 5, tzinfo=timezone.utc),
                       details={"before": ["learner"], "after": ["librarian"]})
    london, auckland = ZoneInfo("Europe/London"), ZoneInfo("Pacific/Auckland")
    assert sentence(event, "Ann Admin", "Bob Learner", london) == (
        "Ann Admin changed Bob Learner's roles from learner to librarian on 4 December 2026 at 14:05")
    assert sentence(event, "Ann Admin", "Bob Learner", auckland).endswith("on 5 December 2026 at 03:05")
    unknown = AuditEvent(action="widget.polished", actor_id=ann.id, object_type="widget", object_id="7",
                         created_at=event.created_at, details={})
    assert sentence(unknown, "Ann Admin", None, london) == (
        "Ann Admin: widget: polished (widget 7) on 4 December 2026 at 14:05")
    own = AuditEvent(action="logout", actor_id=bob.id, object_type="user", object_id=str(bob.id),
                     created_at=event.created_at, details={})
    assert sentence(own, "Bob Learner", "Bob Learner", london).startswith("Bob Learner signed out on")


def test_the_audit_page_filters_by_person_action_and_date_and_pages(app, sign_in, make):
    client, admin = sign_in("admin")
    cara = make.user(email="cara.example@example.org", name="Cara Example")
    dev = make.user(email="dev.example@example.org", name="Dev Example")
    actions = Actions(client)
    actions.post(f"/admin/users/{cara.id}", {"roles": ["librarian"], "org_unit": 0})
    actions.post(f"/admin/users/{dev.id}/status", page=f"/admin/users/{dev.id}")
    with app.app_context():
        for n in range(55):
            record_event("widget.polished", admin.id, "widget", n)
        db.session.commit()
    html = client.get("/admin/audit?person=cara").get_data(as_text=True)
    assert f"{admin.name} changed Cara Example&#39;s roles from learner to librarian on" in html
    assert "deactivated the account of Dev Example" not in html and "widget" not in html.split("<ol")[-1]
    html = client.get("/admin/audit?action=user.deactivated").get_data(as_text=True)
    assert f"{admin.name} deactivated the account of Dev Example on" in html and "Cara Example&#39;s" not in html
    html = client.get("/admin/audit?action=widget.polished").get_data(as_text=True)
    assert "55 events" in html and "Page 1 of 2" in html and 'rel="next"' in html
    assert "action=widget.polished" in re.search(r'href="([^"]+)" rel="next"', html).group(1)
    html = client.get("/admin/audit?action=widget.polished&page=2").get_data(as_text=True)
    assert html.count("widget: polished") == 5
    html = client.get("/admin/audit?date_to=2000-01-01").get_data(as_text=True)
    assert "0 events" in html and "No events match." in html
    html = client.get("/admin/audit?date_from=not-a-date").get_data(as_text=True)
    assert 'id="date_from-error"' in html


def test_events_without_a_signed_in_person_read_naturally(app, make):
    cy = make.user(email="cy@example.org", name="Cy Self")
    created = AuditEvent(action="user.created", actor_id=None, object_type="user", object_id=str(cy.id),
                         created_at=datetime(2026, 7, 1, 9, 30, tzinfo=timezone.utc), details={"roles": ["learner"]})
    assert sentence(created, None, "Cy Self", ZoneInfo("Europe/London")) == (
        "The account of Cy Self was created (learner) on 1 July 2026 at 10:30")  # BST
    imported = AuditEvent(action="sessions.imported", actor_id=None, created_at=created.created_at,
                          details={"count": 3, "unchanged": 1, "file": "term.csv"})
    assert sentence(imported, None, None, ZoneInfo("Europe/London")).startswith(
        "3 session(s) were scheduled from term.csv on 1 July 2026")
