"""Serving processes never load torch or transformers: libraries that probe for them are told they are absent.

spaCy's thinc imports torch whenever it is installed, and Presidio imports its transformers engine; neither is used
here (the runtime's models run on onnxruntime), yet together they cost about 300 MB and seconds of start-up per
worker. Training and export (`copilot nlu train`, the embedder export) run in their own processes.
"""

from __future__ import annotations

import importlib.abc
import sys

TRAINING_ONLY = frozenset({"torch", "transformers", "sentence_transformers", "sklearn", "scipy"})


class _Refuse(importlib.abc.MetaPathFinder):
    """Answers every import of a training-only library as "not installed" (what optional-import code expects)."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in TRAINING_ONLY:
            raise ModuleNotFoundError(f"No module named {name!r} (the serving runtime does not load it)", name=name)
        return None


def refuse_training_libraries() -> None:
    """From now on this process cannot import torch, transformers or sentence-transformers (idempotent)."""
    if not any(isinstance(finder, _Refuse) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Refuse())
