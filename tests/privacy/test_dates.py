"""Deadlines and periods as pure functions."""
from datetime import date, datetime, timezone

import pytest

from lit_platform.privacy.dates import Duration, parse_duration, response_due


@pytest.mark.parametrize("received, due", [
    (date(2026, 1, 15), date(2026, 2, 14)),   # the day of receipt is day one
    (date(2026, 1, 31), date(2026, 2, 28)),   # no 31 February: the last day of February
    (date(2028, 1, 31), date(2028, 2, 29)),   # ... in a leap year
    (date(2026, 1, 29), date(2026, 2, 28)),
    (date(2028, 1, 29), date(2028, 2, 28)),
    (date(2026, 1, 1), date(2026, 1, 31)),
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 12, 20), date(2027, 1, 19)),  # across the year end
    (date(2026, 2, 28), date(2026, 3, 27)),
])
def test_a_request_is_due_one_calendar_month_later_counting_the_day_received(received, due):
    assert response_due(received) == due


def test_an_extension_adds_up_to_two_further_months_by_the_same_rule():
    assert response_due(date(2026, 1, 15), 2) == date(2026, 3, 14)
    assert response_due(date(2026, 1, 15), 3) == date(2026, 4, 14)
    assert response_due(date(2025, 11, 30), 3) == date(2026, 2, 28)


@pytest.mark.parametrize("text, duration, words", [
    ("P3Y", Duration(years=3), "3 years"),
    ("P1D", Duration(days=1), "1 day"),
    ("P30D", Duration(days=30), "30 days"),
    ("p1y6m", Duration(years=1, months=6), "1 year and 6 months"),
    ("P2W", Duration(weeks=2), "2 weeks"),
    ("PT12H", Duration(hours=12), "12 hours"),
    ("P1Y2M3D", Duration(years=1, months=2, days=3), "1 year, 2 months and 3 days"),
])
def test_iso_durations_are_read_and_said_in_words(text, duration, words):
    assert parse_duration(text) == duration
    assert duration.in_words() == words
    assert parse_duration(str(duration)) == duration


@pytest.mark.parametrize("text", ["", "P", "3Y", "P3", "PT", "P1.5Y", "P-1Y", "P3Y junk", "PT1M1H"])
def test_other_text_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="such as P3Y"):
        parse_duration(text)


def test_a_period_counts_back_in_calendar_years_and_months():
    leap_day = datetime(2028, 2, 29, 12, tzinfo=timezone.utc)
    assert Duration(years=1).before(leap_day) == datetime(2027, 2, 28, 12, tzinfo=timezone.utc)
    assert Duration(months=1).before(datetime(2026, 3, 31, tzinfo=timezone.utc)) == datetime(2026, 2, 28,
                                                                                               tzinfo=timezone.utc)
    assert Duration(days=1, hours=2).before(leap_day) == datetime(2028, 2, 28, 10, tzinfo=timezone.utc)
