"""Machine translation behind one interface, with the organisation glossary enforced.

``get_provider()`` returns the configured provider (people translate by default);
``translate_fields()`` translates an asset's fields in one call whatever the provider.
"""

from content.translation.base import (
    Format,
    HumanTranslationRequired,
    TranslationError,
    TranslationProvider,
)
from content.translation.factory import get_provider
from content.translation.fields import translate_fields
from content.translation.human import HumanProvider
from content.translation.libretranslate import LibreTranslateProvider

__all__ = [
    "Format",
    "HumanProvider",
    "HumanTranslationRequired",
    "LibreTranslateProvider",
    "TranslationError",
    "TranslationProvider",
    "get_provider",
    "translate_fields",
]
