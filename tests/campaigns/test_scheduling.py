"""Send times in local time: business days, public holidays, allowed hours, DST."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from campaigns.scheduling import in_allowed_hours, local_label, localize, send_time

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("day", "tz", "country", "expected"),
    [
        # Paris, spring forward on Sunday 29 March 2026: 09:00 CET then 09:00 CEST.
        (dt.date(2026, 3, 27), PARIS, "FR", utc(2026, 3, 27, 8)),
        (dt.date(2026, 3, 30), PARIS, "FR", utc(2026, 3, 30, 7)),
        # Paris, fall back on Sunday 25 October 2026.
        (dt.date(2026, 10, 23), PARIS, "FR", utc(2026, 10, 23, 7)),
        (dt.date(2026, 10, 26), PARIS, "FR", utc(2026, 10, 26, 8)),
        # New York, spring forward on Sunday 8 March 2026: 09:00 EST then EDT.
        (dt.date(2026, 3, 6), NEW_YORK, "US", utc(2026, 3, 6, 14)),
        (dt.date(2026, 3, 9), NEW_YORK, "US", utc(2026, 3, 9, 13)),
        # New York, fall back on Sunday 1 November 2026 (Europe already switched).
        (dt.date(2026, 10, 30), NEW_YORK, "US", utc(2026, 10, 30, 13)),
        (dt.date(2026, 11, 2), NEW_YORK, "US", utc(2026, 11, 2, 14)),
    ],
)
def test_it_keeps_nine_local_across_dst(day, tz, country, expected):
    when = send_time(day, tz, country)
    assert when == expected
    assert when.astimezone(tz).hour == 9


def test_it_moves_a_weekend_to_monday():
    # Saturday 28 March 2026 (the DST weekend) → Monday 30 March, 09:00 CEST.
    assert local_label(send_time(dt.date(2026, 3, 28), PARIS, "FR"), PARIS) == (
        "2026-03-30 09:00 Europe/Paris"
    )


@pytest.mark.parametrize(
    ("day", "tz", "country", "expected"),
    [
        (dt.date(2026, 7, 14), PARIS, "FR", "2026-07-15 09:00 Europe/Paris"),  # Bastille Day
        (dt.date(2025, 7, 4), NEW_YORK, "US", "2025-07-07 09:00 America/New_York"),  # Friday
        # Golden Week 2026: Monday 4 to Wednesday 6 May are holidays in Japan.
        (dt.date(2026, 5, 4), TOKYO, "JP", "2026-05-07 09:00 Asia/Tokyo"),
        # The holiday is the contact's country's: 14 July is a working day in Germany.
        (dt.date(2026, 7, 14), PARIS, "DE", "2026-07-14 09:00 Europe/Paris"),
    ],
)
def test_it_skips_public_holidays_of_the_contact_country(day, tz, country, expected):
    assert local_label(send_time(day, tz, country), tz) == expected


def test_it_starts_at_the_allowed_hours():
    when = send_time(dt.date(2026, 6, 2), PARIS, "FR", hours=(10, 17))
    assert local_label(when, PARIS) == "2026-06-02 10:00 Europe/Paris"
    assert in_allowed_hours(when, PARIS, (10, 17))
    assert not in_allowed_hours(when, PARIS, (11, 17))


def test_a_nonexistent_local_time_moves_forward_by_the_gap():
    # 02:00 does not exist in Paris on 29 March 2026 (clocks jump to 03:00).
    assert localize(dt.date(2026, 3, 29), 2, PARIS) == utc(2026, 3, 29, 1)
    assert localize(dt.date(2026, 3, 29), 2, PARIS).astimezone(PARIS).hour == 3
    # Same in New York on 8 March 2026.
    assert localize(dt.date(2026, 3, 8), 2, NEW_YORK).astimezone(NEW_YORK).hour == 3


def test_an_ambiguous_local_time_takes_its_first_occurrence():
    # 02:00 happens twice in Paris on 25 October 2026: first at 00:00 UTC (CEST).
    assert localize(dt.date(2026, 10, 25), 2, PARIS) == utc(2026, 10, 25, 0)
    # 01:30 twice in New York on 1 November 2026: first at 05:00 UTC (EDT) for 01:00.
    assert localize(dt.date(2026, 11, 1), 1, NEW_YORK) == utc(2026, 11, 1, 5)


def test_it_never_plans_in_the_past():
    # Planning on Tuesday 2 June 2026 at 11:20 Paris time, for a step due the day before.
    now = dt.datetime(2026, 6, 2, 11, 20, tzinfo=PARIS)
    when = send_time(dt.date(2026, 6, 1), PARIS, "FR", not_before=now)
    assert local_label(when, PARIS) == "2026-06-02 11:21 Europe/Paris"
    # After the allowed hours it waits for the next business day's start.
    late = dt.datetime(2026, 6, 5, 19, 0, tzinfo=PARIS)  # a Friday evening
    assert local_label(send_time(dt.date(2026, 6, 5), PARIS, "FR", not_before=late), PARIS) == (
        "2026-06-08 09:00 Europe/Paris"
    )


def test_a_country_without_a_holiday_calendar_keeps_weekends_only():
    from campaigns.scheduling import holiday_name, is_business_day

    assert holiday_name(dt.date(2026, 12, 25), "XX") is None  # no calendar: no holiday
    assert is_business_day(dt.date(2026, 12, 25), "XX")  # a Friday
    assert not is_business_day(dt.date(2026, 12, 26), "XX")  # a Saturday
    assert not is_business_day(dt.date(2026, 12, 25), "FR")  # Christmas in France


def test_allowed_hours_may_run_to_midnight_and_days_may_include_the_weekend():
    paris = ZoneInfo("Europe/Paris")
    saturday_night = dt.datetime(2031, 1, 11, 22, 30, tzinfo=dt.UTC)  # 23:30 in Paris
    every_day = frozenset(range(7))
    when = send_time(
        dt.date(2031, 1, 11), paris, "FR", (0, 24), not_before=saturday_night, days=every_day
    )
    assert when == dt.datetime(2031, 1, 11, 22, 31, tzinfo=dt.UTC)
    # With the default weekdays the same moment waits for Monday.
    monday = send_time(dt.date(2031, 1, 11), paris, "FR", (0, 24), not_before=saturday_night)
    assert local_label(monday, paris) == "2031-01-13 00:00 Europe/Paris"
