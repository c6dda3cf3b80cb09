"""A scratch PostgreSQL database for one run (the bench's fleet figures, the tests): created, then dropped."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(server_url: str, prefix: str = "copilot_scratch") -> Iterator[str]:
    """A new, empty database on the PostgreSQL server of `server_url` (any database there that the user may connect
    to, with the right to create databases); yields its SQLAlchemy URL and drops it afterwards, sessions and all."""
    import psycopg

    parsed = make_url(server_url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"{parsed.render_as_string(hide_password=True)} is not a PostgreSQL URL: use "
                         "postgresql+psycopg://user@host:5432/postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        from copilot.store.db import open_database
        open_database.cache_clear()
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
