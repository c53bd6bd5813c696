"""Selection: lifecycle moves with who/when, RACI, approvals, ICP and per-tier caps."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import icp, selection
from accounts.models import Account, Lifecycle, Tier
from governance import approvals
from governance.models import ApprovalRequest
from tests.accounts.test_icp import set_bound


@pytest.fixture
def fr(tenants):
    return tenants.unit("fr")


def proposed(unit, name="Acme SAS", **fields) -> Account:
    fields.setdefault("tier", Tier.STRATEGIC)
    return Account.objects.create(
        owner_unit=unit, name=name, lifecycle=Lifecycle.PROPOSED, **fields
    )


def test_it_proposes_and_selects_recording_who_and_when(tenants, fr):
    manager = tenants.user("fr-manager")
    account = Account.objects.create(owner_unit=fr, name="Acme SAS")
    selection.propose(account, manager)
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.PROPOSED
    assert account.lifecycle_changed_by == manager and account.lifecycle_changed_at
    result = selection.select(account, manager)
    assert isinstance(result, Account) and result.lifecycle == Lifecycle.SELECTED


def test_moves_outside_the_lifecycle_are_refused(tenants, fr):
    account = Account.objects.create(owner_unit=fr, name="Acme SAS")
    with pytest.raises(ValidationError) as exc:
        selection.select(account, tenants.user("fr-manager"))
    assert "lifecycle" in exc.value.message_dict


def test_deselect_needs_a_reason_and_records_it(tenants, fr):
    from governance.models import AuditEntry

    manager = tenants.user("fr-manager")
    account = proposed(fr)
    with pytest.raises(ValidationError) as exc:
        selection.deselect(account, manager, "  ")
    assert "reason" in exc.value.message_dict
    selection.deselect(account, manager, "Acquired by a competitor")
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.DESELECTED
    assert AuditEntry.objects.filter(
        target_id=str(account.pk), note="Acquired by a competitor"
    ).exists()


def test_a_marketer_asks_and_the_accountable_manager_approves(tenants, fr):
    account = proposed(fr)
    request = selection.select(account, tenants.user("fr-marketer"), comment="Key target")
    assert isinstance(request, ApprovalRequest) and request.is_pending
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.PROPOSED
    approvals.decide(request, tenants.user("fr-manager"), approve=True)
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.SELECTED
    assert account.lifecycle_changed_by == tenants.user("fr-marketer")
    approvals.withdraw(request, tenants.user("fr-manager"), comment="Changed our mind")
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.PROPOSED


@pytest.mark.parametrize("username", ["fr-viewer", "emea-manager", "global-manager"])
def test_viewers_consulted_and_informed_units_may_not_select(tenants, fr, username):
    with pytest.raises(PermissionDenied):
        selection.select(proposed(fr), tenants.user(username))


def test_a_selection_beyond_the_cap_is_refused_naming_the_rule(tenants, fr):
    manager = tenants.user("fr-manager")
    set_bound(tenants.unit("global"), selection.CAPS[Tier.STRATEGIC].key, 5)
    set_bound(tenants.unit("emea"), selection.CAPS[Tier.STRATEGIC].key, 1)
    selection.select(proposed(fr, "First"), manager)
    proposed(fr, "Few", tier=Tier.FEW)  # other tiers do not count
    second = proposed(fr, "Second")
    with pytest.raises(ValidationError) as exc:
        selection.select(second, manager)
    message = exc.value.message_dict["tier"][0]
    assert "EMEA" in message and "at most 1" in message
    second.refresh_from_db()
    assert second.lifecycle == Lifecycle.PROPOSED


def test_caps_only_tighten_down_the_tree(tenants):
    set_bound(tenants.unit("emea"), selection.CAPS[Tier.STRATEGIC].key, 3)
    with pytest.raises(ValidationError):
        set_bound(tenants.unit("fr"), selection.CAPS[Tier.STRATEGIC].key, 10)


def test_an_approval_rechecks_the_cap(tenants, fr):
    set_bound(tenants.unit("emea"), selection.CAPS[Tier.STRATEGIC].key, 1)
    request = selection.select(proposed(fr, "Asked"), tenants.user("fr-marketer"))
    selection.select(proposed(fr, "Direct"), tenants.user("fr-manager"))
    with pytest.raises(ValidationError):
        approvals.decide(request, tenants.user("fr-manager"), approve=True)
    request.refresh_from_db()
    assert request.is_pending  # the decision was rolled back


def test_a_selection_outside_the_icp_is_refused(tenants, fr):
    set_bound(tenants.unit("global"), icp.INDUSTRIES.key, ["energy"])
    account = proposed(fr, industry="retail")
    with pytest.raises(ValidationError) as exc:
        selection.select(account, tenants.user("fr-manager"))
    assert "ICP industries" in exc.value.message_dict["industry"][0]
    with pytest.raises(ValidationError):
        selection.propose(
            Account.objects.create(owner_unit=fr, name="B", industry="retail"),
            tenants.user("fr-manager"),
        )


# --- concurrency (PostgreSQL) ------------------------------------------------------


@pytest.mark.services
def test_simultaneous_selections_never_exceed_the_cap(transactional_db, tenants):
    """Six managers' sessions select six accounts at once against a cap of two."""
    import threading

    from django.contrib.auth import get_user_model
    from django.db import connection, connections

    from tests.services import require_postgres

    require_postgres()
    fr = tenants.unit("fr")
    set_bound(tenants.unit("emea"), selection.CAPS[Tier.STRATEGIC].key, 2)
    accounts = [proposed(fr, f"Race {i}") for i in range(6)]
    barrier = threading.Barrier(len(accounts))
    outcomes: dict[int, str] = {}

    def select(account: Account) -> None:
        try:
            manager = get_user_model().objects.get(username="fr-manager")
            barrier.wait(timeout=10)
            selection.select(account, manager)
            outcomes[account.pk] = "selected"
        except ValidationError as exc:
            outcomes[account.pk] = "; ".join(exc.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=select, args=(account,)) for account in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert connection.vendor == "postgresql"
    assert len(outcomes) == len(accounts), outcomes
    selected = [pk for pk, outcome in outcomes.items() if outcome == "selected"]
    assert len(selected) == 2, outcomes
    refused = [outcome for outcome in outcomes.values() if outcome != "selected"]
    assert all("at most 2" in outcome for outcome in refused), refused
    stored = Account.objects.filter(owner_unit=fr, lifecycle=Lifecycle.SELECTED)
    assert sorted(stored.values_list("pk", flat=True)) == sorted(selected)
