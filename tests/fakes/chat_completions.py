"""A stand-in for an OpenAI-compatible chat-completions server (a self-hosted model).

It reads the request JSON our generator sends as the user message and answers with a
canned draft: each non-blank field prefixed with ``[language · audience]``.

Modes: ``ok``, ``fenced`` (JSON in a Markdown code fence), ``prose`` (JSON inside
chatter), ``bad-json``, ``not-object``, ``unknown-field``, ``not-text``, ``oversize``,
``mangle-brand`` (rewrites "Acme" as "Akme"), ``unchanged``, ``truncated``
(finish_reason "length"), ``no-choices``, ``error`` (500), ``slow``.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.server import FakeService, JsonHandler


class ChatCompletionsHandler(JsonHandler):
    def answer(self, body: Any) -> tuple[int, Any]:
        fake = self.fake
        if self.path != "/v1/chat/completions":
            return 404, {"error": {"message": f"Unknown path {self.path}"}}
        if fake.api_key and self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            return 401, {"error": {"message": "Incorrect API key provided", "type": "auth"}}
        if fake.mode == "error":
            return 500, {"error": {"message": "The model is overloaded", "type": "server_error"}}
        if fake.mode == "no-choices":
            return 200, {"id": "cmpl-1", "choices": []}
        request = json.loads(body["messages"][-1]["content"])
        return 200, self.completion(self.content(request), fake.mode)

    def content(self, request: dict[str, Any]) -> str:
        mode = self.fake.mode
        tag = f"[{request['language']} · {request['audience']}]"
        fields = {name: f"{tag} {value}" for name, value in request["fields"].items() if value}
        if mode == "unchanged":
            fields = dict(request["fields"])
        elif mode == "mangle-brand":
            fields = {name: value.replace("Acme", "Akme") for name, value in fields.items()}
        elif mode == "unknown-field":
            fields["price"] = "49 EUR"
        elif mode == "not-text":
            fields = {name: ["a", "list"] for name in fields}
        elif mode == "oversize":
            fields = {name: "x" * 30_000 for name in fields}
        document = json.dumps(fields, ensure_ascii=False)
        if mode == "fenced":
            return f"```json\n{document}\n```"
        if mode == "prose":
            return f"Sure! Here is the adapted draft:\n{document}\nLet me know if it helps."
        if mode == "bad-json":
            return document[:-1] + ', "title": '
        if mode == "not-object":
            return json.dumps(list(fields.values()))
        return document

    def completion(self, content: str, mode: str) -> dict[str, Any]:
        finish = "length" if mode == "truncated" else "stop"
        return {
            "id": "cmpl-1",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": finish,
                }
            ],
        }


class FakeChatCompletions(FakeService):
    handler = ChatCompletionsHandler

    def __init__(self, api_key: str = "") -> None:
        super().__init__()
        self.api_key = api_key
