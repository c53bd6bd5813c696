"""Gates: may this touch go out? One function per gate, used at planning and at send time.

Each gate returns ``None`` (pass) or a :class:`Refusal` — a machine ``code`` and a
sentence for the progress pages. A refused touch is stored as ``skipped`` with both,
never dropped. Gates are pure over data loaded once per batch (the planner and the
dispatcher load contacts, consents and recent touches for a whole chunk).

Rules:

* **contactable** — a contact marked do-not-contact, or erased, is never reached.
* **consent** — a *granted* consent row for the channel (purpose "marketing") whose
  lawful basis the unit accepts for that channel (bound
  ``campaigns.lawful_basis.<channel>``; unset: consent or separate consent only, so
  legitimate interest counts only where a rule allows it). Contacts whose data resides
  in mainland China (PIPL) need *separate consent*, whatever the rule.
* **channel** — the channel is in the unit's effective allowed channels.
* **frequency** — no 7-day period holds more touches to an account (to an account
  family) than the cap, across all campaigns. A candidate at ``t`` is refused when the
  cap is already reached by touches in (t - 7 days, t + 7 days): then every 7-day
  period stays within the cap, whatever order touches are planned in.
* **content** — the resolver found a usable node (rights, locale, publication);
  otherwise its reason is kept.
* **condition** — an account is *engaged* when its lifecycle is engaged or opportunity,
  or its engagement score reached its unit's MQA threshold (``accounts.handoffs``);
  "not_engaged" steps skip engaged accounts and "engaged" steps the others. Planning
  decides with the state at planning time; the dispatcher asks again at send time.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext

from accounts.models import Account, Channel, Consent, Contact, Lifecycle
from campaigns import mix
from campaigns.models import Condition, Touch
from campaigns.models.touches import COUNTED
from content.resolve import Resolution
from glocal.models import ResidencyZone

WINDOW = dt.timedelta(days=7)
Basis = Consent.LawfulBasis
#: lawful bases accepted when no rule names them for the channel
DEFAULT_BASES = (Basis.CONSENT, Basis.SEPARATE_CONSENT)
ENGAGED_STAGES = (Lifecycle.ENGAGED, Lifecycle.OPPORTUNITY)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def targetable(account: Account, unit_id: int) -> Refusal | None:
    """The account is still one the campaign's unit pursues (it may have changed since)."""
    from campaigns.models.campaigns import TARGETABLE

    if account.owner_unit_id == unit_id and account.lifecycle in TARGETABLE:
        return None
    return Refusal(
        "account_not_targeted",
        gettext("%(account)s is no longer a selected account of this team (now: %(stage)s).")
        % {"account": account.name, "stage": Lifecycle(account.lifecycle).label.lower()},
    )


def contactable(contact: Contact) -> Refusal | None:
    if contact.erased_at is not None:
        return Refusal("erased", gettext("The contact's personal data was erased."))
    if contact.do_not_contact:
        return Refusal("do_not_contact", gettext("The contact asked not to be contacted."))
    return None


def consent(
    contact: Contact, channel: str, record: Consent | None, rules: mix.MixRules
) -> Refusal | None:
    """``record``: the contact's consent row for ``channel`` and marketing, if any."""
    label = Channel(channel).label
    if record is None:
        return Refusal(
            "no_consent", gettext("No consent recorded for %(channel)s.") % {"channel": label}
        )
    if record.status != Consent.Status.GRANTED:
        return Refusal(
            f"consent_{record.status}",
            gettext("Consent for %(channel)s is %(status)s.")
            % {"channel": label, "status": Consent.Status(record.status).label.lower()},
        )
    basis = Basis(record.lawful_basis)
    if contact.residency_zone == ResidencyZone.CN and basis != Basis.SEPARATE_CONSENT:
        return Refusal(
            "pipl_separate_consent",
            gettext(
                "PIPL: the contact's data resides in mainland China, so %(channel)s needs "
                "separate consent (recorded: %(basis)s)."
            )
            % {"channel": label, "basis": basis.label},
        )
    rule = rules.get(mix.LAWFUL_BASES[channel])
    accepted = rule.value if rule is not None else DEFAULT_BASES
    if basis not in accepted:
        where = (
            rule.describe()
            if rule is not None
            else gettext("no rule allows more than consent (default)")
        )
        return Refusal(
            "lawful_basis",
            gettext("%(basis)s is not accepted for %(channel)s: %(rule)s.")
            % {"basis": basis.label, "channel": label, "rule": where},
        )
    return None


