"""Account enumeration: signing in, asking for a password reset and registering answer alike for an address
that has an account and one that has none (status, page, what the requester can see of e-mail), and take about
as long."""
from __future__ import annotations

import re
import statistics
import time

import pytest
from sqlalchemy import func, select

from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

from ..conftest import Actions
from .conftest import RELAXED_LIMITS

KNOWN = "known.person@example.org"
UNKNOWN = "nobody.here@example.org"
INACTIVE = "gone.person@example.org"
#: timing: tries per address, and how far apart the medians may be
TRIES = 7
FACTOR = 3


@pytest.fixture
def accounts(app, make):
    app.config.update(RELAXED_LIMITS, PASSWORD_HASH_METHOD="scrypt")  # the standard cost, as in production
    make.user(KNOWN, "Known Person")
    make.user(INACTIVE, "Gone Person", active=False)
    return app


def normalised(response, email: str) -> str:
    """The page as the requester sees it, less the address they typed and the per-request CSRF token."""
    text = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'(name="csrf_token" type="hidden" value="|name="csrf-token" content=")[^"]+', r"\1", text)


def outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(OutboxMessage.id)))


def send(app, url: str, data: dict):
    client = app.test_client()
    data = {**data, "csrf_token": Actions(client).token(url)}
    return client.post(url, data=data)


@pytest.mark.parametrize("other", [UNKNOWN, INACTIVE])
def test_sign_in_answers_the_same_for_any_address(accounts, other):
    known = send(accounts, "/account/login", {"email": KNOWN, "password": "not the password"})
    unknown = send(accounts, "/account/login", {"email": other, "password": "not the password"})
    assert known.status_code == unknown.status_code == 200
    assert normalised(known, KNOWN) == normalised(unknown, other)
    assert "The e-mail address or password is not right." in known.get_data(as_text=True)
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())


@pytest.mark.parametrize("other", [UNKNOWN, INACTIVE])
def test_password_reset_answers_the_same_for_any_address(accounts, other):
    before = outbox_count(accounts)
    known = send(accounts, "/account/password/forgot", {"email": KNOWN})
    queued_for_known = outbox_count(accounts) - before
    unknown = send(accounts, "/account/password/forgot", {"email": other})
    assert queued_for_known == 1 and outbox_count(accounts) == before + 1  # only the real account gets mail
    assert known.status_code == unknown.status_code == 200
    assert normalised(known, KNOWN) == normalised(unknown, other)
    assert "If there is an account for" in known.get_data(as_text=True)
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())


@pytest.mark.parametrize("other", [UNKNOWN, INACTIVE])
def test_registration_answers_the_same_for_any_address(accounts, other):
    """Each address gets one e-mail (a link to finish, or word that it has an account); the page is the same."""
    before = outbox_count(accounts)
    known = send(accounts, "/account/register", {"email": KNOWN})
    unknown = send(accounts, "/account/register", {"email": other})
    assert outbox_count(accounts) == before + 2
    assert known.status_code == unknown.status_code == 200
    assert normalised(known, KNOWN) == normalised(unknown, other)
    assert "Check your e-mail" in known.get_data(as_text=True)
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())


def median_times(app, url: str, data_for) -> dict[str, float]:
    """Median time of TRIES requests per address, the addresses interleaved so a busy machine slows both alike."""
    times = {KNOWN: [], UNKNOWN: []}
    client = app.test_client()
    token = Actions(client).token(url)
    for email in (KNOWN, UNKNOWN):  # warm-up: caches, the dummy hash, the first query of each kind
        client.post(url, data={**data_for(email), "csrf_token": token})
    for _ in range(TRIES):
        for email in (KNOWN, UNKNOWN):
            started = time.perf_counter()
            response = client.post(url, data={**data_for(email), "csrf_token": token})
            times[email].append(time.perf_counter() - started)
            assert response.status_code == 200
    return {email: statistics.median(values) for email, values in times.items()}


@pytest.mark.parametrize("url, data_for", [
    ("/account/login", lambda email: {"email": email, "password": "not the password"}),
    ("/account/password/forgot", lambda email: {"email": email}),
    ("/account/register", lambda email: {"email": email}),
], ids=["sign-in", "password-reset", "registration"])
def test_known_and_unknown_addresses_take_about_as_long(accounts, url, data_for):
    """The password is hashed for unknown addresses too, so timing does not tell whether an account exists."""
    medians = median_times(accounts, url, data_for)
    ratio = max(medians.values()) / min(medians.values())
    assert ratio < FACTOR, f"{url}: medians {medians} differ by a factor of {ratio:.1f}"
