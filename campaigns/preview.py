"""What planning would write for a campaign, computed without writing anything.

A local team checks its send times (time zone, weekends, the contacts' public holidays,
allowed hours) and the gates' verdicts before asking for a launch. The preview runs the
planner's own :func:`campaigns.planning.build_touches` on the first accounts of the
campaign and discards the unsaved rows, so it can never disagree with the real plan
made at the same moment. Touches already planned (a launched campaign) are not repeated
here: they are listed by the touches API.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Contact
from campaigns import planning
from campaigns.models import Campaign
from glocal.models import OrgUnit

DEFAULT_ACCOUNTS = 10
MAX_ACCOUNTS = 50


def preview_touches(
    campaign: Campaign, *, limit: int = DEFAULT_ACCOUNTS, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The touches planning would make now for the first ``limit`` accounts, per country.

    Constant queries whatever ``limit`` (the planner's own, plus one for the contacts'
    countries). Contacts appear by id only: personal data stays with the contacts API
    and its residency rules.
    """
    now = now or timezone.now()
    limit = max(1, min(limit, MAX_ACCOUNTS))
    unit = OrgUnit.objects.select_related("parent__parent").get(pk=campaign.owner_unit_id)
    accounts = list(
        campaign.accounts.select_related("parent__parent__parent").order_by("pk")[:limit]
    )
    total = campaign.accounts.count()
    touches = []
    if accounts and campaign.effective_steps():
        try:
            touches = planning.build_touches(campaign, unit, accounts, now)
        except OverflowError:  # delays adding up past year 9999: nothing could be planned
            raise ValidationError(
                {"overrides": _("The steps' delays run past the end of the calendar.")}
            ) from None
    countries = dict(
        Contact.objects.unrestricted()
        .filter(pk__in={t.contact_id for t in touches})
        .values_list("pk", "country")
    )
    by_account = {a.pk: a for a in accounts}
    fallback = next(iter(unit.countries or ()), "")
    groups: dict[str, list[dict[str, Any]]] = {}
    for touch in touches:
        account = by_account[touch.account_id]
        # The same country the planner used for the holiday calendar.
        country = countries.get(touch.contact_id) or account.country or fallback
        groups.setdefault(country, []).append(
            {
                "account": account.pk,
                "account_name": account.name,
                "contact": touch.contact_id,
                "step": touch.step,
                "channel": touch.channel,
                "content_family": touch.content_family,
                "content_asset": touch.content_asset_id,
                "scheduled_at": touch.scheduled_at,
                "local_scheduled": touch.local_scheduled,
                "status": touch.status,
                "reason_code": touch.reason_code,
                "reason": touch.reason,
            }
        )
    return {
        "campaign": campaign.pk,
        "timezone": unit.timezone,
        "accounts_previewed": len(accounts),
        "accounts_total": total,
        "touches": dict(Counter(t.status for t in touches)),
        "countries": [
            {
                "country": country,
                "touches": sorted(rows, key=lambda r: (r["scheduled_at"], r["account"], r["step"])),
            }
            for country, rows in sorted(groups.items())
        ],
    }
