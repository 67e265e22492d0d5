"""NeuroLake: a conversational lakehouse over Delta Lake tables."""

from neurolake.errors import NeuroLakeError

__version__ = "0.1.0"
__all__ = ["NeuroLakeError", "__version__"]
