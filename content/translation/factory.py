"""Build the translation provider the settings name."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from content.external import timeout_setting
from content.translation.base import TranslationProvider
from content.translation.human import HumanProvider
from content.translation.libretranslate import LibreTranslateProvider


def get_provider() -> TranslationProvider:
    """The provider named by ``CONTENT_TRANSLATION_PROVIDER``.

    ``"human"`` (the default) means no machine translation; ``"libretranslate"`` uses
    ``LIBRETRANSLATE_URL``, ``LIBRETRANSLATE_API_KEY`` and ``LIBRETRANSLATE_TIMEOUT``
    (seconds, default 10); a dotted path names any class built without arguments.
    """
    choice = getattr(settings, "CONTENT_TRANSLATION_PROVIDER", "") or "human"
    if choice == "human":
        return HumanProvider()
    if choice == "libretranslate":
        url = getattr(settings, "LIBRETRANSLATE_URL", "")
        if not url:
            raise ImproperlyConfigured(
                "CONTENT_TRANSLATION_PROVIDER is 'libretranslate' but LIBRETRANSLATE_URL is empty."
            )
        return LibreTranslateProvider(
            url,
            api_key=getattr(settings, "LIBRETRANSLATE_API_KEY", ""),
            timeout=timeout_setting("LIBRETRANSLATE_TIMEOUT", 10.0),
        )
    if "." in choice:
        try:
            return import_string(choice)()
        except ImportError as exc:
            raise ImproperlyConfigured(f"CONTENT_TRANSLATION_PROVIDER: {exc}") from exc
    raise ImproperlyConfigured(
        f"CONTENT_TRANSLATION_PROVIDER must be 'human', 'libretranslate' or a dotted path, "
        f"not {choice!r}."
    )
