"""Engine and sessions for SQLite (embedded default, WAL) and PostgreSQL, plus schema upgrade via Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(RuntimeError):
    """The database cannot be used; the message names the problem and the fix."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """SQLite with WAL pragmas, or a pooled PostgreSQL engine (pool_size kept open, max_overflow more at a burst)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow,
                         connect_args={"connect_timeout": 5})


def explain(exc: Exception, url: str) -> StoreError:
    """Turn a driver error into one line that names the problem and the fix."""
    shown = make_url(url).render_as_string(hide_password=True)
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    if "locked" in text:
        return StoreError(f"database {shown} is locked by another process: {text}. Close the other writer and retry.")
    if "unable to open" in text or "could not connect" in text or "Connection refused" in text or "does not exist" in text:
        return StoreError(f"cannot reach database {shown}: {text}. Check COPILOT_DATABASE_URL or start the server.")
    return StoreError(f"database {shown} failed: {text}")


class Database:
    """One engine and a session factory; `session()` commits on success and rolls back on any error."""

    def __init__(self, url: str, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size, max_overflow)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise explain(exc, self.url) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        return config

    def upgrade(self) -> None:
        """Bring the schema to the latest migration (idempotent)."""
        try:
            with self.engine.begin() as connection:
                config = self.alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise explain(exc, self.url) from exc

    def is_current(self) -> bool:
        try:
            return inspect(self.engine).has_table("alembic_version")
        except SQLAlchemyError as exc:
            raise explain(exc, self.url) from exc

    def dispose(self) -> None:
        self.engine.dispose()


@lru_cache(maxsize=8)
def open_database(url: str, pool_size: int = 10, max_overflow: int = 20) -> Database:
    """A process-wide Database per URL (and pool size), migrated to the latest schema."""
    database = Database(url, pool_size, max_overflow)
    database.upgrade()
    return database
