"""A stand-in for a channel's HTTP gateway (LinkedIn, WeChat, WhatsApp, events, ads).

``POST /messages`` with a bearer token and an ``Idempotency-Key``: the first request for
a key is accepted (201 with an id), a repeat gets 409 with the same id — the provider's
own de-duplication. ``calls`` counts every request per key. Modes: ``ok``,
``unavailable`` (503 with Retry-After), ``reject`` (400), ``slow``.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from tests.fakes.server import FakeService, JsonHandler


class GatewayHandler(JsonHandler):
    def answer(self, body: Any) -> tuple[int, Any]:
        fake = self.fake
        if self.path != "/messages":
            return 404, {"error": f"no endpoint {self.path}"}
        if fake.token and self.headers.get("Authorization") != f"Bearer {fake.token}":
            return 401, {"error": "bad credentials"}
        key = self.headers.get("Idempotency-Key", "")
        with fake.lock:
            fake.calls[key] += 1
        if fake.mode == "unavailable":
            return 503, {"error": "maintenance"}
        if fake.mode == "reject":
            return 400, {"error": "recipient is not reachable on this channel"}
        with fake.lock:
            if key in fake.accepted:
                return 409, {"id": fake.accepted[key], "status": "duplicate"}
            fake.accepted[key] = f"gw-{len(fake.accepted) + 1}"
            fake.bodies[key] = body
            return 201, {"id": fake.accepted[key]}

    def send(self, status: int, answer: Any) -> None:
        if status == 503:
            self.send_response(503)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().send(status, answer)


class FakeGateway(FakeService):
    handler = GatewayHandler

    def __init__(self, token: str = "") -> None:
        super().__init__()
        self.token = token
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.accepted: dict[str, str] = {}
        self.bodies: dict[str, Any] = {}
