"""The semantic layer: sentence embeddings in Qdrant for schema linking and conversation memory.

- ``Embedder``: all-MiniLM-L6-v2 vectors, model loaded once per process, phrases cached.
- ``SchemaIndex``: tables, columns and low-cardinality values of the catalog, refreshed when
  a table changes; ``search`` and ``lookup_values`` for the parser.
- ``ConversationMemory``: answered questions with SQL and feedback.
- ``open_qdrant``/``close_qdrant``: one shared client per Qdrant location and process.
"""

from neurolake.semantic.embedder import DIMENSION, Embedder, default_model_path
from neurolake.semantic.lexical import split_identifier, stem
from neurolake.semantic.matches import MemoryHit, SchemaMatch, ValueMatch
from neurolake.semantic.memory import ConversationMemory, MemoryNotFoundError
from neurolake.semantic.qdrant import close_all_qdrant, close_qdrant, open_qdrant
from neurolake.semantic.schema_index import RefreshReport, SchemaIndex

__all__ = [
    "DIMENSION",
    "ConversationMemory",
    "Embedder",
    "MemoryHit",
    "MemoryNotFoundError",
    "RefreshReport",
    "SchemaIndex",
    "SchemaMatch",
    "ValueMatch",
    "close_all_qdrant",
    "close_qdrant",
    "default_model_path",
    "open_qdrant",
    "split_identifier",
    "stem",
]
