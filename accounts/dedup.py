"""De-duplication of accounts across the units of one organisation.

* ``candidate_pairs(rows)`` — pure detection over plain rows (also used by the bench):
  equal registrable domain, or similar normalised names in a compatible country.
  It never compares every account with every other: accounts are *blocked* by domain
  and by (country, first name token) / (country, last name token); small blocks are
  compared pairwise, large ones with a sorted-neighbourhood window, so the work grows
  linearly with the number of accounts.
* ``detect_duplicates(organization_id)`` — stores new ``DuplicateCandidate`` rows, each
  owned by the lowest common ancestor of the two accounts' units. Idempotent: a pair is
  stored once, and a dismissed pair stays dismissed.
* ``merge(candidate, user, survivor_id)`` and ``dismiss(candidate, user)`` — the review
  decisions, for managers of the candidate's unit (``restrict(user, "approve")``).
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Consent, Contact, DuplicateCandidate
from accounts.models.families import AccountPlan, FamilyConflict
from glocal import ownership
from glocal.models import OrgUnit

#: Names at least this similar (difflib ratio of the company keys) are candidates.
NAME_THRESHOLD = 0.88
#: Different registrable domains on both sides: only near-identical names count.
CONFLICTING_DOMAIN_THRESHOLD = 0.95
#: Blocks up to this size are compared pairwise; larger ones by sorted neighbourhood.
PAIRWISE_BLOCK = 40
WINDOW = 15
#: A domain shared by more accounts than this is generic (a mail provider, a
#: marketplace) and says nothing about identity.
MAX_DOMAIN_GROUP = 50
#: A word in more than this share of the organisation's names (and more than
#: ``COMMON_WORD_MIN`` of them) is common — a sector, "group", "international" — and
#: does not tell two companies apart.
COMMON_WORD_SHARE = 0.002
COMMON_WORD_MIN = 20


@dataclass(frozen=True)
class Row:
    id: int
    unit_id: int
    name_key: str
    domain: str
    country: str
    parent_id: int | None = None


@dataclass(frozen=True)
class Match:
    score: float
    reasons: tuple[str, ...]


ROW_FIELDS = ("id", "owner_unit_id", "name_key", "domain", "country", "parent_id")


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    # The cheap upper bounds discard most pairs before the real ratio is computed.
    if matcher.real_quick_ratio() < NAME_THRESHOLD or matcher.quick_ratio() < NAME_THRESHOLD:
        return 0.0
    return matcher.ratio()


def score_pair(a: Row, b: Row, rare_a: str = "", rare_b: str = "") -> Match | None:
    """Whether two accounts look like one company, how strongly, and why.

    ``rare_a``/``rare_b`` are the names without the organisation's common words
    ("systems", "logistics" ...): "Kalo Systems" and "Kalu Systems" share most letters
    yet are two companies, so when both names keep a distinctive part, it must match too.
    """
    if a.parent_id == b.id or b.parent_id == a.id:
        return None  # a parent and its subsidiary are a family, not a duplicate
    same_country = bool(a.country) and a.country == b.country
    compatible_country = not a.country or not b.country or a.country == b.country
    sim = _similarity(a.name_key, b.name_key)
    if sim and rare_a and rare_b and (rare_a, rare_b) != (a.name_key, b.name_key):
        sim = min(sim, _similarity(rare_a, rare_b))
    name_match = sim >= NAME_THRESHOLD
    reasons: list[str] = []
    if a.domain and a.domain == b.domain:
        reasons.append("domain")
        if name_match:
            reasons.append("name")
        if compatible_country:
            score = 0.9 + 0.1 * sim
        elif name_match:
            score = 0.7 * sim  # same site and name, countries disagree: likely a data error
        else:
            return None  # same group's site in another country: a sibling subsidiary
    elif name_match and compatible_country:
        if a.domain and b.domain and sim < CONFLICTING_DOMAIN_THRESHOLD:
            return None
        reasons.append("name")
        score = 0.8 * sim + (0.1 if same_country else 0.0)
        if a.domain and b.domain:
            score -= 0.2  # two different websites weaken an equal name
    else:
        return None
    if same_country:
        reasons.append("country")
    return Match(round(score, 4), tuple(reasons))


def _blocks(rows: list[Row]) -> Iterable[list[Row]]:
    by_domain: dict[str, list[Row]] = defaultdict(list)
    by_name: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if row.domain:
            by_domain[row.domain].append(row)
        tokens = row.name_key.split()
        if tokens:
            by_name[(row.country, tokens[0])].append(row)
            if len(tokens) > 1:
                by_name[(row.country, tokens[-1])].append(row)
    # An account without a country may duplicate one with a country: block it there too.
    countries = {row.country for row in rows if row.country}
    blank = [key for key in by_name if not key[0]]
    for _blank, token in blank:
        for country in countries:
            if (country, token) in by_name:
                by_name[(country, token)].extend(by_name[("", token)])
    yield from (group for group in by_domain.values() if 1 < len(group) <= MAX_DOMAIN_GROUP)
    yield from (group for group in by_name.values() if len(group) > 1)


def _pairs_in(block: list[Row]) -> Iterable[tuple[Row, Row]]:
    if len(block) <= PAIRWISE_BLOCK:
        for i, a in enumerate(block):
            for b in block[i + 1 :]:
                yield a, b
        return
    ordered = sorted(block, key=lambda r: (r.name_key, r.id))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 : i + 1 + WINDOW]:
            yield a, b


def distinctive_names(rows: list[Row]) -> dict[int, str]:
    """Each name without the words common in this organisation's accounts."""
    frequency: Counter[str] = Counter()
    for row in rows:
        frequency.update(set(row.name_key.split()))
    limit = max(COMMON_WORD_MIN, len(rows) * COMMON_WORD_SHARE)
    common = {word for word, n in frequency.items() if n > limit}
    return {row.id: " ".join(w for w in row.name_key.split() if w not in common) for row in rows}


