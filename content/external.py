"""One JSON-over-HTTP call to an external content service, with errors a person can act on.

Translation engines and draft generators are self-hosted services that can be slow,
down, misconfigured or rate limited. Every failure becomes an ``ExternalServiceError``
(or the subclass the caller names) whose message says which service failed and why, and
whose ``retryable`` flag tells a Celery task whether trying again later can help.
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ExternalServiceError(Exception):
    """An external service failed; ``retryable`` is true for timeouts, 429 and 5xx."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


def is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    service: str,
    timeout: float,
    headers: dict[str, str] | None = None,
    error_class: type[ExternalServiceError] = ExternalServiceError,
) -> Any:
    """POST ``payload`` as JSON and return the decoded JSON answer of a 2xx response.

    ``service`` names the service in error messages (e.g. "LibreTranslate at http://…").
    An error answer's own message (``{"error": "..."}`` or ``{"error": {"message": ...}}``)
    is quoted in the raised error, because it is usually the most useful hint.
    """
    try:
        response = httpx.post(url, json=payload, headers=headers or {}, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise error_class(f"{service} did not answer within {timeout:g} s", retryable=True) from exc
    except httpx.HTTPError as exc:
        raise error_class(f"{service} could not be reached: {exc}", retryable=True) from exc
    if not response.is_success:
        raise error_class(
            f"{service} refused the request (HTTP {response.status_code}): "
            f"{error_message(response)}",
            status=response.status_code,
            retryable=is_retryable(response.status_code),
        )
    try:
        return response.json()
    except ValueError as exc:
        raise error_class(f"{service} answered with something that is not JSON") from exc


def error_message(response: httpx.Response) -> str:
    """The service's own explanation of an error answer, else a short excerpt of it."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        error = error.get("message")
    if isinstance(error, str) and error:
        return error[:500]
    return response.reason_phrase


def timeout_setting(name: str, default: float) -> float:
    """A timeout in seconds from the Django setting ``name``; loud when it is not positive."""
    value = getattr(settings, name, default)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if seconds <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds, not {value!r}.")
    return seconds
