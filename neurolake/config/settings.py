"""Settings read from ``NEUROLAKE_*`` environment variables or a ``.env`` file.

Nested groups use ``__``: ``NEUROLAKE_ENGINE__TIMEOUT_S=60``. Every field is listed in
``.env.example`` and ``docs/configuration.md`` (a test keeps them in step).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "NEUROLAKE_"
NESTED_DELIMITER = "__"
_MEMORY = re.compile(r"^[1-9][0-9]*[kmgt]?$", re.IGNORECASE)
_PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "password", "xxx", "your-key-here"}


def _check_memory(value: str) -> str:
    if not _MEMORY.match(value.strip()):
        raise ValueError(f"{value!r} is not a memory size; use a positive number with k, m, g or t (e.g. 4g)")
    return value.strip().lower()


def _check_http_url(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    parsed = urlparse(value)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL such as http://127.0.0.1:11434")
    return value.rstrip("/")


class DatabaseSettings(BaseModel):
    """The catalog database."""

    url: str | None = Field(None, description="SQLAlchemy URL; default: a SQLite file under NEUROLAKE_HOME")
    echo: bool = Field(False, description="Log every SQL statement the catalog runs")
    auto_upgrade: bool = Field(True, description="Apply pending migrations on first use")
    connect_timeout_s: int = Field(10, ge=1, le=300, description="Seconds to wait for a PostgreSQL catalog to answer")

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError as e:
            raise ValueError(f"{value!r} is not a database URL such as postgresql+psycopg://user@host/db") from e
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"backend {url.get_backend_name()!r} is not supported; use sqlite or postgresql")
        return value


class SparkSettings(BaseModel):
    """The Spark backend (scale-out engine)."""

    master: str = Field("local[2]", description="local[N], spark://host:7077 or sc://host:15002")
    app_name: str = Field("neurolake", description="Spark application name")
    executor_memory: str = Field("8g", description="Memory per executor")
    driver_memory: str = Field("4g", description="Driver memory")
    executor_cores: int = Field(2, ge=1, description="Cores per executor")
    default_parallelism: int = Field(4, ge=1, description="Default parallelism of RDD operations")
    shuffle_partitions: int = Field(8, ge=1, description="spark.sql.shuffle.partitions")
    adaptive_enabled: bool = Field(True, description="Adaptive Query Execution")
    delta_optimize_write: bool = Field(True, description="Delta optimizeWrite when delta-spark is in use")
    delta_auto_compact: bool = Field(True, description="Delta autoCompact when delta-spark is in use")
    jars: list[str] = Field(default_factory=list, description="Extra jar paths (JSON list), e.g. delta-spark")
    packages: list[str] = Field(
        default_factory=list, description="Maven coordinates (JSON list) for spark.jars.packages"
    )
    local_ip: str | None = Field(None, description="SPARK_LOCAL_IP for the driver; default 127.0.0.1 in local mode")
    ui_enabled: bool = Field(False, description="Start the Spark web UI")

    _mem = field_validator("executor_memory", "driver_memory")(classmethod(lambda cls, v: _check_memory(v)))

    @field_validator("master")
    @classmethod
    def _valid_master(cls, value: str) -> str:
        if not re.match(r"^(local(\[(\d+|\*)\])?|spark://\S+|sc://\S+|yarn|k8s://\S+)$", value):
            raise ValueError(f"{value!r} is not a Spark master; use local[N], spark://host:port or sc://host:port")
        return value


class LLMSettings(BaseModel):
    """The language model behind question understanding."""

    provider: Literal["offline", "openai", "anthropic", "ollama"] = Field(
        "offline", description="offline needs no key or server"
    )
    model: str | None = Field(None, description="Model name; default depends on the provider")
    api_key: SecretStr | None = Field(
        None, description="Provider API key (secret; falls back to OPENAI_API_KEY / ANTHROPIC_API_KEY)"
    )
    base_url: str | None = Field(None, description="Provider base URL (a proxy, a local server or Ollama's host)")
    requests_per_minute: int = Field(60, ge=1, description="Client-side request rate limit")
    tokens_per_minute: int = Field(100_000, ge=1, description="Client-side token rate limit")
    max_retries: int = Field(3, ge=0, le=10, description="Retries on 429, 5xx and timeouts")
    timeout_s: float = Field(60.0, gt=0, description="Per-request timeout in seconds")
    fallback_to_offline: bool = Field(True, description="Use the offline parser when the provider fails")
    prompt_version: str = Field("latest", description="Prompt template version, or latest")

    _url = field_validator("base_url")(classmethod(lambda cls, v: _check_http_url(v)))


class StorageSettings(BaseModel):
    """Where Delta tables live."""

    root: str | None = Field(
        None, description="Lakehouse root: a folder or s3://bucket/prefix; default NEUROLAKE_HOME/lakehouse"
    )
    s3_region: str = Field("us-east-1", description="S3 region")
    s3_endpoint: str | None = Field(None, description="S3 endpoint URL for MinIO or another S3 API server")
    s3_access_key_id: SecretStr | None = Field(None, description="S3 access key id (secret)")
    s3_secret_access_key: SecretStr | None = Field(None, description="S3 secret access key (secret)")
    s3_allow_http: bool = Field(False, description="Allow plain-HTTP S3 endpoints")
    s3_commit_mode: Literal["single_writer", "conditional_put"] = Field(
        "single_writer",
        description="single_writer refuses concurrent S3 writers; conditional_put (etag) makes them safe",
    )
    commit_retries: int = Field(5, ge=0, le=50, description="Retries of a write that lost a commit race")

    _url = field_validator("s3_endpoint")(classmethod(lambda cls, v: _check_http_url(v)))

    @field_validator("root")
    @classmethod
    def _valid_root(cls, value: str | None) -> str | None:
        if value and "://" in value and not value.startswith(("s3://", "s3a://", "file://")):
            raise ValueError(f"{value!r} is not a folder or an s3:// URI")
        return value or None


class CacheSettings(BaseModel):
    """The query result cache."""

    enabled: bool = Field(True, description="Answer repeated queries from the cache")
    backend: Literal["memory", "redis"] = Field("memory", description="memory (in-process LRU) or redis")
    url: str = Field("redis://127.0.0.1:6379/0", description="Redis URL when backend=redis")
    ttl_s: int = Field(3600, ge=1, description="Seconds an entry lives")
    max_bytes: int = Field(256 * 1024 * 1024, ge=1024, description="Total size bound of the in-process cache")
    max_entry_bytes: int = Field(16 * 1024 * 1024, ge=1, description="Results larger than this are not cached")
    admit_after: int = Field(1, ge=1, description="Cache a query from its Nth run")

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        if urlparse(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError(f"{value!r} is not a Redis URL such as redis://127.0.0.1:6379/0")
        return value


class VectorSettings(BaseModel):
    """Embeddings and the Qdrant vector store."""

    path: str | None = Field(None, description="Qdrant local-mode folder; default NEUROLAKE_HOME/qdrant")
    url: str | None = Field(None, description="Qdrant server URL; when set, local mode is off")
    api_key: SecretStr | None = Field(None, description="Qdrant server API key (secret)")
    schema_collection: str = Field("neurolake_schema", description="Collection of tables, columns and values")
    memory_collection: str = Field("neurolake_memory", description="Collection of answered questions")
    embedding_model: str | None = Field(None, description="Model folder; default the bundled all-MiniLM-L6-v2")

    _url = field_validator("url")(classmethod(lambda cls, v: _check_http_url(v)))


class EngineSettings(BaseModel):
    """The query engine."""

    backend: Literal["duckdb", "spark"] = Field("duckdb", description="duckdb (embedded) or spark")
    row_limit: int = Field(10_000, ge=1, description="Default maximum rows a query returns")
    timeout_s: float = Field(300.0, gt=0, description="Default query time limit in seconds")
    read_only: bool = Field(True, description="Refuse writes unless the caller holds write permission")
    memory_limit: str = Field("4g", description="DuckDB memory limit")
    threads: int | None = Field(None, ge=1, description="DuckDB threads; default all cores")
    optimizer_enabled: bool = Field(True, description="Run the query optimizer before execution")
    max_sql_chars: int = Field(100_000, ge=1, description="Longest SQL text accepted, in characters")
    # Past ~250 the parser itself runs out of stack; the cap keeps the check meaningful.
    max_sql_depth: int = Field(100, ge=1, le=200, description="Deepest parenthesis nesting accepted in SQL")

    _mem = field_validator("memory_limit")(classmethod(lambda cls, v: _check_memory(v)))


class ApiSettings(BaseModel):
    """The REST API (neurolake serve)."""

    host: str = Field("127.0.0.1", description="Address the API binds to")
    port: int = Field(8080, ge=1, le=65535, description="API port")
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins (JSON list)")
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest request body of a JSON route; larger ones get 413 unread"
    )
    max_upload_bytes: int = Field(
        1024 * 1024 * 1024, ge=1024, description="Largest request body of an upload (POST /api/v1/tables)"
    )


class ChatSettings(BaseModel):
    """The chat UI (neurolake chat)."""

    host: str = Field("127.0.0.1", description="Address the chat UI binds to")
    port: int = Field(8000, ge=1, le=65535, description="Chat UI port")
    admin_user: str = Field("admin", min_length=1, description="User name for the chat login")
    admin_password: SecretStr | None = Field(
        None, description="Chat login password (secret); unset leaves the chat open, without login"
    )
    auth_secret: SecretStr | None = Field(
        None, description="Key that signs chat sessions (secret); default a new random key at each start"
    )


class LogSettings(BaseModel):
    """Logging."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level")
    format: Literal["text", "json"] = Field("text", description="text (human) or json (one object a line)")

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class Settings(BaseSettings):
    """Every setting NeuroLake reads, validated once at start-up."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        env_file=".env",
        extra="ignore",
    )

    home: Path = Field(Path(".neurolake"), description="Folder for embedded data: catalog, lakehouse, vectors")
    environment: Literal["development", "test", "production"] = Field(
        "development", description="production refuses placeholder secrets"
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    spark: SparkSettings = Field(default_factory=SparkSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    vector: VectorSettings = Field(default_factory=VectorSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Settings:
        if self.environment != "production":
            return self
        for group, name in (
            ("llm", "api_key"),
            ("vector", "api_key"),
            ("storage", "s3_secret_access_key"),
            ("chat", "admin_password"),
            ("chat", "auth_secret"),
        ):
            secret = getattr(getattr(self, group), name)
            if secret is not None and secret.get_secret_value().strip().lower() in _PLACEHOLDER_SECRETS:
                raise ValueError(
                    f"{ENV_PREFIX}{group.upper()}{NESTED_DELIMITER}{name.upper()} holds a placeholder; "
                    "set a real secret in production"
                )
        return self

    # Derived locations: one place decides where embedded data lives.
    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{(self.home / 'catalog.db').resolve()}"

    @property
    def lakehouse_root(self) -> str:
        return self.storage.root or str((self.home / "lakehouse").resolve())

    @property
    def qdrant_path(self) -> str:
        return self.vector.path or str((self.home / "qdrant").resolve())
