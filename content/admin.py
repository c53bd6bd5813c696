"""Admin for the content app; each concern registers its models from its own module."""

from content import admin_translation  # noqa: F401