def candidate_pairs(rows: Iterable[Row]) -> dict[tuple[int, int], Match]:
    """Candidate duplicate pairs ``(smaller id, larger id) → Match`` among ``rows``."""
    rows = list(rows)
    rare = distinctive_names(rows)
    found: dict[tuple[int, int], Match] = {}
    seen: set[tuple[int, int]] = set()
    for block in _blocks(rows):
        for a, b in _pairs_in(block):
            if a.id == b.id:
                continue
            key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            if key in seen:
                continue
            seen.add(key)
            match = score_pair(a, b, rare[a.id], rare[b.id])
            if match is not None:
                found[key] = match
    return found


# --- the unit tree ---------------------------------------------------------------------


class UnitTree:
    """Parents of an organisation's units, loaded once, for lowest common ancestors."""

    def __init__(self, organization_id: int) -> None:
        self.parent: dict[int, int | None] = dict(
            OrgUnit.objects.filter(organization_id=organization_id).values_list("id", "parent_id")
        )

    def chain(self, unit_id: int) -> list[int]:
        chain = [unit_id]
        while self.parent.get(chain[-1]) is not None:
            chain.append(self.parent[chain[-1]])
        return chain

    def lca(self, *unit_ids: int) -> int:
        common = self.chain(unit_ids[0])
        for unit_id in unit_ids[1:]:
            ancestors = set(self.chain(unit_id))
            common = [u for u in common if u in ancestors]
        return common[0]


def organization_rows(organization_id: int) -> list[Row]:
    return [
        Row(*values)
        for values in Account.objects.unrestricted()
        .filter(owner_unit__organization_id=organization_id)
        .values_list(*ROW_FIELDS)
        .iterator(chunk_size=5000)
    ]


def detect_duplicates(organization_id: int) -> int:
    """Store the organisation's new candidate pairs; returns how many were added."""
    rows = organization_rows(organization_id)
    unit_of = {row.id: row.unit_id for row in rows}
    pairs = candidate_pairs(rows)
    if not pairs:
        return 0
    tree = UnitTree(organization_id)
    known = set(
        DuplicateCandidate.objects.unrestricted()
        .filter(account_a_id__in=unit_of)
        .values_list("account_a_id", "account_b_id")
    )
    new = [
        DuplicateCandidate(
            owner_unit_id=tree.lca(unit_of[a], unit_of[b]),
            account_a_id=a,
            account_b_id=b,
            score=match.score,
            reasons=list(match.reasons),
        )
        for (a, b), match in pairs.items()
        if (a, b) not in known
    ]
    # ignore_conflicts: a concurrent run of the same organisation may insert a pair first.
    DuplicateCandidate.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


# --- review decisions ------------------------------------------------------------------


def access_candidate(user, candidate: DuplicateCandidate) -> None:
    """Managers of the candidate's unit (or above) decide; others are refused."""
    allowed = DuplicateCandidate.objects.restrict(user, "approve").filter(pk=candidate.pk)
    if not allowed.exists():
        raise PermissionDenied(_("Only managers of the reviewing unit may decide on duplicates."))
    if not candidate.is_open:
        raise ValidationError(_("This candidate was already decided."))
    if candidate.account_a_id is None or candidate.account_b_id is None:
        raise ValidationError(_("One of these accounts no longer exists."))


