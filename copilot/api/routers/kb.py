"""Knowledge base: search (support agents: agent-only procedures included) and one cited section by its handle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from copilot.api.deps import AgentDep, OptionalPrincipalDep, RuntimeDep
from copilot.api.errors import ApiError
from copilot.runtime import Runtime

router = APIRouter(prefix="/api/kb", tags=["knowledge"])
Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,119}$")]


def section_dict(runtime: Runtime, doc_id: str, section: str, audience: str) -> dict:
    """The section as this audience may see it; 404 when there is none (an agent-only one, for a customer)."""
    hit = runtime.retriever.get_section(f"{doc_id}#{section}", audience=audience)
    if hit is None:
        raise ApiError(404, "not_found", f"no knowledge-base section {doc_id}#{section}")
    return {"handle": hit.citation, "doc_id": hit.doc_id, "title": hit.title, "section": hit.section,
            "text": hit.text, "version": hit.version, "effective_date": hit.effective_date,
            "audience": hit.audience, "doc_type": hit.doc_type, "url": f"/kb/{hit.doc_id}/{section}"}


@router.get("/search", summary="Search the knowledge base as a support agent")
async def search(agent: AgentDep, runtime: RuntimeDep, q: str = Query(min_length=2, max_length=500),
                 k: int = Query(5, ge=1, le=10)) -> dict:
    found = await run_in_threadpool(runtime.retriever.search, q, audience="agent", k=k)
    return {"query": found.query, "answerable": found.answerable,
            "hits": [{"handle": h.citation, "title": h.title, "section": h.section, "audience": h.audience,
                      "score": h.score, "text": h.text, "version": h.version} for h in found.hits]}


@router.get("/sections/{doc_id}/{section}", summary="One cited section (`doc-id#section`) by its handle")
async def section(doc_id: Slug, section: Slug, principal: OptionalPrincipalDep, runtime: RuntimeDep) -> dict:
    audience = "agent" if principal is not None and principal.role == "support_agent" else "customer"
    return await run_in_threadpool(section_dict, runtime, doc_id, section, audience)
