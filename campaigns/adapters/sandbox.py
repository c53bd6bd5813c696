"""The sandbox provider: "sends" by recording to the outbox table."""

from __future__ import annotations

from campaigns.adapters.base import Adapter, Message, Outcome
from campaigns.models import OutboxMessage


class SandboxAdapter(Adapter):
    """Writes in the caller's transaction: recorded together with the ledger or not at
    all, so the sandbox is exactly-once by construction."""

    name = "sandbox"
    transactional = True

    def send_many(self, messages: list[Message]) -> list[Outcome]:
        rows = OutboxMessage.objects.unrestricted().bulk_create(
            [
                OutboxMessage(
                    owner_unit_id=m.unit_id,
                    idempotency_key=m.key,
                    channel=m.channel,
                    recipient=m.recipient[:254],
                    subject=m.subject[:300],
                    body=m.body,
                )
                for m in messages
            ],
            ignore_conflicts=True,
        )
        del rows  # ids are not returned with ignore_conflicts; the key is the reference
        return [Outcome.sent(f"sandbox:{m.key}") for m in messages]

    def send(self, message: Message) -> Outcome:
        return self.send_many([message])[0]
