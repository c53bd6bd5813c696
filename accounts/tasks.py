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


# --- Engagement scores and hand-offs ---------------------------------------------------


@shared_task(name="accounts.tasks.recompute_engagement_scores", ignore_result=True)
def recompute_engagement_scores(
    unit_ids: list[int] | None = None, at: str | None = None, after_pk: int = 0
) -> None:
    """Rescore engagement below ``unit_ids`` (every organisation when None) in batches.

    The scoring instant is fixed by the first run and handed to the re-queued batches, so
    one recomputation scores every account as of the same moment (and reruns agree).
    """
    import datetime

    from django.utils import timezone

    from accounts import engagement
    from glocal.models import OrgUnit

    if unit_ids is None:
        unit_ids = list(OrgUnit.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    when = datetime.datetime.fromisoformat(at) if at else timezone.now()
    last = engagement.recompute(unit_ids, at=when, after_pk=after_pk)
    if last is not None:
        recompute_engagement_scores.delay(unit_ids, at=when.isoformat(), after_pk=last)


@shared_task(name="accounts.tasks.flag_overdue_handoffs", ignore_result=True)
def flag_overdue_handoffs() -> int:
    """Flag hand-offs past their SLA; each is flagged (and its owner notified) once."""
    from accounts import handoffs

    return handoffs.flag_overdue()


# --- Imports -------------------------------------------------------------------------


@shared_task(name="accounts.tasks.run_import", ignore_result=True, acks_late=True)
def run_import(job_id: int) -> None:
    """Run one queued import job; a second delivery finds it claimed and does nothing."""
    from accounts import imports

    imports.run_job(job_id)


# --- Fit scores (ICP) ----------------------------------------------------------------


@shared_task(name="accounts.tasks.recompute_fit_scores", ignore_result=True)
def recompute_fit_scores(unit_ids: list[int], after_pk: int = 0) -> None:
    """Rescore the accounts below ``unit_ids`` in bounded batches, re-queueing itself."""
    from accounts import scoring

    last = scoring.recompute(unit_ids, after_pk=after_pk)
    if last is not None:
        recompute_fit_scores.delay(unit_ids, after_pk=last)


# --- Privacy ----------------------------------------------------------------------------


@shared_task(name="accounts.tasks.purge_expired_contacts", ignore_result=True)
def purge_expired_contacts() -> int:
    """Erase contacts past the retention period; bounded batches, re-queued while busy."""
    from accounts import privacy

    erased = privacy.purge_expired()
    if erased >= privacy.PURGE_BATCH:
        purge_expired_contacts.delay()
    return erased


@shared_task(name="accounts.tasks.detect_duplicates_everywhere", ignore_result=True)
def detect_duplicates_everywhere() -> int:
    """Nightly: queue one detection per organisation (each run is idempotent)."""
    from glocal.models import Organization

    ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in ids:
        detect_duplicates_and_conflicts.delay(organization_id)
    return len(ids)