ACCOUNT_SUMMARY = (
    "id",
    "name",
    "domain",
    "country",
    "owner_unit_id",
    "parent_id",
    "lifecycle",
    "tier",
    "tags",
    "crm_ids",
)
FILLABLE_ACCOUNT_FIELDS = ("legal_name", "domain", "country", "industry", "employee_band")
FILLABLE_CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "buying_role",
    "language",
    "country",
)
CONSENT_FIELDS = (
    "status",
    "lawful_basis",
    "source",
    "recorded_at",
    "evidence",
    "double_opt_in_at",
)


def summarise(account: Account) -> dict[str, Any]:
    data = {field: getattr(account, field) for field in ACCOUNT_SUMMARY}
    data["contacts"] = account.contacts.count()
    return data


def _merge_contacts(survivor: Account, loser: Account) -> dict[str, int]:
    """Move the loser's contacts; a contact known on both sides (same email) becomes one,
    keeping every filled field and, per channel and purpose, the most recent consent."""
    kept = {
        c.email.lower(): c for c in survivor.contacts.exclude(email="").prefetch_related("consents")
    }
    moved = merged = consents_moved = consents_replaced = 0
    twins: list[tuple[Contact, Contact]] = []
    for contact in loser.contacts.prefetch_related("consents"):
        twin = kept.get(contact.email.lower()) if contact.email else None
        if twin is not None:
            twins.append((twin, contact))
    twin_ids = [c.pk for _twin, c in twins]
    for twin, contact in twins:
        changed = [
            f for f in FILLABLE_CONTACT_FIELDS if not getattr(twin, f) and getattr(contact, f)
        ]
        for field in changed:
            setattr(twin, field, getattr(contact, field))
        if contact.do_not_contact and not twin.do_not_contact:
            twin.do_not_contact = True  # an opt-out on either record binds the merged one
            changed.append("do_not_contact")
        if changed:
            twin.save(update_fields=[*changed, "residency_zone", "updated_at"])
        theirs = {(c.channel, c.purpose): c for c in twin.consents.all()}
        for consent in contact.consents.all():
            current = theirs.get((consent.channel, consent.purpose))
            if current is None:
                Consent.objects.filter(pk=consent.pk).update(
                    contact=twin, owner_unit=survivor.owner_unit_id
                )
                consents_moved += 1
            elif consent.recorded_at > current.recorded_at:
                for field in CONSENT_FIELDS:
                    setattr(current, field, getattr(consent, field))
                current.save(update_fields=list(CONSENT_FIELDS))
                consents_replaced += 1
        merged += 1
    if twin_ids:
        Contact.objects.filter(pk__in=twin_ids).delete()
    others = Contact.objects.filter(account=loser)
    moved = others.count()
    Consent.objects.filter(contact__in=others.values("pk")).update(
        owner_unit=survivor.owner_unit_id
    )
    consents_moved += Consent.objects.filter(contact__account=loser).count()
    others.update(account=survivor, owner_unit=survivor.owner_unit_id)
    return {
        "contacts_moved": moved,
        "contacts_merged": merged,
        "consents_moved": consents_moved,
        "consents_replaced": consents_replaced,
    }


def _merge_links(survivor: Account, loser: Account) -> dict[str, int]:
    """Subsidiaries, the family parent, the family plan, and any other app's rows."""
    subsidiaries = Account.objects.filter(parent=loser).exclude(pk=survivor.pk)
    moved = subsidiaries.update(parent=survivor)
    if survivor.parent_id in (None, loser.pk) and loser.parent_id != survivor.pk:
        survivor.parent_id = loser.parent_id
    loser_plan = AccountPlan.objects.filter(account=loser).first()
    if loser_plan is not None:
        own_plan = AccountPlan.objects.filter(account=survivor).first()
        if own_plan is None:
            AccountPlan.objects.filter(pk=loser_plan.pk).update(account=survivor)
        else:
            for field in ("objectives", "strategy", "key_contacts"):
                extra = getattr(loser_plan, field)
                if extra and extra not in getattr(own_plan, field):
                    setattr(
                        own_plan,
                        field,
                        "\n\n".join(filter(None, [getattr(own_plan, field), extra])),
                    )
            own_plan.save()
            loser_plan.delete()
    # Rows of other apps that point at the loser (selections, hand-offs, events ...)
    # follow it to the survivor, so history is kept rather than cascaded away.
    handled = {Contact, Account, DuplicateCandidate, FamilyConflict, AccountPlan}
    others = 0
    for relation in Account._meta.related_objects:
        model = relation.related_model
        if model in handled or relation.many_to_many or not relation.field.concrete:
            continue
        manager = getattr(model, "_base_manager", model._default_manager)
        others += manager.filter(**{relation.field.name: loser}).update(
            **{relation.field.name: survivor}
        )
    return {"subsidiaries_moved": moved, "other_links_moved": others}


