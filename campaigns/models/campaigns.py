"""Local campaigns: a playbook run on a unit's selected accounts within a time window."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Lifecycle
from campaigns.models.budgets import campaign_budget_errors
from campaigns.models.playbooks import PlaybookStatus
from glocal.tenancy import TenantOwnedModel

#: Only accounts a team has chosen to pursue (and not yet won or dropped) are targeted.
TARGETABLE = (Lifecycle.SELECTED, Lifecycle.ENGAGED, Lifecycle.OPPORTUNITY)
OVERRIDE_KEYS = {"skip_steps", "delay_days"}


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    #: approved but not handed to the planner (reserved for scheduled launches)
    APPROVED = "approved", _("Approved")
    PLANNING = "planning", _("Planning")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


#: States in which planned touches may go out (the dispatcher serves only these).
LIVE = (CampaignStatus.PLANNING, CampaignStatus.RUNNING)
FINISHED = (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED)


class Campaign(TenantOwnedModel):
    """One local team's run of a playbook.

    ``overrides`` holds the local tailoring, kept apart from the playbook so the playbook
    can evolve: ``{"skip_steps": [2], "delay_days": {"1": 5}}`` (0-based step indexes).
    The resulting mix must stay inside the unit's channel-mix bounds (``campaigns.mix``).
    """

    playbook = models.ForeignKey(
        "campaigns.Playbook",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("playbook"),
    )
    name = models.CharField(_("name"), max_length=200)
    accounts = models.ManyToManyField(
        "accounts.Account", related_name="campaigns", blank=True, verbose_name=_("accounts")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    overrides = models.JSONField(_("local overrides"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CampaignStatus.choices,
        default=CampaignStatus.DRAFT,
        db_index=True,
    )
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("launched by"),
    )
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    # Planning progress (a job row: the dashboard shows planned / total).
    accounts_total = models.PositiveIntegerField(_("accounts to plan"), default=0)
    accounts_planned = models.PositiveIntegerField(_("accounts planned"), default=0)
    planning_cursor = models.PositiveBigIntegerField(default=0, editable=False)
    planned_at = models.DateTimeField(_("planning finished at"), null=True, blank=True)
    # Budget (``campaigns.budgets.charge_touch``): what each touch costs, and who pays.
    budget = models.ForeignKey(
        "campaigns.Budget",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("budget"),
    )
    #: channel → price per touch in the campaign unit's currency, e.g. {"ads": 0.8}
    touch_costs = models.JSONField(_("cost per touch"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["owner_unit", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    def effective_steps(self) -> list[dict[str, Any]]:
        """The playbook's effective steps after local overrides, each with its index.

        Skipped steps are left out; an overridden delay replaces the playbook's.
        """
        skip = set(self.overrides.get("skip_steps", []))
        delays = {int(k): v for k, v in self.overrides.get("delay_days", {}).items()}
        return [
            {**step, "index": index, "delay_days": delays.get(index, step["delay_days"])}
            for index, step in enumerate(self.playbook.steps)
            if index not in skip
        ]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        unit = self.owner_unit if self.owner_unit_id else None
        if unit is not None and unit.tier != "LOCAL":
            errors["owner_unit"] = gettext("Campaigns are run by a local team.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = gettext("The last day comes before the first day.")
        if self.playbook_id and unit is not None:
            errors.update(self._playbook_errors(unit))
        if self.playbook_id and not errors:
            errors.update(self._override_errors())
        errors.update(campaign_budget_errors(self, unit))
        if errors:
            raise ValidationError(errors)

    def _playbook_errors(self, unit) -> dict[str, str]:
        playbook = self.playbook
        path = set()
        node = unit
        while node is not None:
            path.add(node.pk)
            node = node.parent
        if playbook.owner_unit_id not in path:
            return {
                "playbook": gettext(
                    "“%(playbook)s” belongs to %(owner)s; %(unit)s may only use its own "
                    "playbooks or those of its region and global team."
                )
                % {"playbook": playbook.name, "owner": playbook.owner_unit.name, "unit": unit.name}
            }
        if playbook.status != PlaybookStatus.PUBLISHED:
            return {"playbook": gettext("“%(p)s” is not published yet.") % {"p": playbook.name}}
        if not playbook.steps:
            return {"playbook": gettext("“%(p)s” has no steps.") % {"p": playbook.name}}
        return {}

    def _override_errors(self) -> dict[str, str]:
        overrides = self.overrides
        if not isinstance(overrides, dict) or set(overrides) - OVERRIDE_KEYS:
            return {
                "overrides": gettext("Overrides may only contain %(keys)s.")
                % {"keys": ", ".join(sorted(OVERRIDE_KEYS))}
            }
        count = len(self.playbook.steps)
        skip = overrides.get("skip_steps", [])
        delays = overrides.get("delay_days", {})
        problems = []
        if not isinstance(skip, list) or any(
            not isinstance(i, int) or not 0 <= i < count for i in skip
        ):
            problems.append(
                gettext("skip_steps lists step indexes from 0 to %(last)s.") % {"last": count - 1}
            )
        elif len(set(skip)) >= count:
            problems.append(gettext("A campaign keeps at least one step."))
        if not isinstance(delays, dict):
            problems.append(gettext("delay_days maps a step index to a number of days."))
        else:
            for key, value in delays.items():
                if not str(key).isdigit() or int(key) >= count:
                    problems.append(gettext("No step %(key)s to delay.") % {"key": key})
                elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    problems.append(
                        gettext("Step %(key)s: a delay is a whole number of days, 0 or more.")
                        % {"key": key}
                    )
        return {"overrides": " ".join(problems)} if problems else {}
