"""A librarian schedules a one-place session, two learners book (the second waits), the first cancels,
the second is promoted, and the librarian takes the register; axe checks every page on the way."""
import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from lit_platform.accounts.services import create_user
from lit_platform.bookings.models import Booking, Session
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

PASSWORD = "granite willow ferry"


def sign_in(page, email):
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def test_booking_waitlist_promotion_and_register(page, new_page, live_app, axe):
    with live_app.app_context():
        create_user("lib@example.org", "Lou Librarian", PASSWORD, ["librarian"])
        create_user("ana@example.org", "Ana Early", PASSWORD, ["learner"])
        create_user("ben@example.org", "Ben Later", PASSWORD, ["learner"])
        db.session.commit()
    day = (utcnow() + timedelta(days=14)).date().isoformat()

    # The librarian schedules a session with one place.
    sign_in(page, "lib@example.org")
    page.get_by_role("link", name="Manage sessions").click()
    axe(page)
    page.get_by_role("link", name="Schedule a session").click()
    axe(page)
    page.get_by_role("button", name="Save session").click()  # nothing filled in: errors, next to the fields
    expect(page.get_by_role("alert")).to_contain_text("Enter a title.")
    axe(page)
    page.get_by_label("Title").fill("Finding the evidence")
    page.get_by_label("Description").fill("Bring a **laptop** if you have one.")
    page.get_by_label("Date").fill(day)
    page.get_by_label("Starts at").fill("14:00")
    page.get_by_label("Ends at").fill("15:30")
    page.get_by_label("Place", exact=True).fill("Training room 2")
    page.get_by_label("Places").fill("1")
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_text("Session scheduled.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Finding the evidence")
    axe(page)
    with live_app.app_context():
        session_id = db.session.scalar(select(Session.id))

    # Two learners book; the second joins the waiting list.
    ana = new_page()
    sign_in(ana, "ana@example.org")
    ana.get_by_role("link", name="Sessions", exact=True).click()
    axe(ana)
    ana.get_by_role("link", name="Finding the evidence").click()
    axe(ana)
    ana.get_by_role("button", name="Book a place").click()
    expect(ana.get_by_text("You have a place on this session.")).to_be_visible()
    axe(ana)

    ben = new_page()
    sign_in(ben, "ben@example.org")
    ben.goto(f"/sessions/{session_id}")
    ben.get_by_role("button", name="Join the waiting list").click()
    expect(ben.get_by_text("You are number 1 on the waiting list.")).to_be_visible()
    axe(ben)
    ben.get_by_role("link", name="Your bookings").click()
    expect(ben.get_by_role("cell", name="Waiting list, number 1")).to_be_visible()
    axe(ben)

    # Ana downloads her calendar entry: the same event as her confirmation e-mail's.
    with ana.expect_download() as download_info:
        ana.get_by_role("link", name=re.compile(r"^Add to your calendar\W+Finding the evidence$")).click()
    download = download_info.value
    assert download.suggested_filename == f"session-{session_id}.ics"
    entry = Path(download.path()).read_text(encoding="utf-8")
    with live_app.app_context():
        invitation = db.session.scalar(select(OutboxMessage.ics).where(OutboxMessage.to_address == "ana@example.org"))
    uid = next(line for line in invitation.splitlines() if line.startswith("UID:"))
    assert uid in entry.splitlines() and "SEQUENCE:0" in entry and "METHOD:" not in entry

    # The first cancels on a confirmation page of the site's own (no browser dialog), saying no first.
    ana.on("dialog", lambda dialog: (_ for _ in ()).throw(AssertionError("a browser dialog opened")))
    ana.get_by_role("link", name="Cancel my place").click()
    expect(ana.get_by_role("heading", level=1)).to_have_text("Cancel your place?")
    axe(ana)
    ana.get_by_role("link", name="No, keep my place").click()
    expect(ana.get_by_text("You have a place on this session.")).to_be_visible()
    ana.get_by_role("link", name="Cancel my place").click()
    ana.get_by_role("button", name="Yes, cancel my place").click()
    expect(ana.get_by_text("Your booking has been cancelled.")).to_be_visible()
    ben.goto(f"/sessions/{session_id}")
    expect(ben.get_by_text("You have a place on this session.")).to_be_visible()
    with live_app.app_context():
        subjects = {m.to_address: m.subject for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}
    assert subjects["ben@example.org"] == "A place is yours: Finding the evidence"

    page.reload()
    expect(page.get_by_role("heading", name="Confirmed places (1 of 1)")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Ben Later")).to_be_visible()
    axe(page)

    # The session begins (moved to now, as if two weeks had passed); the librarian takes the register.
    with live_app.app_context():
        session = db.session.get(Session, session_id)
        session.starts_at = utcnow() - timedelta(minutes=5)
        session.ends_at = utcnow() + timedelta(minutes=85)
        db.session.commit()
    page.get_by_role("link", name="Register").click()
    axe(page)
    ben_row = page.get_by_role("group", name="Ben Later")
    ben_row.get_by_text("Attended", exact=True).click()
    expect(ben_row.get_by_label("Attended", exact=True)).to_be_checked()
    page.get_by_role("button", name="Save the register").click()
    expect(page.get_by_text("Register saved (1 change).")).to_be_visible()
    axe(page)
    with live_app.app_context():
        marks = dict(db.session.execute(select(Booking.user_id, Booking.attendance)).all())
    assert sorted(v for v in marks.values() if v) == ["attended"]

    # The rest of the librarian's pages pass axe too.
    for path in [f"/manage/sessions/{session_id}/message", f"/manage/sessions/{session_id}/sign-in-sheet",
                 f"/manage/sessions/{session_id}/check-in-code", f"/manage/sessions/{session_id}/edit",
                 f"/manage/sessions/{session_id}/cancel", f"/manage/sessions/new?from={session_id}",
                 "/manage/sessions/?when=past", "/account/calendar"]:
        page.goto(path)
        axe(page)

    # The learner checks in with the code, then gives feedback once the session is over.
    with live_app.app_context():
        code = db.session.get(Session, session_id).checkin_code
    ben.goto(f"/sessions/{session_id}")
    ben.get_by_label("Check-in code").fill(code)
    ben.get_by_role("button", name="Check in").click()
    expect(ben.get_by_text("You are checked in.")).to_be_visible()
    axe(ben)
    with live_app.app_context():
        session = db.session.get(Session, session_id)
        session.starts_at, session.ends_at = utcnow() - timedelta(hours=2), utcnow() - timedelta(minutes=30)
        db.session.commit()
    ben.goto("/bookings")
    axe(ben)
    ben.get_by_role("link", name="Give feedback on Finding the evidence").click()
    axe(ben)
    ben.get_by_role("button", name="Send feedback").click()
    expect(ben.get_by_role("alert")).to_contain_text("Choose how useful the session was.")
    axe(ben)
    ben.get_by_role("group", name="How useful was the session for you?").get_by_label("5 – very").check()
    ben.get_by_role("group", name="How confident do you now feel about using what you learnt?").get_by_label("4").check()
    ben.get_by_role("group", name="Would you recommend the session to a colleague?").get_by_label("Yes").check()
    ben.get_by_role("button", name="Send feedback").click()
    expect(ben.get_by_text("Thank you for your feedback.")).to_be_visible()
    page.goto(f"/manage/sessions/{session_id}")
    # One response is below the smallest group the site reports on, so the librarian sees the count
    # withheld rather than one learner's ratings.
    expect(page.get_by_text("Fewer than 5 people have given feedback, so the figures are not shown")).to_be_visible()
    expect(page.get_by_text("would recommend the session")).to_have_count(0)
    axe(page)
    ben.goto("/account/calendar")
    ben.get_by_role("button", name="Create a feed address").click()
    expect(ben.get_by_text("Your new feed address")).to_be_visible()
    axe(ben)
