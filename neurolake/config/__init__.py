"""Settings: read once, validated, passed down."""

from neurolake.config.loader import get_settings, load_settings, setting_rows
from neurolake.config.settings import Settings

__all__ = ["Settings", "get_settings", "load_settings", "setting_rows"]
