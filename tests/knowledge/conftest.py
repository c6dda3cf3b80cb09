"""Knowledge fixtures: the full corpus indexed once per session, and a small mutable corpus per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from copilot.config import Settings
from knowledge import HybridRetriever, ingest
from tests.conftest import make_settings

FIXTURE_DOCS = Path(__file__).resolve().parent / "fixtures" / "docs"


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory) -> Settings:
    """Settings whose embedded Chroma index holds the whole shipped corpus (ingested once per session)."""
    settings = make_settings(tmp_path_factory.mktemp("kb"))
    ingest(settings)
    return settings


@pytest.fixture(scope="session")
def retriever(kb_settings) -> HybridRetriever:
    return HybridRetriever(kb_settings)


@pytest.fixture
def mini_docs(tmp_path) -> Path:
    """A private copy of the seven-file fixture corpus that a test may edit."""
    target = tmp_path / "docs"
    shutil.copytree(FIXTURE_DOCS, target)
    return target
