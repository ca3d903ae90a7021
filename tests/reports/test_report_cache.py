"""Cached reports: the same as fresh ones, stale the moment their data changes, never shared between scopes,
refused when altered; chart files authorised like their page and cacheable by the browser. In memory and
in a real Redis, on SQLite and PostgreSQL."""
import html
import re

import pytest
from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.bookings import services as booking_services
from lit_platform.bookings.models import Booking
from lit_platform.extensions import db
from lit_platform.reports import cache, codec, freshness, service
from lit_platform.reports.filters import ReportFilters

from ..bookings.conftest import SessionFactory, in_days
from ..conftest import Actions
from ..servers import redis_server  # noqa: F401  (the fixture)
from .test_reports import attend_and_rate, learning_json, manager, workshop  # noqa: F401  (fixtures)

GENERATED = re.compile(r"Generated [^<.]*|csrf[-_]token[^>]*>|value=\"[^\"]{40,}\"")


@pytest.fixture(params=["memory", "redis"])
def backend(request, app):
    """The app's report cache in memory, or in a Redis of the test's own (emptied first)."""
    if request.param == "redis":
        import redis

        url = request.getfixturevalue("redis_server")
        redis.Redis.from_url(url).flushdb()
        app.config["LIT_REDIS_URL"] = url
    cache.init_app(app)
    return request.param


@pytest.fixture
def builds(monkeypatch):
    """How many times each report was really built (not taken from the cache)."""
    counted = []
    real = service._build

    def build(kind, filters, for_moderation):
        counted.append(kind)
        return real(kind, filters, for_moderation)

    monkeypatch.setattr(service, "_build", build)
    return counted


def versions(app) -> dict[str, str]:
    with app.app_context():
        return freshness.current_versions()


def reaction_responses(client) -> int:
    return client.get("/api/v1/reports/reaction").get_json()["sections"]["ratings"]["data"]["responses"]


def without_moments(page: str) -> str:
    return GENERATED.sub("", page)


def test_a_cached_report_is_the_fresh_one(app, backend, workshop, manager, builds):
    manager.get("/")  # shows the "Signed in" message, which would differ between the pages compared
    first = manager.get("/api/v1/reports/learning").get_json()
    page = manager.get("/reports/learning").get_data(as_text=True)
    assert builds == ["learning"], "the page took the report the API built"
    again = manager.get("/api/v1/reports/learning").get_json()
    assert again == first
    app.extensions[cache.EXTENSION].seconds = 0  # no cache: built afresh
    fresh = manager.get("/api/v1/reports/learning").get_json()
    fresh_page = manager.get("/reports/learning").get_data(as_text=True)
    assert builds == ["learning", "learning", "learning"]
    first.pop("generated_at"), fresh.pop("generated_at")
    assert fresh == first
    assert without_moments(fresh_page) == without_moments(page)


def test_a_document_survives_the_codec_exactly(app, workshop):
    with app.test_request_context():
        for kind in service.KINDS:
            document = service._build(kind, ReportFilters(), for_moderation=True)
            key = codec.signing_key("k")
            copy = codec.unseal(codec.seal(document, key), key)
            assert codec.to_plain(copy) == codec.to_plain(document)
            assert type(copy.generated_at) is type(document.generated_at)
            for section, original in zip(copy.sections, document.sections):
                for table, table_original in zip(section.tables, original.tables):
                    assert table.percent_columns == table_original.percent_columns
                    assert table.column_decimals == table_original.column_decimals


