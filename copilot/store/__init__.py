"""The bank's database: models, engine/session factory, Alembic migrations."""

from copilot.store.db import Database, StoreError, open_database

__all__ = ["Database", "StoreError", "open_database"]