def channel_allowed(channel: str, rules: mix.MixRules) -> Refusal | None:
    rule = rules.get(mix.ALLOWED_CHANNELS)
    if rule is None or channel in rule.value:
        return None
    return Refusal(
        "channel_not_allowed",
        gettext("%(channel)s is not allowed here: %(rule)s.")
        % {"channel": Channel(channel).label, "rule": rule.describe()},
    )


@dataclass
class Frequency:
    """Touch times per account and per family around a period, kept sorted in memory."""

    by_account: dict[int, list[dt.datetime]] = field(default_factory=lambda: defaultdict(list))
    by_family: dict[int, list[dt.datetime]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(
        cls,
        account_ids: Iterable[int],
        family_ids: Iterable[int],
        start: dt.datetime,
        end: dt.datetime,
        *,
        exclude_ids: Iterable[int] = (),
        statuses: Iterable[str] = COUNTED,
        future: bool = True,
    ) -> Frequency:
        """One query: counted touches of these accounts or families in [start - 7d, end + 7d].

        At send time (``future=False``, ``statuses=(SENT,)``) only what already went out
        in the last 7 days counts; pass the touches being checked in ``exclude_ids``.
        """
        time_field = "scheduled_at" if future else "sent_at"
        rows = (
            Touch.objects.unrestricted()
            .filter(Q(account_id__in=list(account_ids)) | Q(family_root_id__in=list(family_ids)))
            .filter(**{f"{time_field}__gt": start - WINDOW})
            .filter(
                **({f"{time_field}__lt": end + WINDOW} if future else {f"{time_field}__lte": end})
            )
            .filter(status__in=list(statuses))
            .exclude(pk__in=list(exclude_ids))
            .values_list("account_id", "family_root_id", time_field)
        )
        found = cls()
        for account_id, family_id, when in rows:
            found.add(account_id, family_id, when)
        return found

    def add(self, account_id: int, family_id: int, when: dt.datetime) -> None:
        insort(self.by_account[account_id], when)
        insort(self.by_family[family_id], when)

    @staticmethod
    def near(times: list[dt.datetime], when: dt.datetime) -> int:
        """How many of ``times`` fall strictly within 7 days of ``when``."""
        return bisect_left(times, when + WINDOW) - bisect_right(times, when - WINDOW)


def frequency(
    seen: Frequency, account_id: int, family_id: int, when: dt.datetime, rules: mix.MixRules
) -> Refusal | None:
    for spec, times, code in (
        (mix.ACCOUNT_CAP, seen.by_account.get(account_id, []), "frequency_account"),
        (mix.FAMILY_CAP, seen.by_family.get(family_id, []), "frequency_family"),
    ):
        rule = rules.get(spec)
        if rule is None:
            continue
        count = Frequency.near(times, when)
        if count >= rule.value:
            return Refusal(
                code,
                gettext("Frequency cap reached: %(n)s touch(es) within 7 days; %(rule)s.")
                % {"n": count, "rule": rule.describe()},
            )
    return None


def window(last_day: dt.date, when: dt.datetime, tz: ZoneInfo) -> Refusal | None:
    """The send time (after weekends, holidays and hours) is still inside the window."""
    if when.astimezone(tz).date() <= last_day:
        return None
    return Refusal(
        "outside_window",
        gettext("The first allowed send time (%(when)s) falls after the campaign's last day.")
        % {"when": f"{when.astimezone(tz):%Y-%m-%d %H:%M} {tz.key}"},
    )


def content(resolution: Resolution) -> Refusal | None:
    if resolution.usable:
        return None
    return Refusal("content_unavailable", resolution.reason)


def is_engaged(account: Account, threshold: float) -> bool:
    return account.lifecycle in ENGAGED_STAGES or account.engagement_score >= threshold


def condition(step_condition: str, account: Account, threshold: float) -> Refusal | None:
    if step_condition == Condition.ALWAYS:
        return None
    engaged = is_engaged(account, threshold)
    if step_condition == Condition.NOT_ENGAGED and engaged:
        return Refusal(
            "condition_engaged",
            gettext("This step is only for accounts not engaged yet; %(account)s is engaged.")
            % {"account": account.name},
        )
    if step_condition == Condition.ENGAGED and not engaged:
        return Refusal(
            "condition_not_engaged",
            gettext("This step is only for engaged accounts; %(account)s is not engaged yet.")
            % {"account": account.name},
        )
    return None


def address(channel: str, recipient: str) -> Refusal | None:
    """The contact has an address on the channel (email, or a phone for messaging)."""
    if recipient:
        return None
    return Refusal(
        "no_address",
        gettext("The contact has no address for %(channel)s.")
        % {"channel": Channel(channel).label},
    )
