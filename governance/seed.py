"""Demo directives: published ones flow down, drafts stay with their author unit."""

from __future__ import annotations

from glocal.models import OrgUnit
from glocal.seeding import SeedContext
from governance.models import Directive

DEMO_DIRECTIVES = [
    ("acme-industrial", "global", "Brand voice for all ABM programmes", "published"),
    ("acme-industrial", "global", "FY plan (draft, not for regions yet)", "draft"),
    ("acme-industrial", "emea", "EMEA: GDPR double opt-in for all email", "published"),
    ("acme-industrial", "emea", "EMEA event calendar (draft)", "draft"),
    ("acme-industrial", "fr", "France: account shortlist for Q1", "draft"),
    ("acme-industrial", "de", "Germany: Hannover Messe follow-up", "draft"),
    ("globex", "global", "Globex brand book", "published"),
]


def seed_directives(ctx: SeedContext) -> None:
    for org_slug, unit_code, title, status in DEMO_DIRECTIVES:
        unit = OrgUnit.objects.get(organization__slug=org_slug, code=unit_code)
        Directive.objects.update_or_create(
            owner_unit=unit, title=title, defaults={"status": status, "body": title}
        )
    ctx.log(f"directives: {len(DEMO_DIRECTIVES)}")


# --- coordination rituals -----------------------------------------------------------------

DEMO_RITUALS = [
    # organisation, organiser, name, kind, rule, local time, minutes, participants
    (
        "acme-industrial",
        "global",
        "Monthly global ↔ regional ABM review",
        "review",
        "FREQ=MONTHLY;BYDAY=+1TU",
        (15, 0),
        90,
        "children",
    ),
    (
        "acme-industrial",
        "emea",
        "Weekly EMEA regional ↔ local sync",
        "sync",
        "FREQ=WEEKLY;BYDAY=MO",
        (10, 0),
        45,
        "children",
    ),
    (
        "acme-industrial",
        "global",
        "Quarterly all-tier ABM workshop",
        "workshop",
        "FREQ=MONTHLY;INTERVAL=3",
        (14, 0),
        180,
        "subtree",
    ),
    (
        "globex",
        "emea",
        "Weekly Globex EMEA sync",
        "sync",
        "FREQ=WEEKLY;BYDAY=TH",
        (9, 30),
        30,
        "children",
    ),
]


