"""A private bench workspace: a temp folder with a freshly seeded demo bank and a knowledge index.

The index is copied from the configured one when it exists (then brought up to date incrementally), else built,
so a bench run never touches the real data folder and does not pay a full ingest twice.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from copilot.config import Settings, load_settings
from copilot.runtime import Runtime


def isolated_settings(base: Settings, data_dir: Path, **overrides) -> Settings:
    """The base settings pointed at data_dir: embedded SQLite and Chroma there, in-process limits and notices, offline
    provider, unless overridden."""
    values = {**base.model_dump(), "data_dir": data_dir, "database_url": "", "chroma_path": None, "chroma_url": "",
              "redis_url": "", "provider": "offline"}
    return load_settings(**{**values, **overrides})


def server_env(settings: Settings) -> dict[str, str]:
    """COPILOT_* variables that make a server process use exactly these settings (and no rate limit)."""
    return {"COPILOT_DATA_DIR": str(settings.data_dir), "COPILOT_DATABASE_URL": settings.database_url,
            "COPILOT_CHROMA_PATH": str(settings.chroma_dir), "COPILOT_CHROMA_URL": settings.chroma_url,
            "COPILOT_PROVIDER": settings.provider, "COPILOT_CLOCK": settings.clock,
            "COPILOT_DEMO_AS_OF": settings.demo_as_of.isoformat() if settings.demo_as_of else "",
            "COPILOT_KB_COLLECTION": settings.kb_collection, "COPILOT_DEMO_MODE": "true",
            "COPILOT_REDIS_URL": settings.redis_url, "COPILOT_DB_POOL_SIZE": str(settings.db_pool_size),
            "COPILOT_DB_MAX_OVERFLOW": str(settings.db_max_overflow),
            "COPILOT_API_RATE_PER_MINUTE": "1000000", "COPILOT_API_RATE_BURST": "100000"}


class Workspace:
    """Temp folder holding `data/` (demo bank + index); `copy()` hands out independent copies for servers."""

    def __init__(self, base: Settings | None = None, root: Path | None = None) -> None:
        self.base = base or load_settings()
        self.root = Path(root or tempfile.mkdtemp(prefix="copilot-bench-"))
        self.settings = isolated_settings(self.base, self.root / "data")
        self._copies = 0

    def prepare(self) -> Workspace:
        from knowledge.ingest import ingest

        runtime = Runtime(self.settings)
        runtime.seed_demo()
        runtime.db.dispose()
        source = Path(self.base.chroma_dir)
        if not self.base.chroma_url and (source / "chroma.sqlite3").exists():
            shutil.copytree(source, self.settings.chroma_dir, dirs_exist_ok=True)
        ingest(self.settings)                     # incremental: embeds only what the copied index lacks
        return self

    def copy(self, name: str | None = None) -> Settings:
        """Settings on a fresh copy of the prepared data folder."""
        self._copies += 1
        target = self.root / (name or f"copy-{self._copies}") / "data"
        shutil.copytree(self.settings.data_dir, target)
        return isolated_settings(self.base, target)

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Workspace:
        try:
            return self.prepare()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc) -> None:
        self.cleanup()