def _merge_fields(survivor: Account, loser: Account) -> None:
    for field in FILLABLE_ACCOUNT_FIELDS:
        if not getattr(survivor, field) and getattr(loser, field):
            setattr(survivor, field, getattr(loser, field))
    if survivor.annual_revenue is None and loser.annual_revenue is not None:
        survivor.annual_revenue = loser.annual_revenue
        survivor.revenue_currency = loser.revenue_currency
    survivor.tags = list(dict.fromkeys([*(survivor.tags or []), *(loser.tags or [])]))
    crm_ids = dict(loser.crm_ids or {})
    for key, value in (survivor.crm_ids or {}).items():
        if key in crm_ids and crm_ids[key] != value:
            # Both records are known to that CRM: keep the loser's id as an alias.
            crm_ids[f"{key}:merged:{loser.pk}"] = crm_ids[key]
        crm_ids[key] = value
    survivor.crm_ids = crm_ids
    for score in ("fit_score", "intent_score", "engagement_score"):
        setattr(survivor, score, max(getattr(survivor, score), getattr(loser, score)))


def merge(candidate: DuplicateCandidate, user, survivor_id: int) -> Account:
    """Keep ``survivor_id`` (one of the pair), fold the other account into it, delete the
    other; contacts, consents, family links, tags and CRM ids are kept. All or nothing."""
    access_candidate(user, candidate)
    if survivor_id not in (candidate.account_a_id, candidate.account_b_id):
        raise ValidationError({"survivor": _("Choose one of the two accounts to keep.")})
    loser_id = (
        candidate.account_b_id if survivor_id == candidate.account_a_id else candidate.account_a_id
    )
    try:
        with transaction.atomic():
            locked = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
            if not locked.is_open:
                raise ValidationError(_("This candidate was already decided."))
            # Lock both accounts in a fixed order so two merges cannot deadlock.
            accounts = {
                a.pk: a
                for a in Account.objects.select_for_update()
                .filter(pk__in=sorted([survivor_id, loser_id]))
                .order_by("pk")
            }
            survivor, loser = accounts[survivor_id], accounts[loser_id]
            before = {"survivor": summarise(survivor), "merged": summarise(loser)}
            moves = _merge_contacts(survivor, loser)
            moves |= _merge_links(survivor, loser)
            # What came over from the other unit's account (events, hand-offs,
            # opportunities ...) now belongs to the survivor's unit, like the account.
            moves["owners_changed"] = ownership.move_followers(
                Account, survivor.pk, survivor.owner_unit_id
            )
            _merge_fields(survivor, loser)
            survivor.save()
            # Other open candidates of the merged-away account are re-detected against
            # the survivor on the next run.
            DuplicateCandidate.objects.filter(
                Q(account_a_id=loser_id) | Q(account_b_id=loser_id), status="open"
            ).exclude(pk=candidate.pk).delete()
            locked.status = DuplicateCandidate.Status.MERGED
            locked.survivor = survivor
            locked.resolved_by = user
            locked.resolved_at = timezone.now()
            locked.summary = before
            locked.save()
            from governance import audit

            audit.record(
                "account.merged",
                actor=user,
                unit=locked.owner_unit_id,
                target=survivor,
                before=before,
                after={"survivor": summarise(survivor), **moves},
                note=_("%(loser)s merged into %(survivor)s")
                % {"loser": loser.name, "survivor": survivor.name},
            )
            loser.delete()
    except IntegrityError as exc:
        raise ValidationError(
            _("These accounts cannot be merged automatically: %(reason)s") % {"reason": exc}
        ) from None
    candidate.refresh_from_db()
    return survivor


def dismiss(candidate: DuplicateCandidate, user, note: str = "") -> DuplicateCandidate:
    """Not the same company: the pair stays dismissed through later detection runs."""
    access_candidate(user, candidate)
    with transaction.atomic():
        updated = DuplicateCandidate.objects.filter(pk=candidate.pk, status="open").update(
            status=DuplicateCandidate.Status.DISMISSED,
            resolved_by=user,
            resolved_at=timezone.now(),
        )
        if not updated:
            raise ValidationError(_("This candidate was already decided."))
        from governance import audit

        audit.record(
            "duplicate.dismissed",
            actor=user,
            unit=candidate.owner_unit_id,
            target=candidate,
            note=note,
        )
    candidate.refresh_from_db()
    return candidate
