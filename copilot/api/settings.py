"""API server settings (COPILOT_API_* environment variables); the bank-wide settings stay in copilot.config."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Limits and switches of the HTTP surface; every default is safe for production."""

    model_config = SettingsConfigDict(env_prefix="COPILOT_API_", env_file=".env", extra="ignore")

    max_body_bytes: int = Field(default=64_000, ge=1_024, description="Larger request bodies get 413.")
    rate_per_minute: float = Field(default=120, gt=0, description="Sustained requests a minute per token "
                                                                 "(per worker; fleet-wide with COPILOT_REDIS_URL).")
    rate_burst: int = Field(default=40, ge=1, description="Requests a token may make at once before throttling.")
    demo_token_days: int = Field(default=7, ge=1, le=90, description="Lifetime of the tokens printed in demo mode.")
    token_days: int = Field(default=90, ge=1, le=730, description="Default lifetime of tokens minted by an admin.")
    warmup: bool = Field(default=True, description="Load the models and the knowledge index before serving.")
    turn_concurrency: int = Field(default=2, ge=1, le=64, description="Copilot turns computed at once per worker; "
                                  "more wait their turn in order (a turn is CPU-bound: more threads only thrash).")
    live_check_seconds: float = Field(default=3.0, gt=0, le=300, description="A live stream re-reads the database "
                                      "at least this often, whether or not a notice came.")
    poll_seconds: float = Field(default=3.0, gt=0, description="How often the assist panel polls; how long "
                                "the chat waits before reopening a dropped live stream.")
