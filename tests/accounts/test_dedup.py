"""De-duplication: detection across units (never across organisations), the review queue
at the lowest common ancestor, merge (contacts, consents, links, audit) and dismiss."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import dedup
from accounts.models import Account, Consent, Contact, DuplicateCandidate
from accounts.models.families import AccountPlan
from governance.models import AuditEntry


def account(unit, name: str, domain: str = "", country: str = "", **fields) -> Account:
    return Account.objects.create(
        owner_unit=unit, name=name, domain=domain, country=country, **fields
    )


def pair(a: Account, b: Account) -> DuplicateCandidate:
    low, high = sorted([a.pk, b.pk])
    return DuplicateCandidate.objects.get(account_a_id=low, account_b_id=high)


@pytest.fixture
def acme(tenants):
    return tenants.unit("fr").organization_id


def test_it_scores_equal_domains_and_similar_names_in_one_country():
    a = dedup.Row(1, 10, "northwind traders", "northwind.com", "FR")
    b = dedup.Row(2, 11, "northwind trader", "northwind.com", "FR")
    c = dedup.Row(3, 11, "northwind traders", "", "FR")
    d = dedup.Row(4, 11, "northwind traders", "", "DE")
    e = dedup.Row(5, 11, "southwind tools", "", "FR")
    found = dedup.candidate_pairs([a, b, c, d, e])
    assert set(found) == {(1, 2), (1, 3), (2, 3)}
    assert "domain" in found[(1, 2)].reasons and "country" in found[(1, 2)].reasons
    assert found[(1, 3)].reasons == ("name", "country")
    assert found[(1, 2)].score > found[(2, 3)].score


def test_it_never_pairs_a_parent_with_its_subsidiary():
    parent = dedup.Row(1, 10, "contoso", "contoso.com", "FR")
    child = dedup.Row(2, 11, "contoso", "contoso.com", "FR", parent_id=1)
    assert dedup.candidate_pairs([parent, child]) == {}


def test_it_does_not_compare_everything_with_everything():
    rows = [dedup.Row(i, 1, f"firm {i:05d} alpha", "", "FR") for i in range(2000)]
    compared = sum(1 for block in dedup._blocks(rows) for _ in dedup._pairs_in(block))
    assert compared < 2000 * (dedup.WINDOW + 1) * 2


def test_it_finds_planted_duplicates_across_units_at_their_common_ancestor(tenants, acme):
    fr, de, us = tenants.unit("fr"), tenants.unit("de"), tenants.unit("us")
    a = account(fr, "Fabrikam SAS", "fabrikam.com", "FR")
    b = account(de, "Fabrikam", "https://www.fabrikam.com", "FR")
    c = account(us, "Fabrikam Inc.", "fabrikam.com", "FR")
    d = account(fr, "Fabrikam", "", "FR")
    globex_fr = tenants.unit("fr", org="globex")
    account(globex_fr, "Fabrikam SAS", "fabrikam.com", "FR")

    assert dedup.detect_duplicates(acme) == 6
    assert pair(a, b).owner_unit == tenants.unit("emea")
    assert pair(a, c).owner_unit == tenants.unit("global")
    assert pair(a, d).owner_unit == fr
    # Never across organisations.
    assert DuplicateCandidate.objects.filter(owner_unit__organization__slug="globex").count() == 0
    assert DuplicateCandidate.objects.count() == 6


def test_detection_is_idempotent_and_dismissed_pairs_stay_dismissed(tenants, acme):
    a = account(tenants.unit("fr"), "Tailspin Toys", "tailspin.com", "FR")
    b = account(tenants.unit("de"), "Tailspin Toys GmbH", "tailspin.com", "FR")
    assert dedup.detect_duplicates(acme) == 1
    dedup.dismiss(pair(a, b), tenants.user("emea-manager"))
    assert dedup.detect_duplicates(acme) == 0
    assert pair(a, b).status == "dismissed"


def test_the_candidate_is_visible_at_the_common_unit_and_not_to_either_sibling(tenants, acme):
    a = account(tenants.unit("fr"), "Litware", "litware.com", "FR")
    b = account(tenants.unit("de"), "Litware", "litware.com", "FR")
    dedup.detect_duplicates(acme)
    candidate = pair(a, b)
    visible = DuplicateCandidate.objects.restrict
    assert visible(tenants.user("emea-viewer"), "view").filter(pk=candidate.pk).exists()
    assert visible(tenants.user("global-viewer"), "view").filter(pk=candidate.pk).exists()
    for outsider in ("fr-admin", "de-admin", "uk-admin", "globex-fr-admin"):
        assert not visible(tenants.user(outsider), "view").filter(pk=candidate.pk).exists()
    with pytest.raises(PermissionDenied):
        dedup.dismiss(candidate, tenants.user("emea-marketer"))
    with pytest.raises(PermissionDenied):
        dedup.merge(candidate, tenants.user("fr-admin"), a.pk)


def test_merge_keeps_contacts_consents_links_tags_and_crm_ids(tenants, acme):
    fr, de = tenants.unit("fr"), tenants.unit("de")
    keep = account(fr, "Adatum", "adatum.com", "FR", tags=["vip"], crm_ids={"sf": "001A"})
    gone = account(
        de, "Adatum GmbH", "adatum.com", "", industry="Energy", tags=["energy", "vip"],
        crm_ids={"sf": "001B", "hubspot": "77"},
    )  # fmt: skip
    subsidiary = account(de, "Adatum Polska", "adatum.pl", "PL", parent=gone)
    plan = AccountPlan.objects.create(account=gone, owner_unit=tenants.unit("emea"), strategy="S")
    now = timezone.now()
    shared_keep = Contact.objects.create(account=keep, email="eva@adatum.com", first_name="Eva")
    shared_gone = Contact.objects.create(
        account=gone, email="eva@adatum.com", job_title="CTO", phone="+33123456789"
    )
    only_gone = Contact.objects.create(account=gone, email="max@adatum.com", last_name="Max")
    Consent.objects.create(
        contact=shared_keep, channel="email", status="granted", lawful_basis="consent",
        recorded_at=now - timedelta(days=30),
    )  # fmt: skip
    Consent.objects.create(
        contact=shared_gone, channel="email", status="withdrawn", lawful_basis="consent",
        recorded_at=now - timedelta(days=1),
    )  # fmt: skip
    Consent.objects.create(
        contact=shared_gone, channel="phone", status="granted", lawful_basis="consent",
        recorded_at=now,
    )  # fmt: skip
    Consent.objects.create(
        contact=only_gone, channel="email", status="granted", lawful_basis="consent",
        recorded_at=now,
    )  # fmt: skip
    dedup.detect_duplicates(acme)
    candidate = pair(keep, gone)

    survivor = dedup.merge(candidate, tenants.user("emea-manager"), keep.pk)

    assert not Account.objects.filter(pk=gone.pk).exists()
    survivor.refresh_from_db()
    assert survivor.industry == "Energy"
    assert survivor.tags == ["vip", "energy"]
    assert survivor.crm_ids["sf"] == "001A" and survivor.crm_ids["hubspot"] == "77"
    assert survivor.crm_ids[f"sf:merged:{gone.pk}"] == "001B"
    contacts = {c.email: c for c in survivor.contacts.all()}
    assert set(contacts) == {"eva@adatum.com", "max@adatum.com"}
    eva = contacts["eva@adatum.com"]
    assert (eva.first_name, eva.job_title, eva.phone) == ("Eva", "CTO", "+33123456789")
    assert {c.owner_unit_id for c in survivor.contacts.all()} == {fr.pk}
    consents = {c.channel: c for c in eva.consents.all()}
    assert consents["email"].status == "withdrawn"  # the most recent one wins
    assert consents["phone"].status == "granted"
    assert contacts["max@adatum.com"].consents.get().owner_unit_id == fr.pk
    assert Consent.objects.filter(owner_unit=de).count() == 0
    subsidiary.refresh_from_db()
    assert subsidiary.parent_id == survivor.pk
    plan.refresh_from_db()
    assert plan.account_id == survivor.pk
    candidate.refresh_from_db()
    assert (candidate.status, candidate.survivor_id) == ("merged", survivor.pk)
    assert candidate.summary["merged"]["name"] == "Adatum GmbH"
    entry = AuditEntry.objects.get(action="account.merged")
    assert entry.owner_unit == tenants.unit("emea")
    assert entry.before["merged"]["id"] == gone.pk
    assert entry.after["contacts_merged"] == 1 and entry.after["contacts_moved"] == 1


def test_merge_refuses_a_survivor_outside_the_pair_and_a_decided_candidate(tenants, acme):
    a = account(tenants.unit("fr"), "Proseware", "proseware.com", "FR")
    b = account(tenants.unit("fr"), "Proseware SA", "proseware.com", "FR")
    other = account(tenants.unit("fr"), "Other", "other.com", "FR")
    dedup.detect_duplicates(acme)
    candidate = pair(a, b)
    manager = tenants.user("fr-manager")
    with pytest.raises(ValidationError):
        dedup.merge(candidate, manager, other.pk)
    dedup.dismiss(candidate, manager)
    with pytest.raises(ValidationError):
        dedup.merge(candidate, manager, a.pk)
    assert Account.objects.filter(pk__in=[a.pk, b.pk]).count() == 2


def test_dismiss_records_the_decision(tenants, acme):
    a = account(tenants.unit("fr"), "Wingtip", "wingtip.com", "FR")
    b = account(tenants.unit("fr"), "Wingtip Toys", "wingtip.com", "FR")
    dedup.detect_duplicates(acme)
    candidate = dedup.dismiss(pair(a, b), tenants.user("fr-manager"), note="two companies")
    assert candidate.status == "dismissed" and candidate.resolved_by.username == "fr-manager"
    assert AuditEntry.objects.filter(action="duplicate.dismissed", note="two companies").exists()


# --- API ----------------------------------------------------------------------------------


def test_api_lists_merges_and_dismisses(tenants, acme, api):
    a = account(tenants.unit("fr"), "Coho Winery", "coho.com", "FR")
    b = account(tenants.unit("de"), "Coho Winery", "coho.com", "FR")
    c = account(tenants.unit("fr"), "Blue Yonder", "blueyonder.com", "FR")
    d = account(tenants.unit("uk"), "Blue Yonder", "blueyonder.com", "FR")
    Contact.objects.create(account=b, email="x@coho.com")
    dedup.detect_duplicates(acme)
    ab, cd = pair(a, b).pk, pair(c, d).pk
    client = api("emea-manager")
    listed = client.get("/api/v1/duplicates/").json()
    assert {row["id"] for row in listed["results"]} == {ab, cd}
    row = client.get(f"/api/v1/duplicates/{ab}/").json()
    assert {row["account_a"]["name"], row["account_b"]["name"]} == {"Coho Winery"}
    assert api("fr-admin").get(f"/api/v1/duplicates/{ab}/").status_code == 404
    assert (
        api("emea-viewer")
        .post(f"/api/v1/duplicates/{ab}/merge/", {"survivor": a.pk}, format="json")
        .status_code
        == 403
    )
    bad = client.post(f"/api/v1/duplicates/{ab}/merge/", {"survivor": c.pk}, format="json")
    assert bad.status_code == 400, bad.content
    merged = client.post(f"/api/v1/duplicates/{ab}/merge/", {"survivor": a.pk}, format="json")
    assert merged.status_code == 200, merged.content
    assert merged.json()["status"] == "merged"
    assert Contact.objects.get(email="x@coho.com").account_id == a.pk
    again = client.post(f"/api/v1/duplicates/{ab}/merge/", {"survivor": a.pk}, format="json")
    assert again.status_code == 400
    dismissed = client.post(f"/api/v1/duplicates/{cd}/dismiss/", {}, format="json")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"


def test_the_detection_task_runs_for_one_organisation(tenants, acme):
    from accounts import tasks

    account(tenants.unit("fr"), "Humongous", "humongous.com", "FR", lifecycle="selected")
    account(tenants.unit("de"), "Humongous", "humongous.com", "DE", lifecycle="selected")
    result = tasks.detect_duplicates_and_conflicts.apply(args=[acme]).get()
    assert result == {"duplicates": 1, "conflicts": 1, "plans_moved": 0}
    assert tasks.detect_duplicates_and_conflicts.apply(args=[acme]).get()["duplicates"] == 0


# --- dashboard ----------------------------------------------------------------------------


def test_review_page_compares_side_by_side_and_merges(tenants, acme, client):
    a = account(tenants.unit("fr"), "Fourth Coffee", "fourthcoffee.com", "FR", industry="Food")
    b = account(tenants.unit("de"), "Fourth Coffee", "fourthcoffee.com", "FR")
    dedup.detect_duplicates(acme)
    candidate = pair(a, b)
    client.force_login(tenants.user("emea-manager"))
    page = client.get("/accounts/duplicates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="duplicate-{candidate.pk}"' in html and "Food" in html and "Merge, keep A" in html
    client.force_login(tenants.user("emea-viewer"))
    assert "Merge, keep A" not in client.get("/accounts/duplicates/").content.decode()
    refused = client.post(f"/accounts/duplicates/{candidate.pk}/merge/", {"survivor": a.pk})
    assert refused.status_code == 303 and Account.objects.filter(pk=b.pk).exists()
    client.force_login(tenants.user("emea-manager"))
    done = client.post(f"/accounts/duplicates/{candidate.pk}/merge/", {"survivor": "x"})
    assert done.status_code == 303 and Account.objects.filter(pk=b.pk).exists()
    done = client.post(f"/accounts/duplicates/{candidate.pk}/merge/", {"survivor": a.pk})
    assert done.status_code == 303 and not Account.objects.filter(pk=b.pk).exists()
    client.force_login(tenants.user("fr-admin"))
    hidden = client.post(f"/accounts/duplicates/{candidate.pk}/dismiss/")
    assert hidden.status_code == 404


# --- seed ---------------------------------------------------------------------------------


def test_the_seed_plants_families_and_duplicates_and_runs_once(tenants):
    from random import Random

    from accounts.seed import seed_accounts
    from glocal.seeding import SeedContext

    seed_accounts(SeedContext(rng=Random(7), password="x", log=lambda _m: None))
    first = (Account.objects.count(), Contact.objects.count(), Consent.objects.count())
    assert first[0] >= 300 and first[1] >= first[0]
    assert Account.objects.filter(parent__isnull=False).values("owner_unit").distinct().count() > 1
    assert DuplicateCandidate.objects.exclude(owner_unit__tier="LOCAL").exists()
    seed_accounts(SeedContext(rng=Random(7), password="x", log=lambda _m: None))
    assert (Account.objects.count(), Contact.objects.count(), Consent.objects.count()) == first


def test_the_nightly_task_queues_one_detection_per_organisation(db, monkeypatch):
    from accounts import tasks
    from glocal.celery import app
    from glocal.models import Organization

    queued = []
    monkeypatch.setattr(tasks.detect_duplicates_and_conflicts, "delay", queued.append)
    assert tasks.detect_duplicates_everywhere() == Organization.objects.count()
    assert sorted(queued) == sorted(Organization.objects.values_list("pk", flat=True))
    assert "accounts-duplicates-nightly" in app.conf.beat_schedule