def test_a_new_result_feedback_or_attendance_makes_the_report_stale(app, make, backend, librarian, manager,
                                                                    builds):
    app.config["LIT_REPORT_MIN_GROUP"] = 1  # the figures themselves, not the small-group rule, are under test
    session = SessionFactory(app, make)(librarian, starts_at=in_days(-2), capacity=12)
    ratings = [(5, 4, True, ""), (4, 4, True, ""), (3, 2, False, ""), (5, 5, True, ""), (4, 3, True, "")]
    attend_and_rate(app, make, session, ["attended"] * 5 + ["absent"], ratings)
    assert reaction_responses(manager) == 5
    assert reaction_responses(manager) == 5 and builds == ["reaction"]
    reach = manager.get("/api/v1/reports/reach").get_json()["sections"]["delivery"]["data"]["totals"]
    assert reach["attended"] == 5

    # Feedback: the sixth learner did come after all, and says so.
    before = versions(app)
    with app.app_context():
        booking = db.session.scalar(select(Booking).where(Booking.session_id == session.id,
                                                          Booking.attendance == "absent"))
        actor = db.session.get(User, librarian.id)
        booking_services.mark_attendance(session.id, {booking.id: "attended"}, actor, now=session.starts_at)
        learner_id = booking.user_id
        db.session.commit()
    after_register = versions(app)
    assert after_register["bookings"] != before["bookings"]
    assert after_register["feedback"] == before["feedback"], "the register is not feedback"
    reach = manager.get("/api/v1/reports/reach").get_json()["sections"]["delivery"]["data"]["totals"]
    assert reach["attended"] == 6

    with app.app_context():
        learner = db.session.get(User, learner_id)
        booking_services.submit_survey(session.id, learner, 4, 4, True, "", now=session.ends_at)
        db.session.commit()
    assert versions(app)["feedback"] != after_register["feedback"]
    assert reaction_responses(manager) == 6

    # Signing in writes to users, but nothing a report shows: no report goes stale.
    steady = versions(app)
    assert Actions(app.test_client()).login(librarian.email).status_code == 302
    assert versions(app) == steady


def test_a_new_result_makes_the_learning_report_stale(app, backend, workshop, manager):
    from lit_platform.assessments.models import AssessmentAttempt, AssessmentPoint
    from lit_platform.quizzes import attempts as quiz_attempts
    from lit_platform.quizzes.models import Response

    before = learning_json(manager)["summary"]["data"]["paired"]["mean_post"]
    results = versions(app)["results"]
    with app.app_context():
        response = db.session.scalar(
            select(Response).join(AssessmentAttempt, AssessmentAttempt.attempt_id == Response.attempt_id)
            .join(AssessmentPoint, AssessmentPoint.id == AssessmentAttempt.point_id)
            .where(AssessmentPoint.phase == "post", Response.score == 0).order_by(Response.attempt_id.desc()))
        marker = db.session.scalar(select(User).where(User.email == "mo@example.org"))
        quiz_attempts.mark_response(response, response.points, "Accepted on review", marker)
        db.session.commit()
    assert versions(app)["results"] != results
    assert learning_json(manager)["summary"]["data"]["paired"]["mean_post"] == pytest.approx(before + 50 / 6)


def test_viewers_with_different_scopes_never_share_a_report(app, make, backend, workshop, librarian, manager,
                                                            builds):
    own = app.test_client()
    assert Actions(own).login(librarian.email).status_code == 302
    co = make.user("cy@example.org", "Cy Cofacilitator", roles=["librarian"])
    with app.app_context():
        from lit_platform.bookings.models import SessionFacilitator

        db.session.add(SessionFacilitator(session_id=workshop.id, user_id=co.id))
        db.session.commit()
    other = app.test_client()
    assert Actions(other).login(co.email).status_code == 302
    url = f"/api/v1/reports/learning?session={workshop.id}"
    for client in (manager, own, other, manager, own, other):
        assert client.get(url).status_code == 200
    assert builds == ["learning"] * 3, "one report per scope, each built once"

    outsider = make.user("ola@example.org", "Ola Other", roles=["librarian"])
    client = app.test_client()
    assert Actions(client).login(outsider.email).status_code == 302
    assert client.get(url).status_code == 403, "a cached report is no way round the check"
    assert client.get(f"/reports/learning/charts/summary-1.svg?session={workshop.id}").status_code == 403

    with app.test_request_context():
        keys = {cache.report_key("learning", "", ReportFilters(session=workshop.id).scoped_to(user_id), scope, {})
                for user_id, scope in ((None, "service"), (librarian.id, f"facilitator:{librarian.id}"),
                                       (co.id, f"facilitator:{co.id}"))}
    assert len(keys) == 3


