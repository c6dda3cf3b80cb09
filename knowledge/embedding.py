"""The Chroma embedding function for the knowledge base: a registered wrapper over `copilot.embeddings`.

Chroma 1.5 persists an embedding function's name and config with each collection and resolves it again by
name when the collection is reopened, so the class must be registered (`@register_embedding_function`) and
imported before any collection is opened. It reuses the process-wide MiniLM model (`get_embedder()`), so the
planner, the compliance guards and the retriever load one model between them and never download anything.
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from copilot.embeddings import DIMENSION, get_embedder

MODEL_NAME = "all-MiniLM-L6-v2"


@register_embedding_function
class CopilotMiniLM(EmbeddingFunction[Documents]):
    """Normalised 384-d MiniLM sentence embeddings, cosine space."""

    def __init__(self) -> None:
        """Stateless: the model itself is the shared `get_embedder()` singleton, loaded on first use."""

    def __call__(self, input: Documents) -> Embeddings:
        return list(get_embedder().encode(list(input)))

    @staticmethod
    def name() -> str:
        return "copilot-minilm"

    def get_config(self) -> dict[str, Any]:
        return {"model": MODEL_NAME, "dimension": DIMENSION}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> CopilotMiniLM:
        if config.get("model", MODEL_NAME) != MODEL_NAME:
            raise ValueError(f"collection was embedded with {config.get('model')!r}, this build ships {MODEL_NAME}; "
                             "run `copilot kb ingest --rebuild`")
        return CopilotMiniLM()

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine"]
