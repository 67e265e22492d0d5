"""One error hierarchy for the whole library.

Every error carries a message a person can act on. Callers at the edges (CLI, API, chat)
show ``str(error)`` and never a stack trace. Input errors also subclass ``ValueError`` and
lookups ``LookupError`` so generic handlers keep working.
"""

from __future__ import annotations


class NeuroLakeError(Exception):
    """Root of every error NeuroLake raises on purpose."""

    #: HTTP status the API maps this error to.
    status_code: int = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} {hint}")


class ConfigurationError(NeuroLakeError, ValueError):
    """A setting is missing or has a value NeuroLake cannot use."""

    status_code = 500


class CatalogError(NeuroLakeError):
    """The catalog database could not be read or written."""


class CatalogUnavailableError(CatalogError):
    """The catalog database cannot be reached (down, refused, or the connection dropped)."""

    status_code = 503


class NotFoundError(NeuroLakeError, LookupError):
    """A named thing (user, template, pipeline) does not exist."""

    status_code = 404


class TableNotFoundError(NotFoundError):
    """A table named in a query or command is not in the lakehouse."""


class StorageError(NeuroLakeError):
    """A Delta table could not be read or written."""


class SchemaMismatchError(StorageError, ValueError):
    """Data does not fit a table's schema; the table was left unchanged."""

    status_code = 400


class StorageAccessError(StorageError):
    """The disk under the lakehouse refused: full, read-only, or permission denied."""

    status_code = 503


class CommitConflictError(StorageError):
    """Another writer committed first and retries ran out; nothing was written."""

    status_code = 409


class IngestError(StorageError, ValueError):
    """A file could not be ingested; the table was left unchanged."""

    status_code = 400


class VersionNotFoundError(StorageError, LookupError):
    """A requested table version or timestamp is not available (never existed or vacuumed)."""

    status_code = 404


class StorageInputError(StorageError, ValueError):
    """A storage call got a bad argument (table name, merge keys, predicate); nothing was written."""

    status_code = 400


class QueryError(NeuroLakeError):
    """Base of errors about one query."""


class QueryValidationError(QueryError, ValueError):
    """The SQL is malformed or names things that do not exist."""

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.line = line
        self.column = column
        super().__init__(message, hint=hint)


class PermissionDeniedError(QueryError, PermissionError):
    """The caller may not run this statement or action."""

    status_code = 403


class QueryExecutionError(QueryError):
    """The backend failed while running a valid query."""

    status_code = 400


class QueryTimeoutError(QueryError, TimeoutError):
    """The query ran past its time limit and was interrupted."""

    status_code = 504


class QueryCancelledError(QueryError):
    """The query was cancelled on request."""

    status_code = 499


class AuthenticationError(NeuroLakeError):
    """No valid API key was presented."""

    status_code = 401


class ProviderError(NeuroLakeError):
    """A language-model provider failed after its retries."""

    status_code = 502


class RateLimitError(ProviderError):
    """A rate or spend limit was hit."""

    status_code = 429


class ModelOutputError(ProviderError):
    """A model's answer could not be used (malformed, truncated) even after one repair round."""


class PromptError(NeuroLakeError, ValueError):
    """A prompt template is missing, malformed, or was rendered with the wrong variables."""


class CacheUnavailableError(NeuroLakeError):
    """The cache backend (Redis) could not be reached; queries still run, uncached."""

    status_code = 503


class VectorStoreError(NeuroLakeError):
    """The vector store (Qdrant) failed, or its local folder is held by another process."""

    status_code = 503
