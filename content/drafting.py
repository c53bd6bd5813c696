"""Draft variants proposed by a language model, always for a person to review.

Contract: whatever a generator returns is a *proposal*. The caller stores it as a draft
variant (status draft, entering the human review workflow) and never publishes it on its
own; glossary violations travel with the proposal so that the reviewer sees them.

The generator only sees plain values (field → text) and answers with the fields it would
change; a field it leaves out stays inherited from the source asset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from content import glossary
from content.external import ExternalServiceError, post_json, timeout_setting

SYSTEM_PROMPT = """\
You adapt B2B marketing content for a given audience and language.
Answer with one JSON object and nothing else. Its keys must be among the field names you
are given, its values strings. Leave out any field you would not change.
Keep personalisation tokens such as {{ account.name }} and any HTML markup exactly as
they are."""

_FENCE = re.compile(r"^```[a-zA-Z]*\s*(.*?)\s*```$", re.DOTALL)


class DraftGenerationError(ExternalServiceError):
    """The generator failed or answered something we cannot use as a draft."""


@runtime_checkable
class DraftGenerator(Protocol):
    """Proposes new values for some of ``fields``, in ``language``, for ``audience``.

    ``glossary_rules`` holds the organisation's term rules as instructions. Implementations
    return only known field names with text values, and raise ``DraftGenerationError``.
    """

    name: str

    def generate(
        self,
        fields: Mapping[str, str],
        *,
        instructions: str,
        language: str,
        audience: str,
        glossary_rules: str = "",
    ) -> dict[str, str]: ...


@dataclass(frozen=True)
class DraftProposal:
    """A generated draft: the changed fields and, per field, the glossary rules it breaks."""

    fields: dict[str, str]
    generator: str
    violations: dict[str, list[str]] = field(default_factory=dict)


def propose_draft(
    fields: Mapping[str, str],
    *,
    instructions: str,
    language: str,
    audience: str,
    terms: Iterable[glossary.GlossaryTerm] = (),
    source_language: str = "",
    html_fields: Collection[str] = (),
    generator: DraftGenerator | None = None,
) -> DraftProposal:
    """Ask the generator (the configured one by default) for a draft variant of ``fields``.

    Fields the generator returns unchanged are dropped (they would be needless
    overrides). Raises ``DraftGenerationError`` and ``ImproperlyConfigured`` when no
    generator is configured.
    """
    generator = generator or get_draft_generator()
    if generator is None:
        raise ImproperlyConfigured("No draft generator is configured (CONTENT_DRAFT_GENERATOR).")
    terms = list(terms)
    proposed = generator.generate(
        fields,
        instructions=instructions,
        language=language,
        audience=audience,
        glossary_rules=glossary.instructions(terms, language, source_language=source_language),
    )
    unknown = sorted(set(proposed) - set(fields))
    if unknown:  # adapters check this too; a custom generator must not widen the asset
        raise DraftGenerationError(
            f"The {generator.name} generator proposed unknown field(s): {', '.join(unknown)}."
        )
    changed = {name: value for name, value in proposed.items() if value != fields.get(name)}
    broken = {}
    for name, value in changed.items():
        found = glossary.violations(
            fields.get(name, ""),
            value,
            terms,
            language,
            source_language=source_language,
            fmt="html" if name in html_fields else "text",
        )
        if found:
            broken[name] = found
    return DraftProposal(fields=changed, generator=generator.name, violations=broken)


class ChatCompletionsDraftGenerator:
    """Adapter for an OpenAI-compatible chat-completions endpoint (e.g. a self-hosted model).

    ``POST {base_url}/v1/chat/completions`` (``base_url`` may already end in ``/v1``)
    with ``{"model", "messages", "temperature"}``; the draft is read from
    ``choices[0].message.content`` as a JSON object, tolerating code fences and prose
    around it.
    """

    name = "chat-completions"

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str = "",
        timeout: float = 60.0,
        temperature: float = 0.3,
        max_field_chars: int = 20_000,
        max_response_chars: int = 100_000,
    ) -> None:
        base = base_url.rstrip("/")
        if not base.endswith("/v1"):
            base += "/v1"
        self.url = f"{base}/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.temperature = temperature
        self.max_field_chars = max_field_chars
        self.max_response_chars = max_response_chars

    def generate(
        self,
        fields: Mapping[str, str],
        *,
        instructions: str,
        language: str,
        audience: str,
        glossary_rules: str = "",
    ) -> dict[str, str]:
        system = SYSTEM_PROMPT
        if glossary_rules:
            system += f"\nGlossary rules (mandatory):\n{glossary_rules}"
        request = {
            "language": language,
            "audience": audience,
            "instructions": instructions,
            "fields": dict(fields),
        }
        payload = {
            "model": self.model,
            "temperature": self.temperature,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": json.dumps(request, ensure_ascii=False)},
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        answer = post_json(
            self.url,
            payload,
            service=self.service,
            timeout=self.timeout,
            headers=headers,
            error_class=DraftGenerationError,
        )
        return self.parse(self.content_of(answer), allowed=fields.keys())

    @property
    def service(self) -> str:
        return f"The draft model {self.model!r} at {self.url}"

    def content_of(self, answer: Any) -> str:
        try:
            choice = answer["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise DraftGenerationError(f"{self.service} answered without a message.") from exc
        if choice.get("finish_reason") == "length":
            raise DraftGenerationError(f"{self.service} stopped before finishing its answer.")
        if not isinstance(content, str) or not content.strip():
            raise DraftGenerationError(f"{self.service} answered with an empty message.")
        if len(content) > self.max_response_chars:
            raise DraftGenerationError(
                f"{self.service} answered with {len(content)} characters "
                f"(at most {self.max_response_chars})."
            )
        return content

    def parse(self, content: str, *, allowed: Collection[str]) -> dict[str, str]:
        """The JSON object in the model's answer, checked field by field."""
        text = content.strip()
        fenced = _FENCE.match(text)
        if fenced:
            text = fenced.group(1)
        start = text.find("{")
        if start < 0:
            raise DraftGenerationError(f"{self.service} answered without a JSON object.")
        try:
            proposed, _end = json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError as exc:
            raise DraftGenerationError(
                f"{self.service} answered with invalid JSON ({exc.msg} at character {exc.pos})."
            ) from exc
        if not isinstance(proposed, dict):
            raise DraftGenerationError(f"{self.service} answered without a JSON object.")
        unknown = sorted(set(proposed) - set(allowed))
        if unknown:
            raise DraftGenerationError(
                f"{self.service} proposed unknown field(s): {', '.join(unknown)}."
            )
        not_text = sorted(name for name, value in proposed.items() if not isinstance(value, str))
        if not_text:
            raise DraftGenerationError(
                f"{self.service} proposed values that are not text for: {', '.join(not_text)}."
            )
        limit = self.max_field_chars
        too_long = sorted(name for name, value in proposed.items() if len(value) > limit)
        if too_long:
            raise DraftGenerationError(
                f"{self.service} proposed more than {limit} characters for: {', '.join(too_long)}."
            )
        return proposed


