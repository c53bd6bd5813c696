"""Content assets, their versions, language fallback chains, the glossary and the
translation workflow; one module per concern."""

from content.models.assets import Asset, FunnelStage, Kind, Layer, Status
from content.models.glossary import GlossaryTerm, terms_for
from content.models.locales import LocaleChain
from content.models.versions import AssetVersion
from content.models.workflow import (
    RequestStatus,
    TaskStatus,
    TranslationRequest,
    TranslationTask,
)

__all__ = [
    "Asset",
    "AssetVersion",
    "FunnelStage",
    "GlossaryTerm",
    "Kind",
    "Layer",
    "LocaleChain",
    "RequestStatus",
    "Status",
    "TaskStatus",
    "TranslationRequest",
    "TranslationTask",
    "terms_for",
]
