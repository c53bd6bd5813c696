"""Which provider serves a channel, and which queue its sends travel on."""

from __future__ import annotations

from django.conf import settings

from campaigns.adapters.base import Adapter

#: channel → family; each family has its own Celery queue, so a slow gateway (or a
#: saturated one) never holds up the others.
FAMILIES = {
    "email": "email",
    "linkedin": "social",
    "wechat": "messaging",
    "whatsapp": "messaging",
    "phone": "messaging",
    "events": "events",
    "webinars": "events",
    "ads": "ads",
}


def _providers() -> dict[str, type[Adapter]]:
    from campaigns.adapters.email import EmailAdapter
    from campaigns.adapters.http import HttpAdapter
    from campaigns.adapters.sandbox import SandboxAdapter

    return {a.name: a for a in (SandboxAdapter, EmailAdapter, HttpAdapter)}


def provider_for(channel: str) -> str:
    return settings.CAMPAIGNS_PROVIDERS.get(channel, "sandbox")


def adapter_for(channel: str) -> Adapter:
    name = provider_for(channel)
    try:
        cls = _providers()[name]
    except KeyError:
        raise ValueError(f"Unknown provider {name!r} for channel {channel!r}") from None
    return cls(channel)


def family_of(channel: str) -> str:
    return FAMILIES.get(channel, "messaging")


def queue_for(channel: str) -> str:
    return f"{settings.CAMPAIGNS_QUEUE_PREFIX}.{family_of(channel)}"


def queues() -> list[str]:
    return sorted({f"{settings.CAMPAIGNS_QUEUE_PREFIX}.{f}" for f in FAMILIES.values()})
