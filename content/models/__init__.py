"""Content assets, their versions and language fallback chains; one module per concern."""

from content.models.assets import Asset, FunnelStage, Kind, Layer, Status
from content.models.locales import LocaleChain
from content.models.versions import AssetVersion

__all__ = ["Asset", "AssetVersion", "FunnelStage", "Kind", "Layer", "LocaleChain", "Status"]