def seed_rituals(ctx: SeedContext) -> None:
    """The three Acme rituals (and one for Globex), scheduled ahead; last week's EMEA sync
    already has minutes and action items, one of them overdue."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from governance import rituals
    from governance.models import ActionItem, Ritual, RitualOccurrence

    today = timezone.localdate()
    upcoming = 0
    for org_slug, unit_code, name, kind, rule, at, minutes, mode in DEMO_RITUALS:
        unit = OrgUnit.objects.get(organization__slug=org_slug, code=unit_code)
        # Quarterly: first meeting in three weeks, so the demo shows one within the horizon.
        first = today.replace(day=min(today.day, 28)) + dt.timedelta(days=21)
        starts_on = first if kind == "workshop" else today - dt.timedelta(days=35)
        ritual, _ = Ritual.objects.update_or_create(
            owner_unit=unit,
            name=name,
            defaults={
                "kind": kind,
                "recurrence": rule,
                "starts_on": starts_on.replace(day=min(starts_on.day, 28)),
                "time_of_day": dt.time(*at),
                "duration_minutes": minutes,
                "participant_mode": mode,
                "is_active": True,
            },
        )
        ritual.full_clean()
        rituals.schedule(ritual)
        upcoming += ritual.occurrences.upcoming().count()
    sync = Ritual.objects.get(owner_unit__organization__slug="acme-industrial", kind="sync")
    now = timezone.now()
    last = sync.starts_between(now - dt.timedelta(days=8), now)
    if last:
        duration = dt.timedelta(minutes=sync.duration_minutes)
        meeting, _ = RitualOccurrence.objects.get_or_create(
            ritual=sync, starts_at=last[-1], defaults={"ends_at": last[-1] + duration}
        )
        if not meeting.minutes:
            rituals.record_minutes(
                meeting,
                "France and Germany shared their Q1 shortlists; Hannover Messe leads are "
                "still waiting for sales follow-up.",
                None,
            )
        users = get_user_model().objects.in_bulk(
            ["fr-marketer", "de-marketer"], field_name="username"
        )
        for code, username, title, days in (
            ("fr", "fr-marketer", "Share the Q1 account shortlist with EMEA", 5),
            ("de", "de-marketer", "Send Hannover Messe leads to sales", -2),
        ):
            if not ActionItem.objects.filter(occurrence=meeting, title=title).exists():
                rituals.add_action_item(
                    meeting,
                    None,
                    title=title,
                    owner_unit=OrgUnit.objects.get(organization__slug="acme-industrial", code=code),
                    assignee=users[username],
                    due_on=today + dt.timedelta(days=days),
                )
    ctx.log(f"rituals: {len(DEMO_RITUALS)} with {upcoming} upcoming occurrences")


# --- RACI and approvals ---------------------------------------------------------------

DEMO_PUBLICATIONS = [
    # organisation, unit, requester, directive title (a draft the requester asks to publish)
    ("acme-industrial", "fr", "fr-marketer", "France: account shortlist for Q1"),
    ("acme-industrial", "de", "de-marketer", "Germany: Hannover Messe follow-up"),
    ("globex", "fr", "globex-fr-marketer", "Globex France: launch plan"),
]


def seed_raci(ctx: SeedContext) -> None:
    """Default matrix for every organisation, one EMEA tailoring, pending publications."""
    from django.contrib.auth import get_user_model

    from glocal.changes import acting_as
    from governance import approvals, raci
    from governance.models import Activity, ApprovalRequest, Consultation, RaciRule
    from governance.publishing import PUBLISH_DIRECTIVE, publish_directive

    rows = 0
    for root in OrgUnit.objects.filter(parent__isnull=True, is_active=True):
        rows += raci.install_default_matrix(root)
    emea = OrgUnit.objects.get(organization__slug="acme-industrial", code="emea")
    selection = Activity.TARGET_ACCOUNT_SELECTION
    if not RaciRule.objects.filter(owner_unit=emea, activity=selection).exists():
        # EMEA signs off its local teams' shortlists (the default lets locals decide).
        raci.save_matrix(
            emea, {selection: {"global_letters": "I", "region_letters": "A", "local_letters": "R"}}
        )
    users = get_user_model().objects.in_bulk(
        [*(p[2] for p in DEMO_PUBLICATIONS), "global-manager"], field_name="username"
    )
    pending = 0
    for org_slug, unit_code, username, title in DEMO_PUBLICATIONS:
        unit = OrgUnit.objects.get(organization__slug=org_slug, code=unit_code)
        directive, _ = Directive.objects.get_or_create(
            owner_unit=unit, title=title, defaults={"body": title}
        )
        waiting = ApprovalRequest.objects.pending().filter(
            action_type=PUBLISH_DIRECTIVE, target_id=str(directive.pk)
        )
        if directive.status == Directive.Status.DRAFT and not waiting.exists():
            with acting_as(users[username]):
                publish_directive(
                    users[username], directive, comment="Ready for the regional sign-off."
                )
        pending += 1
    # Global gives its opinion on France's publication; Germany's is still open.
    global_manager = users["global-manager"]
    for consultation in Consultation.objects.filter(
        request__status=ApprovalRequest.Status.PENDING,
        request__requesting_unit__code="fr",
        request__owner_unit__organization__slug="acme-industrial",
        owner_unit__code="global",
        answered_at__isnull=True,
    ):
        with acting_as(global_manager):
            approvals.answer_consultation(
                consultation,
                global_manager,
                opinion=Consultation.Opinion.RESERVATIONS,
                answer="Fine for us; keep the brand tagline in the intro.",
            )
    ctx.log(f"RACI: {rows} default rules; {pending} pending approvals")
