"""A real HTTP server on an ephemeral local port, run in a thread, for adapter tests.

Each fake service subclasses ``FakeService`` and ``JsonHandler``; a test switches the
fake's ``mode`` to provoke errors and reads ``requests`` to see what went over the wire.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeService:
    handler: type[JsonHandler]

    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 1.0
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self._server.block_on_close = False
        self._server.fake = self
        # A short poll interval keeps shutting the server down (each test) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeService:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class JsonHandler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    @property
    def fake(self) -> Any:
        return self.server.fake

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        self.fake.requests.append(
            {"path": self.path, "body": body, "authorization": self.headers.get("Authorization")}
        )
        if self.fake.mode == "slow":
            time.sleep(self.fake.delay)
        status, answer = self.answer(body)
        self.send(status, answer)

    def answer(self, body: Any) -> tuple[int, Any]:
        """Subclasses speak one service's protocol; the bare handler knows no endpoint."""
        return 501, {"error": f"this stand-in has no endpoint {self.path}"}

    def send(self, status: int, answer: Any) -> None:
        if isinstance(answer, str):
            payload, kind = answer.encode(), "text/html; charset=utf-8"
        else:
            payload, kind = json.dumps(answer).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)  # unless the client gave up (timeout tests)

    def log_message(self, *args: object) -> None:
        pass
