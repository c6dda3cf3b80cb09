"""Settings: the one place configuration is read (COPILOT_* environment variables and .env)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


KEYGEN = ("make a key with `python -c \"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\"` "
          "and set COPILOT_VAULT_KEY to it (keep it secret; to rotate, put the new key first: COPILOT_VAULT_KEY=new,old)")


class ConfigError(RuntimeError):
    """A setting is wrong or missing; the message says how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COPILOT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Folder for the SQLite file and the Chroma index.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means sqlite:///<data_dir>/copilot.db.")
    chroma_path: Path | None = Field(default=None, description="Embedded Chroma folder; empty means <data_dir>/chroma.")
    chroma_url: str = Field(default="", description="http://host:port of a Chroma server (chroma run); overrides chroma_path.")
    kb_collection: str = "bank_kb"
    redis_url: str = Field(default="", description="redis://host:port/db shared by every worker: rate limits, hand-off "
                                                   "notices and the fan-out of agent replies; empty means in-process.")
    db_pool_size: int = Field(default=10, ge=1, le=200, description="PostgreSQL connections each worker keeps open.")
    db_max_overflow: int = Field(default=20, ge=0, le=400, description="Extra PostgreSQL connections a worker may open "
                                                                      "under a burst (closed when returned).")
    provider: str = Field(default="offline", description="offline | openai:MODEL")
    openai_base_url: str = Field(default="", description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")
    openai_api_key: str = ""
    openai_timeout_s: float = 30.0
    openai_max_retries: int = 2
    turn_deadline_s: float = Field(default=12.0, gt=0, le=600,
                                   description="A turn's time for model calls; then the offline planner answers.")
    openai_streaming: bool = Field(default=True, description="Ask the endpoint for SSE streaming.")
    context_budget_tokens: int = Field(default=3000, ge=500, le=200_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="WARNING", description="INFO adds one access-log line per request to `copilot serve` (no message text).")
    host: str = Field(default="127.0.0.1", min_length=1, description="Interface `copilot serve` listens on "
                                                                     "(0.0.0.0 for every interface).")
    port: int = Field(default=8000, ge=1, le=65535, description="TCP port `copilot serve` listens on.")
    clock: str = Field(default="system", description="system | an ISO date/time that freezes the bank's clock (tests, evals)")
    demo_as_of: date | None = Field(default=None, description="Last day of the demo bank's history; empty means today.")
    demo_mode: bool = Field(default=True, description="Allows the printed demo tokens; switch off in production.")
    max_message_chars: int = 4000
    cache_dir: Path = Field(default=Path.home() / ".cache" / "copilot",
                            description="Derived artifacts safe to delete (the exported embedding model).")
    nlu_model_dir: Path | None = Field(default=None, description="Folder of a trained understanding model to use "
                                                                 "instead of the shipped one (copilot nlu train --out).")
    vault_key: SecretStr | None = Field(default=None, validate_default=True,
                                        description="Fernet key(s) of the PII vault, comma-separated, newest first; "
                                                    "demo mode makes one in <data_dir>/vault.key when empty.")
    pii_retention_days: int = Field(default=30, ge=1, le=3650,
                                    description="Days the vault keeps a customer's typed PII before purging it.")
    # moving money: limits and the risk rules that ask for a one-time code (tools/risk.py says why each exists)
    payment_daily_limit: float = Field(default=5000, gt=0, description="Most a customer may send to other people and "
                                       "businesses in one day, in their home currency (own-account moves excluded); "
                                       "the published instant-transfer limit.")
    payment_single_limit: float = Field(default=2500, gt=0, description="Most one payment to someone else may be "
                                        "(the published instant-transfer limit per transfer).")
    new_payee_first_day_limit: float = Field(default=1000, gt=0, description="Most that may be sent to a payee in "
                                             "the first 24 hours after adding them (published; scams pay someone new).")
    step_up_new_payee_days: int = Field(default=30, ge=0, le=365, description="A payee added within this many days "
                                        "is new: paying them needs a one-time code.")
    step_up_fresh_minutes: int = Field(default=10, ge=0, le=60, description="A payee added (always with a code) "
                                       "this recently was verified just now: the first payment to them needs no second "
                                       "code for being new (the other signals still apply).")
    step_up_usual_factor: float = Field(default=2.0, ge=1, le=20, description="A payment more than this many times "
                                        "the customer's usual (90th percentile of 180 days) needs a one-time code.")
    step_up_usual_floor: float = Field(default=250, ge=0, description="Payments up to this amount are never 'above "
                                       "usual' (small amounts vary a lot without risk).")
    step_up_after_fraud_days: int = Field(default=7, ge=0, le=90, description="Days after a fraud alert or a card "
                                          "freeze during which any payment needs a one-time code.")
    step_up_new_device_days: int = Field(default=7, ge=0, le=365, description="Payments to others from a browser or "
                                         "app first seen within this many days need a one-time code (0: never).")
    step_up_max_attempts: int = Field(default=5, ge=1, le=20, description="Wrong codes in a row before step-up locks.")
    step_up_lockout_minutes: int = Field(default=15, ge=1, le=1440, description="How long step-up stays locked.")

    @field_validator("provider")
    @classmethod
    def _provider_known(cls, value: str) -> str:
        kind, _, model = value.partition(":")
        if kind == "offline" and not model:
            return value
        if kind == "openai" and model:
            return value
        raise ValueError(f"unknown provider {value!r}: use 'offline' or 'openai:MODEL' (e.g. openai:gpt-4o-mini)")

    @field_validator("clock")
    @classmethod
    def _clock_valid(cls, value: str) -> str:
        if value != "system":
            try:
                datetime.fromisoformat(value)
            except ValueError as exc:
                raise ValueError(f"COPILOT_CLOCK={value!r} is neither 'system' nor an ISO date/time") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _url_known(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError(f"COPILOT_DATABASE_URL={value!r}: use sqlite:///path.db or postgresql+psycopg://user@host/db")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_known(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"COPILOT_REDIS_URL={value!r}: use redis://host:6379/0 (or rediss:// for TLS), or leave it "
                             "empty for in-process limits and notices")
        return value

    @field_validator("vault_key")
    @classmethod
    def _vault_key_set(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            if info.data.get("demo_mode", True):
                return None
            raise ValueError(f"COPILOT_VAULT_KEY is not set; production (COPILOT_DEMO_MODE=false) needs one for the "
                             f"PII vault: {KEYGEN}")
        from cryptography.fernet import Fernet

        for key in value.get_secret_value().split(","):
            try:
                Fernet(key.strip())
            except ValueError:
                raise ValueError(f"COPILOT_VAULT_KEY holds a key that is not a Fernet key: {KEYGEN}") from None
        return value

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'copilot.db'}"

    @property
    def chroma_dir(self) -> Path:
        return self.chroma_path or self.data_dir / "chroma"

    @property
    def provider_kind(self) -> str:
        return self.provider.partition(":")[0]

    @property
    def provider_model(self) -> str:
        return self.provider.partition(":")[2]

    def now(self) -> datetime:
        """The bank's clock: real UTC time, or the frozen instant of COPILOT_CLOCK."""
        if self.clock == "system":
            return datetime.now(timezone.utc)
        frozen = datetime.fromisoformat(self.clock)
        return frozen if frozen.tzinfo else frozen.replace(tzinfo=timezone.utc)

    def require_openai(self) -> None:
        if self.provider_kind == "openai" and not (self.openai_api_key or self.openai_base_url):
            raise ConfigError("provider is openai but no endpoint is set: set COPILOT_OPENAI_API_KEY "
                              "(and COPILOT_OPENAI_BASE_URL for a local server) or use --provider offline")


def load_settings(**overrides) -> Settings:
    """Build settings, turning validation errors into one readable ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"COPILOT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid settings: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
