"""The catalog database: connection, sessions and migrations."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from neurolake.catalog.outage import raise_when_unreachable
from neurolake.errors import CatalogError, ConfigurationError

log = logging.getLogger(__name__)

# Alembic's commands swap module-level proxies (alembic.context, alembic.op): one at a time per process.
_ALEMBIC_LOCK = threading.Lock()

#: The migrations folder shipped at the top of the repository.
ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"
_REVISION_LINE = re.compile(r"""^(down_revision|revision)\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def script_heads(versions: Path = ALEMBIC_DIR / "versions") -> set[str]:
    """The migration scripts' head revisions, read from their ``revision =`` lines.

    Importing Alembic and loading its scripts costs a quarter of a second; every command
    asks whether the catalog is up to date, and the answer is nearly always yes.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        for kind, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8")):
            (revisions if kind == "revision" else parents).add(value)
    return revisions - parents


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets readers work while a writer commits; foreign keys are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Catalog:
    """Owns the catalog's SQLAlchemy engine; hands out transactional sessions."""

    def __init__(self, url: str, *, auto_upgrade: bool = True, echo: bool = False, connect_timeout_s: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A server that does not answer (host down, packets dropped) fails in seconds, not minutes.
        connect_args = {"connect_timeout": connect_timeout_s} if parsed.get_backend_name() == "postgresql" else {}
        self.engine: Engine = create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args)
        raise_when_unreachable(self.engine)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._auto_upgrade = auto_upgrade
        self._ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> Catalog:
        return cls(
            settings.database_url,
            auto_upgrade=settings.database.auto_upgrade,
            echo=settings.database.echo,
            connect_timeout_s=settings.database.connect_timeout_s,
        )

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            if self._auto_upgrade and not self._at_head():
                try:
                    self.upgrade()
                except SQLAlchemyError:
                    # Another process may have migrated the same file first; its DDL won the race.
                    time.sleep(0.5)
                    self.upgrade()
            self._ready = True

    def _at_head(self) -> bool:
        """True when the database's revision is the newest script's (then Alembic need not load)."""
        try:
            with self.engine.connect() as conn:
                current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        except SQLAlchemyError:
            return False  # no version table yet: a new catalog
        heads = script_heads()
        return bool(heads) and current == heads

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        self._ensure_ready()
        session = self._sessions()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as e:
            session.rollback()
            raise CatalogError(
                f"The catalog database failed: {e.__class__.__name__}: {e.args[0] if e.args else e}"
            ) from e
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def check(self) -> None:
        """Raise ``CatalogUnavailableError`` now if the catalog database cannot be reached."""
        with self.session() as session:
            session.execute(text("SELECT 1"))

    def _alembic_config(self):
        from alembic.config import Config

        if not (ALEMBIC_DIR / "env.py").exists():
            raise ConfigurationError(
                f"Migrations folder {ALEMBIC_DIR} is missing.",
                hint="Install NeuroLake from its source tree (pip install -e .).",
            )
        cfg = Config()
        cfg.set_main_option("script_location", str(ALEMBIC_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Apply migrations up to ``revision``."""
        from alembic import command

        cfg = self._alembic_config()
        with _ALEMBIC_LOCK, self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        log.info("catalog upgraded to %s", revision)

    def downgrade(self, revision: str = "base") -> None:
        """Revert migrations down to ``revision``."""
        from alembic import command

        cfg = self._alembic_config()
        with _ALEMBIC_LOCK, self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
        self._ready = False
        log.info("catalog downgraded to %s", revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def table_names(self) -> set[str]:
        return set(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        self.engine.dispose()
