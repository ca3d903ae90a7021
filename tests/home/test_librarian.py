"""The librarian's home: upcoming sessions with places and waiting lists, registers to mark, today's pre/post
tests, and recent feedback under the small-group rule."""
from __future__ import annotations

from lit_platform.core.small_groups import Suppressor
from lit_platform.core.types import utcnow
from lit_platform.home.librarian import librarian_home

from ..bookings.conftest import in_days
from .conftest import page

ZONE = "Europe/London"


def test_upcoming_sessions_show_places_taken_and_the_waiting_list(app, make, world):
    lib = make.user(roles=["librarian"], password=None)
    other = make.user(roles=["librarian"], password=None)
    mine = world.session(lib, days=2, title="Mine", capacity=2)
    world.session(other, days=2, title="Someone else's")
    for learner in world.learners(3):
        world.book(mine.id, learner)
    with app.app_context():
        home = librarian_home(lib.id, utcnow(), ZONE, Suppressor(5))
    assert [(s.title, s.confirmed, s.capacity, s.waitlisted) for s in home.upcoming] == [("Mine", 2, 2, 1)]


def test_registers_still_to_mark_are_past_sessions_with_unmarked_places(app, make, world):
    lib = make.user(roles=["librarian"], password=None)
    unmarked = world.session(lib, days=-3, title="Unmarked")
    marked = world.session(lib, days=-2, title="Marked")
    world.session(lib, days=-1, title="Nobody booked")
    for session in (unmarked, marked):
        for learner in world.learners(2):
            world.book(session.id, learner, when=in_days(-10))
    world.mark_all(marked.id, lib)
    with app.app_context():
        home = librarian_home(lib.id, utcnow(), ZONE, Suppressor(5))
    assert [(r.title, r.unmarked) for r in home.registers] == [("Unmarked", 2)]


def test_feedback_needs_the_minimum_group(app, make, world):
    lib = make.user(roles=["librarian"], password=None)
    small = world.session(lib, days=-2, title="Small group")
    large = world.session(lib, days=-5, title="Large group")
    world.feedback(small.id, world.learners(2), usefulness=1, comment="Only two of us: identifiable")
    world.feedback(large.id, world.learners(5), usefulness=4, comment="Clear and useful")
    with app.app_context():
        home = librarian_home(lib.id, utcnow(), ZONE, Suppressor(5))
    small_fb, large_fb = home.feedback
    assert (small_fb.title, small_fb.responses, small_fb.enough) == ("Small group", "fewer than 5", False)
    assert small_fb.usefulness is None and small_fb.recommend is None and small_fb.comments == []
    assert (large_fb.responses, large_fb.usefulness, large_fb.recommend) == (5, 4.0, 1.0)
    assert large_fb.comments == ["Clear and useful", "Clear and useful"]


def test_the_librarian_page_shows_no_figure_or_comment_about_a_small_group(app, make, world, client, actions):
    lib = make.user("lib@example.org", "Lin Librarian", roles=["librarian"])
    small = world.session(lib, days=-2, title="Small group")
    world.feedback(small.id, world.learners(4), usefulness=1, comment="Only four of us: identifiable")
    actions.login("lib@example.org")
    html = page(client)
    assert "Small group" in html and "Fewer than 5 responses so far" in html
    assert "identifiable" not in html and "out of 5" not in html and "would recommend" not in html
    world.feedback(small.id, world.learners(1), usefulness=1)
    html = page(client)
    assert "5 responses: usefulness 1.0 out of 5; 100% would recommend it." in html
    assert "Only four of us: identifiable" in html


def test_todays_sessions_link_to_their_pre_post_tests(app, make, world, client, actions):
    from datetime import datetime, time, timezone
    from zoneinfo import ZoneInfo

    lib = make.user("today@example.org", "Tod Today", roles=["librarian"])
    # An hour that is today in London whatever the time of day the test runs.
    local_noon = datetime.combine(datetime.now(ZoneInfo(ZONE)).date(), time(12), ZoneInfo(ZONE))
    today = world.sessions(lib, starts_at=local_noon.astimezone(timezone.utc), title="Today's workshop")
    world.session(lib, days=3, title="Later workshop")
    actions.login("today@example.org")
    html = page(client)
    assert f'href="/assessments/sessions/{today.id}">Open the pre- or post-test' in html
    assert client.get(f"/assessments/sessions/{today.id}").status_code == 200
    assert "No test chosen yet." in html
    upcoming = today.ends_at.replace(tzinfo=timezone.utc) > datetime.now(timezone.utc) if today.ends_at.tzinfo is None \
        else today.ends_at > datetime.now(timezone.utc)
    # Among the upcoming sessions until it ends (the test may run after noon's session is over).
    assert (f'href="/manage/sessions/{today.id}"' in html) == upcoming


def test_a_librarian_with_nothing_yet_sees_empty_states(make, client, actions):
    make.user("fresh@example.org", "Fay Fresh", roles=["librarian"])
    actions.login("fresh@example.org")
    html = page(client)
    for sentence in ("You have no sessions today.", "You are not facilitating any upcoming sessions.",
                     "Every register of your past sessions is marked.",
                     "No feedback on your sessions in the last 90 days."):
        assert sentence in html
    assert "Continue where you left off" not in html


def test_the_librarian_home_costs_a_bounded_number_of_queries(app, make, world, client, actions, count_queries):
    lib = make.user("count@example.org", "Cy Count", roles=["librarian"])
    actions.login("count@example.org")
    counts = []
    for round_ in range(2):
        for n in range(3):
            upcoming = world.session(lib, days=3 + n + 10 * round_)
            past = world.session(lib, days=-3 - n - 10 * round_)
            for learner in world.learners(2):
                world.book(upcoming.id, learner)
            world.feedback(past.id, world.learners(5), comment="Good")
        with count_queries() as statements:
            page(client)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6, counts
