"""Playbooks: layered campaign templates (global core → regional adaptation → local)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Channel
from glocal.layering.models import LayeredModel


class PlaybookStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Condition(models.TextChoices):
    ALWAYS = "always", _("Always")
    NOT_ENGAGED = "not_engaged", _("Only if not engaged yet")
    ENGAGED = "engaged", _("Only if engaged")


STEP_KEYS = {"channel", "content", "delay_days", "condition"}


def _step_problems(step: Any) -> list[str]:
    if not isinstance(step, dict):
        return [gettext("a step is an object with channel, content, delay_days, condition")]
    problems = []
    unknown = set(step) - STEP_KEYS
    if unknown:
        problems.append(gettext("unknown keys %(keys)s") % {"keys": ", ".join(sorted(unknown))})
    if step.get("channel") not in Channel.values:
        problems.append(
            gettext("channel must be one of %(all)s") % {"all": ", ".join(Channel.values)}
        )
    try:
        uuid.UUID(str(step.get("content")))
    except ValueError:
        problems.append(gettext("content must be the family key of a content asset"))
    delay = step.get("delay_days", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
        problems.append(gettext("delay_days must be a whole number of days, 0 or more"))
    if step.get("condition", Condition.ALWAYS) not in Condition.values:
        problems.append(
            gettext("condition must be one of %(all)s") % {"all": ", ".join(Condition.values)}
        )
    return problems


def check_steps(steps: Any) -> None:
    """Refuse a malformed step list, naming each faulty step (numbered from 1)."""
    if not isinstance(steps, list):
        raise ValidationError({"steps": gettext("Steps are a list.")})
    errors = [
        gettext("Step %(n)s: %(problems)s.") % {"n": n, "problems": "; ".join(problems)}
        for n, step in enumerate(steps, start=1)
        if (problems := _step_problems(step))
    ]
    if errors:
        raise ValidationError({"steps": errors})


def normalise_step(step: dict[str, Any]) -> dict[str, Any]:
    """A step with every key present (condition and delay have defaults)."""
    return {
        "channel": step["channel"],
        "content": str(step["content"]),
        "delay_days": step.get("delay_days", 0),
        "condition": step.get("condition", Condition.ALWAYS),
    }


class Playbook(LayeredModel):
    """An ordered sequence of touches a local team instantiates as a campaign.

    Global owns the method; regions adapt the steps to their markets; local units may
    only re-word the name and description (``default_override_tiers``) — a local team
    tailors a run of the playbook through its campaign's overrides, within the bounds.
    """

    layered_fields = ("name", "description", "kpis", "steps")
    default_override_tiers: ClassVar[dict[str, str]] = {"steps": "REGION", "kpis": "REGION"}

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kpis = models.JSONField(
        _("target KPIs"),
        default=dict,
        blank=True,
        help_text=_('KPI name → target value, e.g. {"meetings": 5}.'),
    )
    steps = models.JSONField(
        _("steps"),
        default=list,
        blank=True,
        help_text=_("Ordered steps: channel, content family, delay in days, condition."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlaybookStatus.choices, default=PlaybookStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    published_lookup: ClassVar[dict[str, Any]] = {"status": PlaybookStatus.PUBLISHED}

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        check_steps(self.steps)
        if not isinstance(self.kpis, dict):
            raise ValidationError({"kpis": gettext("Target KPIs are a mapping of name → value.")})
        self.steps = [normalise_step(step) for step in self.steps]
