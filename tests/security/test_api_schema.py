"""The JSON API against its own description: schemathesis generates requests for every operation of
/api/v1/openapi.json (served by the app, loaded through WSGI in-process) and sends them with a real
personal API token; no answer may be a server error, and every answer must match the schema (status,
content type, body, headers). Its `ignored_auth` check also sends each request without the token (or with
a wrong one) and expects it refused. Left out: `positive_data_acceptance`, which expects every schema-valid
request to succeed, while the report filters may be valid one by one and still contradict each other
(date_to before date_from), which the API answers with the 400 its description lists.

Each operation gets MAX_EXAMPLES generated requests (kept small for CI time), each rolled back.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from lit_platform.extensions import db

from .conftest import rolled_back

schemathesis = pytest.importorskip("schemathesis")

MAX_EXAMPLES = 25


def token_for(app, user_id: int) -> str:
    from lit_platform.accounts.models import User
    from lit_platform.bookings.tokens import create_api_token

    with app.app_context():
        _, token = create_api_token(db.session.get(User, user_id), "schemathesis")
        db.session.commit()
    return token


@pytest.mark.parametrize("role", ["manager", "learner_b"])
def test_every_api_operation_answers_as_its_schema_says(world, role, capsys):
    app = world.app
    token = token_for(app, world.users[role].id)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, sent = [], 0
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6, [op.label for op in operations]

    for operation in operations:
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal sent
            with rolled_back(app):
                try:
                    case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                           excluded_checks=[schemathesis.checks.positive_data_acceptance])
                except Exception as failure:  # schemathesis reports what it found as a FailureGroup
                    failures.append(f"{operation.label}: {str(failure).strip()[:1500]}")
            sent += 1

        run()
    with capsys.disabled():
        print(f"\nAPI schema ({role}'s token): {sent} generated requests over {len(operations)} operations")
    assert not failures, "\n\n".join(dict.fromkeys(failures))


OUT_OF_RANGE = [
    "/api/v1/sessions/99999999999999999999", "/api/v1/sessions/2147483648/bookings",
    "/api/v1/reports/reaction?session=99999999999999999999", "/api/v1/reports/reaction?session=%C2%B2",
    "/api/v1/reports/reaction?date_to=9999-12-31", "/api/v1/reports/learning?date_from=0001-01-01",
    "/api/v1/reports/reach?unit=1e3",
]


def test_out_of_range_ids_and_dates_are_client_errors(world):
    """Found by schemathesis: an id too large for the database, or a date at the calendar's edge, was a 500."""
    token = {"Authorization": f"Bearer {token_for(world.app, world.users['manager'].id)}"}
    for url in OUT_OF_RANGE:
        for method in ("GET", "POST", "DELETE") if url.endswith("bookings") else ("GET",):
            response = world.send("anonymous", method, url, headers=token)
            assert 400 <= response.status_code < 500 and response.mimetype == "application/json", (method, url)
        # The same on the pages.
        page = url.replace("/api/v1", "")
        if page.startswith("/reports"):
            assert world.send("manager", "GET", page).status_code == 200, page
        else:
            assert world.send("learner_b", "GET", page.removesuffix("/bookings")).status_code == 404, page
