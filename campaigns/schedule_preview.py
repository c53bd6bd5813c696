"""When a campaign's touches would go out, per country, without planning anything.

The builder shows this before launch: for each country the campaign's contacts live in
(contact, else account, else the unit's first country — the planner's rule) and each
effective step, the send time the planner would compute *now* (``campaigns.scheduling``
with the unit's time zone, the country's public holidays and the unit's allowed hours)
and whether it still falls inside the window. Nothing is written; the consent, content
and frequency gates are only known at planning, so they are not predicted here.

(``campaigns/preview.py`` is left to the API; this module is the dashboard's.)
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone

from accounts.models import Channel, Contact
from campaigns import mix, planning, scheduling
from campaigns.models import Campaign, Condition
from glocal.models import OrgUnit


@dataclass(frozen=True)
class PreviewTouch:
    """One step's send time for the contacts of one country."""

    step: int  # 0-based index in the playbook
    channel: str
    condition: str
    nominal_day: dt.date
    utc: dt.datetime
    local: dt.datetime
    #: why the send day is not the nominal day: holiday names, "weekend", "now"
    moved_because: tuple[str, ...] = ()
    in_window: bool = True

    @property
    def number(self) -> int:
        return self.step + 1

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label)

    @property
    def condition_label(self) -> str:
        return str(Condition(self.condition).label)

    @property
    def local_label(self) -> str:
        """``Mon 2031-03-31 09:00 CEST``: weekday translated, in the unit's time zone."""
        return dateformat.format(self.local, "D Y-m-d H:i T")

    @property
    def utc_offset(self) -> str:
        """``UTC+02:00``."""
        offset = dateformat.format(self.local, "O")  # "+0200"
        return f"UTC{offset[:3]}:{offset[3:]}"

    @property
    def utc_label(self) -> str:
        return f"{self.utc:%Y-%m-%d %H:%M} UTC"


@dataclass
class CountryPreview:
    country: str
    contacts: int
    touches: list[PreviewTouch] = field(default_factory=list)


@dataclass
class SchedulePreview:
    timezone: str
    hours: tuple[int, int]
    countries: list[CountryPreview]
    #: why the planned mix leaves the unit's channel-mix bounds (launch would refuse)
    mix_problems: list[str]
    steps: list[dict[str, Any]]


def _reasons(nominal: dt.date, sent: dt.date, country: str, start: dt.date) -> tuple[str, ...]:
    """What pushed a touch from its nominal day to the day it is sent."""
    reasons: list[str] = []
    if start > nominal:
        reasons.append("now")
    day = max(nominal, start)
    while day < sent:
        name = scheduling.holiday_name(day, country)
        if name:
            reasons.append(str(name))
        elif day.weekday() >= 5 and "weekend" not in reasons:
            reasons.append("weekend")
        day += dt.timedelta(days=1)
    return tuple(reasons)


def contacts_per_country(campaign: Campaign, unit: OrgUnit) -> Counter[str]:
    """Reachable contacts of the campaign's accounts, by the country the planner uses."""
    fallback = next(iter(unit.countries or ()), "")
    rows = (
        Contact.objects.unrestricted()
        .filter(account__campaigns=campaign, erased_at__isnull=True, do_not_contact=False)
        .values_list("country", "account__country")
    )
    return Counter((contact or account or fallback).upper() for contact, account in rows)


def preview(campaign: Campaign, *, now: dt.datetime | None = None) -> SchedulePreview:
    """The campaign's schedule if it were planned at ``now`` (default: the current time)."""
    now = now or timezone.now()
    unit = OrgUnit.objects.select_related("parent__parent").get(pk=campaign.owner_unit_id)
    tz = ZoneInfo(unit.timezone)
    rules = mix.rules_for(unit)
    steps = campaign.effective_steps()
    days = planning.step_days(campaign, steps)
    counts = contacts_per_country(campaign, unit)
    if not counts:  # no accounts (or contacts) yet: show the unit's own countries
        counts = Counter({c.upper(): 0 for c in (unit.countries or [""])})
    earliest = now.astimezone(tz).date()
    countries = []
    for country, contacts in sorted(counts.items()):
        row = CountryPreview(country, contacts)
        for step in steps:
            nominal = days[step["index"]]
            when = scheduling.send_time(
                nominal, tz, country, rules.hours, not_before=now, days=rules.days
            )
            local = when.astimezone(tz)
            row.touches.append(
                PreviewTouch(
                    step=step["index"],
                    channel=step["channel"],
                    condition=step["condition"],
                    nominal_day=nominal,
                    utc=when,
                    local=local,
                    moved_because=_reasons(nominal, local.date(), country, earliest),
                    in_window=local.date() <= campaign.ends_on,
                )
            )
        countries.append(row)
    return SchedulePreview(
        timezone=tz.key,
        hours=rules.hours,
        countries=countries,
        mix_problems=mix.mix_problems(steps, rules),
        steps=steps,
    )
