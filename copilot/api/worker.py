"""The app as `copilot serve` hands it to uvicorn's workers: torch-free first (copilot.lean), then the factory."""

from copilot.lean import refuse_training_libraries

refuse_training_libraries()                    # before any library below can probe for torch

from copilot.api.app import create_app  # noqa: E402

__all__ = ["create_app"]
