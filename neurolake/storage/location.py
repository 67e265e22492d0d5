"""Where tables live: local folders or S3, and the delta-rs storage options to reach them."""

from __future__ import annotations

from typing import Any

from neurolake.errors import ConfigurationError

#: The setting that switches S3 to a commit mode safe for concurrent writers.
SAFE_MODE_SETTING = "NEUROLAKE_STORAGE__S3_COMMIT_MODE=conditional_put"
COMMIT_MODES = ("single_writer", "conditional_put", "dynamodb")


def is_object_store(uri: str) -> bool:
    """True for s3:// (and s3a://) roots, False for local folders."""
    return uri.startswith(("s3://", "s3a://"))


def normalize_root(root: str) -> str:
    """A root without a trailing slash; ``file://`` becomes a plain path, s3a:// becomes s3://."""
    if root.startswith("file://"):
        root = root[len("file://") :]
    if root.startswith("s3a://"):
        root = "s3://" + root[len("s3a://") :]
    return root.rstrip("/") or "/"


def join(root: str, name: str) -> str:
    """The URI of ``name`` under ``root`` (a folder or an s3:// prefix)."""
    return f"{root.rstrip('/')}/{name}"


def s3_storage_options(
    *,
    region: str | None = None,
    endpoint: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    allow_http: bool = False,
) -> dict[str, str]:
    """delta-rs (object_store) options for an S3 or S3-compatible endpoint."""
    options: dict[str, str] = {}
    if region:
        options["AWS_REGION"] = region
    if endpoint:
        options["AWS_ENDPOINT_URL"] = endpoint
    if access_key_id:
        options["AWS_ACCESS_KEY_ID"] = access_key_id
    if secret_access_key:
        options["AWS_SECRET_ACCESS_KEY"] = secret_access_key
    if allow_http:
        options["AWS_ALLOW_HTTP"] = "true"
    return options


def commit_mode_options(mode: str) -> dict[str, str]:
    """Options that make delta-rs commit safely under ``mode`` on S3.

    ``conditional_put`` uses S3 conditional writes (``If-None-Match``/ETag): every commit is a
    put-if-absent of the next log file, so two writers can never both win the same version.
    ``single_writer`` adds nothing: NeuroLake itself refuses overlapping writers.
    """
    if mode not in COMMIT_MODES:
        raise ConfigurationError(f"Unknown S3 commit mode {mode!r}; use one of {', '.join(COMMIT_MODES)}.")
    if mode == "dynamodb":
        raise ConfigurationError(
            "s3_commit_mode=dynamodb is not available: delta-rs 1.x removed its DynamoDB lock client.",
            hint=f"S3 supports conditional writes now; set {SAFE_MODE_SETTING} instead.",
        )
    if mode == "conditional_put":
        return {"aws_conditional_put": "etag"}
    return {}


def options_from_settings(settings: Any) -> dict[str, str]:
    """Storage options for ``settings.storage`` (empty for a local root)."""
    storage = settings.storage
    if not is_object_store(settings.lakehouse_root):
        return {}

    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    return s3_storage_options(
        region=storage.s3_region,
        endpoint=storage.s3_endpoint,
        access_key_id=secret(storage.s3_access_key_id),
        secret_access_key=secret(storage.s3_secret_access_key),
        allow_http=storage.s3_allow_http,
    )
