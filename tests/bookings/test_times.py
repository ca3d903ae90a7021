"""Local times, clock changes and series dates: pure functions."""
from datetime import date, datetime, timezone

import pytest

from lit_platform.bookings.times import LocalTimeError, resolve_local, series_dates, to_local

LONDON = "Europe/London"


def test_a_time_in_the_spring_gap_is_refused_with_a_reason():
    with pytest.raises(LocalTimeError, match="01:30 on 29 March 2026 does not exist in Europe/London.*GMT to BST"):
        resolve_local(datetime(2026, 3, 29, 1, 30), LONDON)


def test_times_either_side_of_the_spring_gap_are_fine():
    assert resolve_local(datetime(2026, 3, 29, 0, 59), LONDON).utc == datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc)
    assert resolve_local(datetime(2026, 3, 29, 2, 0), LONDON).utc == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)


def test_an_ambiguous_autumn_time_takes_the_first_occurrence_and_says_so():
    resolved = resolve_local(datetime(2026, 10, 25, 1, 30), LONDON)
    assert resolved.ambiguous
    assert resolved.utc == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)  # 01:30 BST, not 01:30 GMT
    assert not resolve_local(datetime(2026, 10, 25, 2, 30), LONDON).ambiguous


def test_round_trip_to_local():
    utc = resolve_local(datetime(2026, 7, 1, 14, 0), LONDON).utc
    assert utc.hour == 13 and to_local(utc, LONDON) == datetime(2026, 7, 1, 14, 0)


def test_weekly_series_by_count_and_until():
    assert series_dates(date(2026, 3, 16), "weekly", count=3) == [date(2026, 3, 16), date(2026, 3, 23),
                                                                   date(2026, 3, 30)]
    assert series_dates(date(2026, 3, 16), "fortnightly", until=date(2026, 4, 13)) == [
        date(2026, 3, 16), date(2026, 3, 30), date(2026, 4, 13)]


def test_monthly_series_keeps_the_day_or_takes_the_last_day_of_a_short_month():
    assert series_dates(date(2026, 1, 31), "monthly", count=4) == [date(2026, 1, 31), date(2026, 2, 28),
                                                                    date(2026, 3, 31), date(2026, 4, 30)]


@pytest.mark.parametrize("kwargs", [{}, {"count": 2, "until": date(2026, 5, 1)}, {"until": date(2025, 1, 1)},
                                    {"count": 60}])
def test_series_limits(kwargs):
    with pytest.raises(LocalTimeError):
        series_dates(date(2026, 3, 16), "weekly", **kwargs)