def get_draft_generator() -> DraftGenerator | None:
    """The generator named by ``CONTENT_DRAFT_GENERATOR``, or ``None`` when disabled.

    ``""``/``"none"`` (the default) disables generation; ``"chat-completions"`` (alias
    ``"openai"``) uses ``DRAFT_LLM_URL``, ``DRAFT_LLM_MODEL``, ``DRAFT_LLM_API_KEY`` and
    ``DRAFT_LLM_TIMEOUT`` (seconds, default 60); a dotted path names any class built
    without arguments.
    """
    choice = getattr(settings, "CONTENT_DRAFT_GENERATOR", "") or "none"
    if choice == "none":
        return None
    if choice in ("chat-completions", "openai"):
        missing = [
            name for name in ("DRAFT_LLM_URL", "DRAFT_LLM_MODEL") if not getattr(settings, name, "")
        ]
        if missing:
            raise ImproperlyConfigured(
                f"CONTENT_DRAFT_GENERATOR is {choice!r} but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} empty."
            )
        return ChatCompletionsDraftGenerator(
            settings.DRAFT_LLM_URL,
            model=settings.DRAFT_LLM_MODEL,
            api_key=getattr(settings, "DRAFT_LLM_API_KEY", ""),
            timeout=timeout_setting("DRAFT_LLM_TIMEOUT", 60.0),
        )
    if "." in choice:
        try:
            return import_string(choice)()
        except ImportError as exc:
            raise ImproperlyConfigured(f"CONTENT_DRAFT_GENERATOR: {exc}") from exc
    raise ImproperlyConfigured(
        f"CONTENT_DRAFT_GENERATOR must be 'none', 'chat-completions' or a dotted path, "
        f"not {choice!r}."
    )
