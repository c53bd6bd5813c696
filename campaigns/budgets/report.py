"""The guideline report: actual spend shares per channel against the guidelines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from accounts.models import Channel
from campaigns.budgets.money import quantize
from campaigns.models import Budget, Spend
from campaigns.models.budgets import as_number


def guideline_report(budget: Budget) -> dict[str, Any]:
    """Share of spend per channel against the guidelines, for the budget and every
    budget allocated from it (its subtree). Spend without a channel (a tool licence)
    is reported apart and left out of the shares. A channel the guidelines do not
    name has a guideline of 0. Nothing is flagged before anything is spent."""
    budget = Budget.objects.select_related("parent__parent", "owner_unit__organization").get(
        pk=budget.pk
    )
    guidelines, tolerance, source = budget.effective_guidelines()
    rows = (
        Spend.objects.unrestricted()
        .filter(Q(budget=budget) | Q(budget__parent=budget) | Q(budget__parent__parent=budget))
        .values("channel")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    spent = {row["channel"]: row["total"] for row in rows}
    unassigned = spent.pop("", None) or Decimal(0)
    total = sum(spent.values(), Decimal(0))
    order = {c: i for i, c in enumerate(Channel.values)}
    lines = []
    for channel in sorted(set(spent) | set(guidelines), key=lambda c: order.get(c, 99)):
        amount = spent.get(channel, Decimal(0))
        share = amount / total if total else Decimal(0)
        target = as_number(guidelines.get(channel, 0)) if guidelines else None
        outside = target is not None and bool(total) and abs(share - target) > tolerance
        lines.append(
            {
                "channel": channel,
                "spent": quantize(amount),
                "share": round(float(share), 4),
                "guideline": float(target) if target is not None else None,
                "low": float(max(target - tolerance, 0)) if target is not None else None,
                "high": float(min(target + tolerance, 1)) if target is not None else None,
                "outside": outside,
            }
        )
    return {
        "guidelines_from": source.pk if source is not None else None,
        "tolerance": float(tolerance),
        "currency": budget.currency,
        "total": quantize(total),
        "unassigned": quantize(unassigned),
        "outside": any(line["outside"] for line in lines),
        "channels": lines,
    }
