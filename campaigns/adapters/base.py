"""The adapter interface shared by every channel provider."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Message:
    """One rendered touch, ready for a provider."""

    key: str  # the touch's idempotency key
    channel: str
    recipient: str
    subject: str
    body: str
    language: str = ""
    unit_id: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


class OutcomeKind(enum.StrEnum):
    SENT = "sent"  # the provider accepted the message
    RETRY = "retry"  # a transient failure: try again later
    REJECTED = "rejected"  # a permanent refusal: retrying would not help


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    provider_message_id: str = ""
    error: str = ""
    retry_after: float | None = None  # seconds, when the provider said so

    @classmethod
    def sent(cls, message_id: str = "") -> Outcome:
        return cls(OutcomeKind.SENT, provider_message_id=message_id)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> Outcome:
        return cls(OutcomeKind.RETRY, error=error, retry_after=retry_after)

    @classmethod
    def rejected(cls, error: str) -> Outcome:
        return cls(OutcomeKind.REJECTED, error=error)


class Adapter(abc.ABC):
    """Base provider. ``transactional`` providers write in the dispatcher's transaction,
    so a whole batch commits at once; the others are committed message by message, to
    keep the window between a provider's acceptance and our record as small as it gets.
    """

    name: ClassVar[str] = ""
    transactional: ClassVar[bool] = False

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def open(self) -> None:  # noqa: B027 - a hook: providers without connections skip it
        """Open connections reused across a batch (optional)."""

    def close(self) -> None:  # noqa: B027 - a hook, like open()
        """Release what :meth:`open` took."""

    @abc.abstractmethod
    def send(self, message: Message) -> Outcome:
        """Hand one message to the provider and say what became of it."""

    def send_many(self, messages: list[Message]) -> list[Outcome]:
        return [self.send(message) for message in messages]
