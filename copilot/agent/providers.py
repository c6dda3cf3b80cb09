"""The one factory that turns a `provider[:model]` setting into a LangChain chat model."""

from __future__ import annotations

import json

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
        return _strict_chat_openai()(model=settings.provider_model, base_url=settings.openai_base_url or None,
                          api_key=settings.openai_api_key or "not-needed", timeout=settings.openai_timeout_s,
                          max_retries=0, temperature=0, use_responses_api=False,   # ModelGuard retries
                          streaming=settings.openai_streaming, stream_usage=True)
    raise ConfigError(f"unknown provider {settings.provider!r}: use 'offline' or 'openai:MODEL'")


class UnparseableArguments(ValueError):
    """A streamed tool call whose arguments are not one complete JSON object."""


class EmptyStream(ValueError):
    """A streamed reply with no chunk in it (llama.cpp's server answers a streamed tool request this way)."""


def _strict_chat_openai():
    """ChatOpenAI that refuses a streamed tool call whose arguments are cut off (LangChain's stream parser completes
    a truncated object: '{"account": "chk' becomes {"account": "chk"}, a call nobody sent) and never sends null
    content."""
    from langchain_openai import ChatOpenAI

    class StrictChatOpenAI(ChatOpenAI):
        def _get_request_payload(self, *args, **kwargs) -> dict:
            """An assistant tool-call message carries "" rather than null content (llama.cpp's server refuses null)."""
            payload = super()._get_request_payload(*args, **kwargs)
            for message in payload.get("messages", []):
                if message.get("role") == "assistant" and message.get("content") is None:
                    message["content"] = ""
            return payload

        def _stream(self, *args, **kwargs):
            sent: dict[int, list[str]] = {}
            chunks = 0
            for chunks, chunk in enumerate(super()._stream(*args, **kwargs), start=1):
                for part in getattr(chunk.message, "tool_call_chunks", None) or []:
                    sent.setdefault(part.get("index") or 0, []).append(part.get("args") or "")
                yield chunk
            if not chunks:
                raise EmptyStream("the streamed reply held no chunk")
            for pieces in sent.values():
                try:
                    json.loads("".join(pieces) or "{}")
                except ValueError as exc:
                    raise UnparseableArguments(f"streamed tool arguments are not complete JSON ({exc})") from exc

    return StrictChatOpenAI
