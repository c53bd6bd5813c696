"""A real SMTP server (aiosmtpd) on an ephemeral local port, standing in for a relay.

It counts every DATA command it answers (``calls``) and files accepted messages by
``Message-ID`` (``by_message_id``), the way a mailbox shows one message per id. Modes:
``ok``, ``tempfail`` (451 for every message), ``reject`` (550 for every recipient).
"""

from __future__ import annotations

import email
import logging
import socket
import threading
from collections import Counter
from email import policy
from typing import Any

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command otherwise


class _Handler:
    def __init__(self, fake: FakeSmtp) -> None:
        self.fake = fake

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.fake.mode == "reject":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fake = self.fake
        with fake.lock:
            fake.calls += 1
        if fake.mode == "tempfail":
            return "451 4.3.0 Try again later"
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        message_id = str(parsed.get("Message-ID", ""))
        with fake.lock:
            fake.by_message_id[message_id] += 1
            fake.messages.append(
                {
                    "message_id": message_id,
                    "to": list(envelope.rcpt_tos),
                    "subject": str(parsed.get("Subject", "")),
                    "touch": str(parsed.get("X-Glocal-Touch", "")),
                    "html": _html(parsed),
                }
            )
        return "250 Message accepted for delivery"


def _html(parsed: Any) -> str:
    part = parsed.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakeSmtp:
    def __init__(self) -> None:
        self.mode = "ok"
        self.calls = 0
        self.lock = threading.Lock()
        self.by_message_id: Counter[str] = Counter()
        self.messages: list[dict[str, Any]] = []
        self.port = _free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def delivered(self) -> set[str]:
        """Touch keys of the accepted messages (one mailbox entry per Message-ID)."""
        return {m["touch"] for m in self.messages}

    def __enter__(self) -> FakeSmtp:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._controller.stop()
