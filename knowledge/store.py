"""Where the index lives: an embedded persistent Chroma folder by default, a Chroma server when a URL is set.

This module opens clients and collections and turns Chroma's failures into `KnowledgeIndexError` messages that
say how to fix them. An embedded index that cannot be opened (a corrupt file) is moved aside and recreated,
since the markdown corpus, not the index, is the source of truth; a server that does not answer is reported.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

from copilot.config import Settings
from copilot.context import KnowledgeUnavailable
from copilot.offline import go_offline
from knowledge.embedding import CopilotMiniLM

log = logging.getLogger(__name__)
SCHEMA = "copilot-kb/1"          # collection metadata marker: chunk metadata layout this code reads and writes


class KnowledgeIndexError(KnowledgeUnavailable):
    """The knowledge index cannot be opened or rebuilt; the message says how to fix it."""


def describe(settings: Settings) -> str:
    """Where the index is, for messages: the server URL or the folder, and the collection."""
    where = settings.chroma_url or str(settings.chroma_dir)
    return f"collection {settings.kb_collection!r} at {where}"


def _chroma_settings() -> ChromaSettings:
    return ChromaSettings(anonymized_telemetry=False)


def _server_client(url: str) -> ClientAPI:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KnowledgeIndexError(f"COPILOT_CHROMA_URL={url!r} is not a server URL: use http://host:port")
    port = parts.port or (443 if parts.scheme == "https" else 8000)
    try:
        client = chromadb.HttpClient(host=parts.hostname, port=port, ssl=parts.scheme == "https",
                                     settings=_chroma_settings())
        client.heartbeat()
    except Exception as exc:                                    # noqa: BLE001 - any failure means "not reachable"
        raise KnowledgeIndexError(f"the Chroma server at {url} does not answer ({type(exc).__name__}: {exc}); "
                                  "start it with `chroma run --path DIR --port N`, or unset COPILOT_CHROMA_URL "
                                  "to use the embedded index") from None
    return client


def forget_embedded(path: Path) -> None:
    """Drop Chroma's per-process cached system for this folder, as a fresh process would start without it
    (a failed open leaves a broken one behind)."""
    systems = getattr(SharedSystemClient, "_identifier_to_system", {})
    system = systems.pop(str(path), None)
    if system is not None:
        try:
            system.stop()
        except Exception:                                       # noqa: BLE001 - it is already broken
            log.debug("stopping a broken Chroma system failed", exc_info=True)


def _quarantine(path: Path, error: Exception) -> Path:
    forget_embedded(path)
    aside = path.with_name(f"{path.name}.corrupt-{datetime.now():%Y%m%d-%H%M%S-%f}")
    path.rename(aside)
    log.error("knowledge index at %s could not be opened (%s: %s); moved it to %s and rebuilding it from the "
              "corpus", path, type(error).__name__, error, aside)
    return aside


def _embedded_client(path: Path) -> ClientAPI:
    if not (path / "chroma.sqlite3").exists():
        forget_embedded(path)        # deleted under us: a cached system would open empty files, one per thread
    path.mkdir(parents=True, exist_ok=True)
    try:
        client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        client.list_collections()
        return client
    except Exception as exc:                                    # noqa: BLE001 - a corrupt index is rebuilt
        _quarantine(path, exc)
    path.mkdir(parents=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    except Exception as exc:                                    # noqa: BLE001
        forget_embedded(path)
        raise KnowledgeIndexError(f"cannot create a knowledge index in {path}: {exc}") from exc


def open_client(settings: Settings) -> ClientAPI:
    """A Chroma client for these settings: the server at chroma_url, else the embedded folder chroma_dir."""
    go_offline()
    if settings.chroma_url:
        return _server_client(settings.chroma_url)
    return _embedded_client(Path(settings.chroma_dir))


def get_collection(client: ClientAPI, settings: Settings) -> Collection | None:
    """The knowledge collection, or None when it has not been created yet; a foreign collection is an error."""
    try:
        collection = client.get_collection(settings.kb_collection, embedding_function=CopilotMiniLM())
    except NotFoundError:
        return None
    except ValueError as exc:            # Chroma reports a missing collection or a foreign embedding function so
        if "does not exist" in str(exc):
            return None
        raise KnowledgeIndexError(f"{describe(settings)} cannot be used: {exc}; "
                                  "run `copilot kb ingest --rebuild`") from None
    schema = (collection.metadata or {}).get("schema")
    if schema != SCHEMA:
        raise KnowledgeIndexError(f"{describe(settings)} was not built by `copilot kb ingest` (schema {schema!r}, "
                                  f"expected {SCHEMA!r}); run `copilot kb ingest --rebuild` or choose another "
                                  "COPILOT_KB_COLLECTION")
    return collection


def collection_metadata(revision: str = "", **counts: int) -> dict[str, str | int]:
    """What the collection records about itself; retrievers compare `revision` to notice a re-ingest."""
    return {"schema": SCHEMA, "revision": revision, **counts}


def create_collection(client: ClientAPI, settings: Settings, *, replace: bool = False) -> Collection:
    """The knowledge collection, created with our embedding function if needed (with replace: dropped first)."""
    if replace:
        try:
            client.delete_collection(settings.kb_collection)
        except (NotFoundError, ValueError):
            log.debug("no collection %s to drop", settings.kb_collection)
    existing = get_collection(client, settings)
    if existing is not None:
        return existing
    return client.create_collection(settings.kb_collection, embedding_function=CopilotMiniLM(),
                                    metadata=collection_metadata())
