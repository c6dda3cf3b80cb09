"""The one factory that turns a `provider[:model]` setting into a LangChain chat model."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from copilot.config import ConfigError, Settings


def make_chat_model(settings: Settings, planner=None) -> BaseChatModel:
    """`offline` -> the embedded understanding model and planner; `openai:MODEL` -> any OpenAI-compatible
    chat-completions endpoint."""
    if settings.provider_kind == "offline":
        from copilot.agent.offline_model import OfflinePlannerModel

        return OfflinePlannerModel(planner=planner)
    if settings.provider_kind == "openai":
        settings.require_openai()
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=settings.provider_model, base_url=settings.openai_base_url or None,
                          api_key=settings.openai_api_key or "not-needed", timeout=settings.openai_timeout_s,
                          max_retries=settings.openai_max_retries, temperature=0, use_responses_api=False,
                          streaming=settings.openai_streaming, stream_usage=True)
    raise ConfigError(f"unknown provider {settings.provider!r}: use 'offline' or 'openai:MODEL'")
