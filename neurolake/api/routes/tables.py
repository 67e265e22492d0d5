"""/api/v1/tables: list, describe, history, rows as of a version, upload, optimize, vacuum."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, UploadFile, status

from neurolake.api.deps import (
    AdminUser,
    AnalystUser,
    ApiStateDep,
    AuditorDep,
    EngineDep,
    SessionDep,
    SettingsDep,
    StorageDep,
    ViewerUser,
)
from neurolake.api.schemas.queries import MAX_ROWS, QueryPublic
from neurolake.api.schemas.tables import (
    CommitPublic,
    IngestPublic,
    OptimizeCreate,
    OptimizePublic,
    TablePublic,
    VacuumCreate,
    VacuumPublic,
)
from neurolake.catalog.repositories import tables as tables_repo
from neurolake.storage.ingest import detect_format, ingest_file
from neurolake.storage.sql import quote_identifier

router = APIRouter(prefix="/tables", tags=["tables"])
TableName = Annotated[str, Path(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$", description="Table name")]
_CHUNK = 1024 * 1024


@router.get("", response_model=list[TablePublic])
def list_tables(user: ViewerUser, session: SessionDep) -> list:
    """Every table in the catalog with its columns."""
    return tables_repo.list_tables(session)


@router.get("/{name}", response_model=TablePublic)
def describe_table(name: TableName, user: ViewerUser, storage: StorageDep, session: SessionDep) -> object:
    """One table: version, size, partitioning and columns."""
    storage.open_table(name)  # raises TableNotFoundError with a suggestion; refreshes a stale catalog row
    session.expire_all()
    table = tables_repo.get_table(session, name)
    if table is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Table {name!r} is not in the catalog.")
    return table


@router.get("/{name}/history", response_model=list[CommitPublic])
def table_history(
    name: TableName, user: ViewerUser, storage: StorageDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict]:
    """The table's commits, newest first."""
    return storage.history(name, limit)


@router.get("/{name}/rows", response_model=QueryPublic)
def read_rows(
    name: TableName,
    user: AnalystUser,
    engine: EngineDep,
    audit: AuditorDep,
    version: Annotated[int | None, Query(ge=0, le=2**62, description="Read as of this version")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 100,
    page: Annotated[int | None, Query(ge=1, le=2**31)] = None,
) -> dict:
    """Rows of the table, latest or as of ``version`` (through the engine, so it is in your history)."""
    sql = f"SELECT * FROM {quote_identifier(name)}" + (f" VERSION AS OF {version}" if version is not None else "")
    with audit.action("table.read", table=name, version=version) as details:
        result = engine.execute_sql(sql, limit=limit, page=page, page_size=limit if page else None, user=user)
        details["rows"] = result.row_count
    return result.to_dict()


@router.post("", response_model=IngestPublic, status_code=status.HTTP_201_CREATED)
def create_table(
    user: AdminUser,
    storage: StorageDep,
    engine: EngineDep,
    settings: SettingsDep,
    state: ApiStateDep,
    audit: AuditorDep,
    file: Annotated[UploadFile, File(description="CSV, Parquet or JSON-lines file")],
    name: Annotated[str, Form(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")],
    mode: Annotated[Literal["append", "overwrite", "merge"], Form()] = "append",
    key: Annotated[str | None, Form(description="Comma-separated key columns for mode=merge")] = None,
    evolve: Annotated[bool, Form(description="Let the file add columns")] = False,
) -> IngestPublic:
    """Create (or add to) a table from an uploaded file, in one commit: a bad file changes nothing."""
    filename = FilePath(file.filename or "upload").name
    file_format = detect_format(FilePath(filename))  # IngestError (400) before reading the body
    suffix = FilePath(filename).suffix.lower()
    keys = [k.strip() for k in (key or "").split(",") if k.strip()]
    with audit.action("table.create", table=name, mode=mode, filename=filename) as details:
        existed = storage.exists(name)
        with _spooled(file, settings.home, suffix, state.limits.max_upload_bytes) as path:
            result = ingest_file(
                storage, path, name, mode=mode, key=keys or None, evolve=evolve, file_format=file_format
            )
        engine.invalidate(name)
        details.update(rows=result.rows, version=result.version)
    return IngestPublic(
        table=result.table,
        format=result.format,
        mode=result.mode,
        rows=result.rows,
        version=result.version,
        inserted=result.inserted,
        updated=result.updated,
        created=not existed,
    )


@router.post("/{name}/optimize", response_model=OptimizePublic)
def optimize_table(
    name: TableName, user: AdminUser, storage: StorageDep, audit: AuditorDep, body: OptimizeCreate | None = None
) -> OptimizePublic:
    """Compact small files (and Z-order them)."""
    zorder = (body or OptimizeCreate()).zorder_by
    with audit.action("table.optimize", table=name, zorder_by=zorder) as details:
        metrics = storage.optimize(name, zorder_by=zorder)
        details["version"] = metrics.get("version")
    return OptimizePublic(table=name, version=int(metrics.get("version", 0)), metrics=_jsonable(metrics))


@router.post("/{name}/vacuum", response_model=VacuumPublic)
def vacuum_table(
    name: TableName, user: AdminUser, storage: StorageDep, audit: AuditorDep, body: VacuumCreate | None = None
) -> VacuumPublic:
    """Delete files no version within the retention needs (a dry run by default)."""
    options = body or VacuumCreate()
    with audit.action(
        "table.vacuum", table=name, retention_hours=options.retention_hours, dry_run=options.dry_run
    ) as details:
        files = storage.vacuum(name, retention_hours=options.retention_hours, dry_run=options.dry_run)
        details["files"] = len(files)
    return VacuumPublic(table=name, dry_run=options.dry_run, files=files)


class _spooled:
    """The upload copied to a temporary file (ingest reads files), refused past ``limit`` bytes."""

    def __init__(self, upload: UploadFile, home: FilePath, suffix: str, limit: int) -> None:
        self.upload, self.suffix, self.limit = upload, suffix, limit
        self.folder = FilePath(home) / "tmp" / "uploads"

    def __enter__(self) -> FilePath:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=self.folder, suffix=self.suffix, delete=False)
        self.path = FilePath(handle.name)
        with handle:
            written = 0
            while chunk := self.upload.file.read(_CHUNK):
                written += len(chunk)
                if written > self.limit:
                    self.path.unlink(missing_ok=True)
                    raise HTTPException(
                        413,
                        f"The upload is larger than the {self.limit:,}-byte limit.",
                    )
                handle.write(chunk)
        return self.path

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)


def _jsonable(metrics: dict) -> dict:
    """delta-rs metrics hold only numbers and strings, but be sure before sending them."""
    return {k: v if isinstance(v, int | float | str | bool | None) else str(v) for k, v in metrics.items()}
