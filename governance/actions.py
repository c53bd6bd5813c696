"""Registry of governed actions: what runs when a request is approved or withdrawn.

Governance must not import the apps above it (content, campaigns ...), so each app
registers its actions at start-up (in ``AppConfig.ready``)::

    actions.register(
        "campaigns.launch",
        activity=Activity.CAMPAIGN_LAUNCH,
        model=Campaign,
        on_approved=launch,          # (request, target) -> None, inside the decision's transaction
        on_withdrawn=cancel_unsent,  # revokes what the approval allowed
    )

Handlers run inside the transaction that records the decision: if one raises, the
decision is rolled back and the request stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from glocal.models import OrgUnit
    from governance.models import ApprovalRequest

Hook = Callable[["ApprovalRequest", Any], None]


def _owner_unit(target: Any) -> OrgUnit:
    return target.owner_unit


def _title(target: Any) -> str:
    return str(target)


@dataclass(frozen=True)
class ActionHandler:
    action_type: str
    activity: str
    model: type[models.Model]
    on_approved: Hook
    on_withdrawn: Hook | None = None
    #: raises ``ValidationError`` when the target cannot be requested now
    check: Callable[[Any], None] | None = None
    #: the unit the action concerns (RACI scope)
    scope_of: Callable[[Any], OrgUnit] = _owner_unit
    describe: Callable[[Any], str] = _title
    #: the restrict() action the requester needs on the target
    target_action: str = "change"
    #: how long a request waits for a decision before it expires
    ttl: timedelta = timedelta(days=14)

    def targets(self, user) -> models.QuerySet:
        return self.model._default_manager.restrict(user, self.target_action)


class UnknownActionType(LookupError):
    pass


_handlers: dict[str, ActionHandler] = {}


def register(
    action_type: str,
    on_approved: Hook,
    on_withdrawn: Hook | None = None,
    *,
    activity: str,
    model: type[models.Model],
    **options: Any,
) -> ActionHandler:
    """Declare a governed action; registering the same type again replaces it."""
    handler = ActionHandler(
        action_type=action_type,
        activity=activity,
        model=model,
        on_approved=on_approved,
        on_withdrawn=on_withdrawn,
        **options,
    )
    _handlers[action_type] = handler
    return handler


def unregister(action_type: str) -> None:
    _handlers.pop(action_type, None)


def get(action_type: str) -> ActionHandler:
    try:
        return _handlers[action_type]
    except KeyError:
        raise UnknownActionType(action_type) from None


def registered() -> list[ActionHandler]:
    return sorted(_handlers.values(), key=lambda handler: handler.action_type)
