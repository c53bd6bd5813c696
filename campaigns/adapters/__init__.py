"""Channel adapters: one interface, one provider per channel (DESIGN section 6.4).

The dispatcher hands an adapter a batch of :class:`Message` and gets one
:class:`Outcome` per message, in order. Providers:

* ``sandbox`` — records to the outbox table in the dispatcher's own transaction (demos,
  tests; the default for every channel, so a fresh install never reaches real people);
* ``email`` — Django's email backends (SMTP in production), one connection per batch;
* ``http`` — a JSON gateway per channel (LinkedIn, WeChat, WhatsApp Business, webinars,
  events, ads): configurable endpoint, bearer credentials and timeout from settings.

Every message carries the touch's idempotency key, sent to the provider (``Message-ID``
for email, ``Idempotency-Key`` over HTTP), so a send retried after a crash between the
provider's acceptance and our commit is recognised by the provider as the same message.
"""

from __future__ import annotations

from campaigns.adapters.base import Adapter, Message, Outcome, OutcomeKind
from campaigns.adapters.registry import adapter_for, family_of, provider_for, queue_for, queues

__all__ = [
    "Adapter",
    "Message",
    "Outcome",
    "OutcomeKind",
    "adapter_for",
    "family_of",
    "provider_for",
    "queue_for",
    "queues",
]
