"""Demo sessions for `lit demo`: past ones with attendance and feedback, upcoming ones with bookings,
a waiting list and a weekly series. Added once; a second run finds them and adds nothing."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..accounts.services import create_user, find_user_by_email
from ..core.types import utcnow
from ..courses.models import Course
from ..extensions import db
from . import services
from .models import Booking, Session, SurveyResponse
from .settings import zone_name
from .times import to_local

MARKER = "Searching PubMed: a practical introduction"
#: the course the past session teaches, whose pre/post test it uses
MARKER_COURSE = "searching"
EXTRA_LEARNERS = [("sam.patel@example.org", "Sam Patel"), ("jo.okafor@example.org", "Jo Okafor"),
                  ("ria.evans@example.org", "Ria Evans"), ("tom.nguyen@example.org", "Tom Nguyen"),
                  ("ada.murphy@example.org", "Ada Murphy")]


def _data(title, day: date, start: time, minutes: int, capacity: int, facilitator: User, **fields):
    end = (timedelta(hours=start.hour, minutes=start.minute + minutes))
    return services.SessionData(title=title, day=day, start_time=start,
                                end_time=time(end.seconds // 3600, end.seconds % 3600 // 60), capacity=capacity,
                                facilitator_ids=[facilitator.id], **fields)


def add_demo_sessions(echo=print) -> None:
    librarian = find_user_by_email("librarian@example.org")
    learner = find_user_by_email("learner@example.org")
    if librarian is None or learner is None:
        return
    if db.session.scalar(select(Session.id).where(Session.title == MARKER)) is not None:
        return
    people = [find_user_by_email(email) or create_user(email, name, None, ["learner"], learner.org_unit)
              for email, name in EXTRA_LEARNERS]
    today = to_local(utcnow(), zone_name()).date()
    searching = db.session.scalar(select(Course.id).where(Course.slug == MARKER_COURSE))

    # Past: everyone came (one was late, one absent), and some gave feedback.
    past, _ = services.create_session(_data(
        MARKER, today + timedelta(days=1), time(10), 90, 12, librarian, course_id=searching,
        location="Library training room 1",
        description="Build a search with **MeSH** and free-text terms, then save it and set up an alert."),
        librarian)
    db.session.flush()
    past.starts_at -= timedelta(days=15)
    past.ends_at -= timedelta(days=15)
    marks = ["attended", "attended", "late", "attended", "absent", "attended"]
    for position, (person, mark) in enumerate(zip([learner] + people, marks), 1):
        db.session.add(Booking(session=past, user_id=person.id, status="confirmed", position=position,
                               booked_at=past.starts_at - timedelta(days=7), attendance=mark,
                               attendance_marked_at=past.starts_at + timedelta(minutes=10)))
    for person, scores in zip(people[:3], [(5, 4, True, "Really practical; the alerts tip saves me time."),
                                           (4, 4, True, ""), (3, 2, False, "Went a bit fast for a beginner.")]):
        db.session.add(SurveyResponse(session_id=past.id, user_id=person.id, usefulness=scores[0], confidence=scores[1],
                                      would_recommend=scores[2], comment=scores[3]))

    # Upcoming: an online session with places, a hybrid one that is full with a waiting list, and a series.
    online, _ = services.create_session(_data(
        "Critical appraisal of randomised controlled trials", today + timedelta(days=6), time(13), 60, 20,
        librarian, mode="online", online_url="https://meet.example.org/appraisal",
        description="Use a checklist to judge whether a trial's results can be trusted."), librarian)
    full, _ = services.create_session(_data(
        "Spotting health misinformation", today + timedelta(days=9), time(12, 30), 45, 2, librarian,
        mode="hybrid", location="Education centre, room 4", online_url="https://meet.example.org/misinfo",
        description="Lateral reading, reverse image search and who is behind a claim."), librarian)
    services.create_series(_data("Literature search drop-in", today + timedelta(days=3), time(16), 60, 6, librarian,
                                 location="Library enquiry desk",
                                 description="Bring your search question; we help you plan the search."),
                           "weekly", librarian, count=4)
    db.session.flush()
    services.book_session(online.id, learner)
    services.book_session(online.id, people[0])
    services.book_session(full.id, people[1])
    services.book_session(full.id, people[2])
    services.book_session(full.id, learner)  # waiting list, number 1
    echo("Added demo sessions with bookings, a waiting list, attendance and feedback")
