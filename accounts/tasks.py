"""Accounts tasks: thin wrappers around the services; they take ids and run on commit."""

from __future__ import annotations

from celery import shared_task

# --- De-duplication and family conflicts ---------------------------------------------


@shared_task(name="accounts.tasks.detect_duplicates_and_conflicts", ignore_result=True)
def detect_duplicates_and_conflicts(organization_id: int) -> dict[str, int]:
    """One organisation's duplicate candidates, targeting conflicts and plan owners.
    Idempotent: known pairs are kept as they are (a dismissed pair stays dismissed)."""
    from accounts import dedup, families

    return {
        "duplicates": dedup.detect_duplicates(organization_id),
        "conflicts": families.detect_conflicts(organization_id),
        "plans_moved": families.sync_plan_owners(organization_id),
    }
