"""When a touch goes out: local business days, public holidays and allowed hours.

Pure functions (no database): the planner calls them for every touch.

* Days are counted in the **local unit's time zone**: window start + cumulative delays,
  then moved forward past weekends and the public holidays of the contact's country
  (national holidays from the ``holidays`` package, observed days included).
* The send time is the start of the allowed hours on that day (quiet hours: 09:00-18:00
  by default). Wall-clock time is kept across DST: 09:00 in Paris is 08:00 UTC in winter
  and 07:00 UTC in summer.
* A local time that does not exist (the spring-forward gap) moves forward by the length
  of the gap (02:00 → 03:00 in Paris); an ambiguous one (the autumn fold) takes its
  first occurrence.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

UTC = dt.UTC
DEFAULT_HOURS = (9, 18)
#: sending days when no rule names them: Monday (0) to Friday (4)
WEEKDAYS = frozenset(range(5))
#: a touch never waits more than this for a business day (guards bad holiday data)
MAX_SHIFT_DAYS = 60


@lru_cache(maxsize=256)
def _calendar(country: str) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(country)
    except NotImplementedError:
        # The package's signal for a country it has no calendar for (e.g. a code it does
        # not cover yet): such a country keeps weekends only, it is not an error to plan.
        return None


def holiday_name(day: dt.date, country: str) -> str | None:
    """The public holiday on ``day`` in ``country``, if any."""
    calendar = _calendar(country.upper()) if country else None
    return calendar.get(day) if calendar is not None else None


def is_business_day(day: dt.date, country: str, days: frozenset[int] = WEEKDAYS) -> bool:
    """A sending day (``days``: allowed weekdays, Monday = 0) that is not a holiday."""
    return day.weekday() in days and holiday_name(day, country) is None


def next_business_day(day: dt.date, country: str, days: frozenset[int] = WEEKDAYS) -> dt.date:
    """``day`` itself when it is a business day, else the first one after it."""
    for _ in range(MAX_SHIFT_DAYS):
        if is_business_day(day, country, days):
            return day
        day += dt.timedelta(days=1)
    return day


def localize(day: dt.date, hour: int, tz: ZoneInfo) -> dt.datetime:
    """``hour``:00 local on ``day`` as an aware UTC datetime (see the module notes on DST)."""
    # fold=0 gives the first occurrence of an ambiguous time and, for a nonexistent one,
    # the offset before the gap — i.e. the wall time pushed forward by the gap's length.
    if hour >= 24:  # the end of the day: midnight after it
        day, hour = day + dt.timedelta(days=1), 0
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=tz).replace(fold=0)
    return local.astimezone(UTC)


def send_time(
    day: dt.date,
    tz: ZoneInfo,
    country: str,
    hours: tuple[int, int] = DEFAULT_HOURS,
    not_before: dt.datetime | None = None,
    days: frozenset[int] = WEEKDAYS,
) -> dt.datetime:
    """The UTC instant to send a touch due on local ``day``.

    ``hours`` are the allowed local hours [start, end). With ``not_before`` (planning
    after the window opened) a past slot moves to ``not_before`` when that is still
    inside the allowed hours of a business day, else to the next business day's start.
    """
    start, end = hours
    if not_before is not None:
        day = max(day, not_before.astimezone(tz).date())
    for _ in range(MAX_SHIFT_DAYS):
        day = next_business_day(day, country, days)
        when = localize(day, start, tz)
        if not_before is None or when >= not_before:
            return when
        if localize(day, end, tz) > not_before:
            return not_before.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        day += dt.timedelta(days=1)
    return when


def local_label(when: dt.datetime, tz: ZoneInfo) -> str:
    """How the local team reads a send time: ``2026-03-30 09:00 Europe/Paris``."""
    return f"{when.astimezone(tz):%Y-%m-%d %H:%M} {tz.key}"


def in_allowed_hours(when: dt.datetime, tz: ZoneInfo, hours: tuple[int, int]) -> bool:
    """Whether ``when`` falls inside the local allowed hours (used again at send time)."""
    local = when.astimezone(tz)
    return hours[0] <= local.hour < hours[1]