def test_chart_files_are_authorised_like_the_page_and_cached_by_the_browser(app, backend, workshop, manager,
                                                                           librarian, sign_in, monkeypatch):
    from lit_platform.reports import charts

    drawn = []
    real = charts.DRAWINGS["paired_plot"]
    monkeypatch.setitem(charts.DRAWINGS, "paired_plot", lambda **arguments: drawn.append(1) or real(**arguments))
    page = html.unescape(manager.get("/reports/learning").get_data(as_text=True))
    assert drawn == [], "the page draws nothing"
    sources = re.findall(r'<img src="([^"]+\.svg[^"]*)" alt="([^"]+)"', page)
    assert sources and all("chart" in alt for _, alt in sources)
    url = sources[0][0]
    response = manager.get(url)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg and "<script" not in svg
    assert response.headers["Cache-Control"] == "private, max-age=300"
    etag = response.headers["ETag"]
    assert "v=" + etag.strip('"')[:12] in url, "the page's address names the chart's content"

    assert manager.get(url).get_data(as_text=True) == svg
    again = manager.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert drawn == [1], "drawn once, then taken from the cache (and not at all for a 304)"
    assert again.headers["Cache-Control"] == "private, max-age=300"
    # Pages keep no-store: only the chart files may be kept, and only by this browser.
    assert manager.get("/reports/learning").headers["Cache-Control"] == "no-store"

    learner, _ = sign_in("learner")
    assert learner.get(url).status_code == 403
    assert app.test_client().get(url).status_code in (302, 401)
    own = app.test_client()
    assert Actions(own).login(librarian.email).status_code == 302
    assert own.get(url).status_code == 403, "the whole service is for managers"
    scoped = f"/reports/learning/charts/summary-1.svg?session={workshop.id}"
    assert own.get(scoped).status_code == 200
    assert manager.get("/reports/learning/charts/summary-9.svg").status_code == 404
    assert manager.get("/reports/learning/charts/nothing-1.svg").status_code == 404


def test_an_altered_or_unsigned_value_is_refused_and_built_again(app, backend, workshop, manager, builds, caplog):
    first = learning_json(manager)
    store = app.extensions[cache.EXTENSION].store
    with app.test_request_context():
        key = next(k for k in _keys(store) if k.startswith(cache.PREFIX + "report:"))
    data = store.get(key)
    altered = data.replace(b'"n":6', b'"n":60', 1)
    assert altered != data
    store.set(key, altered, 60)
    assert learning_json(manager) == first
    assert builds == ["learning", "learning"]
    assert "refused" in caplog.text

    store.set(key, data.split(b".", 2)[2], 60)  # the JSON without its signature
    assert learning_json(manager) == first and len(builds) == 3

    with pytest.raises(codec.RefusedValue):
        codec.unseal(data, codec.signing_key("another site's key"))
    with pytest.raises(codec.RefusedValue):
        codec.unseal(b"\x80\x04pickled", codec.signing_key("k"))


def _keys(store) -> list[str]:
    if isinstance(store, cache.MemoryStore):
        return list(store._entries)
    return [key.decode() for key in store.client.keys(cache.PREFIX + "*")]


def test_the_pdf_still_draws_every_chart(app, workshop, manager):
    from pypdf import PdfReader
    import io

    response = manager.get("/reports/learning.pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "Before" in text and "After" in text and "Assessment" in text, "the paired chart's axis labels"


def test_the_control_without_the_data_versions_a_cached_report_stays_stale(app, workshop, manager):
    """The control: with the commit hook removed, a changed result leaves the cached figure as it was."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from lit_platform.assessments.models import AssessmentResult

    before = learning_json(manager)["summary"]["data"]["counts"]["took_pre"]
    event.remove(Session, "before_commit", freshness._before_commit)
    try:
        with app.app_context():
            db.session.execute(AssessmentResult.__table__.delete().where(
                AssessmentResult.participant_id == db.session.scalar(select(AssessmentResult.participant_id)
                                                                     .limit(1))))
            db.session.commit()
        assert learning_json(manager)["summary"]["data"]["counts"]["took_pre"] == before, "stale, as expected"
    finally:
        event.listen(Session, "before_commit", freshness._before_commit)
    app.extensions[cache.EXTENSION].seconds = 0
    assert learning_json(manager)["summary"]["data"]["counts"]["took_pre"] == before - 1
