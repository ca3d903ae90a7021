"""A copy of a person's data: complete (every registered table, through every link) and about nobody else."""
import io
import json
import re
import zipfile
from datetime import date

from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.audit import AuditEvent
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.privacy.export import HTML_NAME, JSON_NAME, build_zip
from lit_platform.privacy.registry import declarations

from ..conftest import Actions


def read_zip(data: bytes) -> tuple[dict, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == sorted([JSON_NAME, HTML_NAME])
        return json.loads(archive.read(JSON_NAME)), archive.read(HTML_NAME).decode()


def export_of(app, user_id: int) -> tuple[dict, str, str]:
    with app.test_request_context():
        data = build_zip(db.session.get(User, user_id), app.config, utcnow())
    tables, page = read_zip(data)
    return tables, page, json.dumps(tables, ensure_ascii=False)


def mentions(text: str, person) -> list[str]:
    """Where the text gives away `person`: their name, e-mail address, or their ids in id fields."""
    found = [value for value in (person.name, person.email) if value.lower() in text.lower()]
    for key, ids in (("user_id", [person.user_id]), ("participant_id", person.participant_ids),
                     ("attempt_id", person.attempt_ids)):
        found += [f"{key}={i}" for i in ids if re.search(rf'"{key}": {i}\b', text)]
    return found


def test_the_copy_has_every_registered_table_every_link_and_nobody_else(app, two_people):
    ada, brendan = two_people
    for person, other in ((ada, brendan), (brendan, ada)):
        tables, page, text = export_of(app, person.user_id)
        assert list(tables) == [d.table for d in declarations(app.config)]
        for declaration in declarations(app.config):
            rows = tables[declaration.table]
            relations = {part for row in rows for part in row["relation"].split("; ")}
            missing = [link.label for link in declaration.links if link.label not in relations]
            assert not missing, f"{declaration.table}: nothing found as {missing}"
            assert declaration.title in page
        # Their own rows are there, with what they gave.
        assert tables["users"] == [{**tables["users"][0], "id": person.user_id, "email": person.email,
                                    "name": person.name}]
        assert {row["participant_id"] for row in tables["assessment_results"]} == set(person.participant_ids)
        assert {row["id"] for row in tables["attempts"]} == set(person.attempt_ids)
        assert tables["saved_searches"][0]["search"] == "falls[tiab] AND exercise[tiab]"
        assert any(row["answer"] is not None for row in tables["responses"])
        assert {row["subject"] for row in tables["outbox_messages"]} == {"Your place is confirmed", "Welcome"}
        assert "192.0.2.10" in text and person.name in page
        # Nothing about the other person, in the JSON or on the page; no secrets either.
        assert mentions(text, other) == [] and mentions(page, other) == []
        assert "Nell Neutral" not in text and "neutral.third" not in text
        assert "password_hash" not in text and "token_hash" not in text


def test_learners_download_their_own_data_from_their_account(app, sign_in):
    client, user = sign_in("learner", name="Wendy Wren")
    profile = client.get("/account/profile").get_data(as_text=True)
    assert 'href="/account/your-data"' in profile
    page = client.get("/account/your-data").get_data(as_text=True)
    assert "<h1>Your data</h1>" in page and 'href="/account/your-data.zip"' in page
    response = client.get("/account/your-data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f'filename="personal-data-{user.id}-' in response.headers["Content-Disposition"]
    tables, page = read_zip(response.data)
    assert tables["users"][0]["email"] == user.email and "Wendy Wren" in page
    assert app.test_client().get("/account/your-data.zip").status_code == 302  # signed out: sign in first


def test_an_administrator_logs_a_request_extends_it_downloads_the_copy_and_completes_it(app, make, sign_in):
    learner = make.user("sam.request@example.org", "Sam Request")
    admin, admin_user = sign_in("admin")
    actions = Actions(admin)
    page = "/admin/privacy/requests"
    assert 'href="/admin/privacy/requests"' in admin.get("/admin/").get_data(as_text=True)

    # Errors are shown beside the fields and in the summary.
    response = actions.post(page, {"kind": "access", "email": "nobody@example.org", "received_on": ""}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "There are problems" in html
    assert 'id="received_on-error"' in html and 'id="email-error"' in html
    assert "There is no account with this e-mail address." in html
    future = date.today().replace(year=date.today().year + 1).isoformat()
    html = actions.post(page, {"kind": "access", "email": learner.email, "received_on": future},
                        page=page).get_data(as_text=True)
    assert "cannot be in the future" in html

    response = actions.post(page, {"kind": "access", "email": "SAM.request@example.org", "received_on": "2026-01-15"},
                            page=page)
    assert response.status_code == 302
    detail = response.headers["Location"]
    html = admin.get(detail).get_data(as_text=True)
    assert "15 January 2026" in html and "14 February 2026" in html and "Sam Request" in html

    request_id = int(detail.rsplit("/", 1)[1])
    html = actions.post(f"{detail}/extend", {"months": "2", "reason": ""}, page=detail).get_data(as_text=True)
    assert 'id="reason-error"' in html and "Say why the request needs longer." in html
    response = actions.post(f"{detail}/extend", {"months": "2", "reason": "Three requests at once."}, page=detail)
    assert response.status_code == 302
    html = admin.get(detail).get_data(as_text=True)
    assert "14 April 2026" in html and "Three requests at once." in html

    response = actions.post(f"{detail}/export", page=detail)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    tables, _ = read_zip(response.data)
    assert tables["users"][0]["id"] == learner.id
    assert tables["privacy_requests"][0]["extended_to"] == "2026-04-14"

    assert actions.post(f"{detail}/complete", page=detail).status_code == 302
    assert "Completed" in admin.get(detail).get_data(as_text=True)
    with app.app_context():
        actions_logged = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "privacy_request", AuditEvent.object_id == str(request_id))
            .order_by(AuditEvent.id)).all()
        assert actions_logged == ["privacy.request_logged", "privacy.request_extended", "privacy.export_downloaded",
                                  "privacy.request_completed"]
        assert all(event.actor_id == admin_user.id for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "privacy_request")))
    assert "Sam Request" in admin.get(page).get_data(as_text=True)


def test_only_administrators_see_requests(sign_in):
    librarian, _ = sign_in("librarian", "manager")
    assert librarian.get("/admin/privacy/requests").status_code == 403
    assert librarian.get("/admin/privacy/retention").status_code == 403
