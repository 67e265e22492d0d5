"""The conversation layer's tests share the agents' demo lakehouse (built once per session)."""

from tests.agents.conftest import demo_parser, lakehouse

__all__ = ["demo_parser", "lakehouse"]
