"""The REST API (``neurolake serve``): FastAPI over the same library the CLI and chat use."""

from neurolake.api.main import create_app

__all__ = ["create_app"]
