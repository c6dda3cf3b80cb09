"""Web pages: the customer chat, the consent centre, the assist panel, and a cited knowledge-base section."""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse
from markdown_it import MarkdownIt
from starlette.concurrency import run_in_threadpool

from copilot.api.deps import OptionalPrincipalDep, RuntimeDep
from copilot.api.errors import ApiError
from copilot.api.routers.kb import Slug, section_dict

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static"
PAGES = {"/": "index.html", "/chat": "chat.html", "/consents": "consents.html", "/assist": "assist.html"}


def _page(filename: str):
    def serve() -> FileResponse:
        return FileResponse(STATIC / filename, media_type="text/html", headers={"Cache-Control": "no-cache"})
    return serve


for path, filename in PAGES.items():
    router.add_api_route(path, _page(filename), methods=["GET"])


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


SECTION_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Northbridge help</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/app.css"></head>
<body><main class="kb-page" id="main">
<p class="kb-source">{doc_title} · version {version}, in force from {effective}</p>
<h1>{title}</h1><article class="kb-text">{body}</article></main></body></html>"""


@router.get("/kb/{doc_id}/{section}", response_class=HTMLResponse)
async def kb_section(doc_id: Slug, section: Slug, _: OptionalPrincipalDep, runtime: RuntimeDep) -> HTMLResponse:
    """A cited section as a readable page (customer documents only; agents read procedures in the panel)."""
    try:
        found = await run_in_threadpool(section_dict, runtime, doc_id, section, "customer")
    except ApiError:
        return HTMLResponse(SECTION_PAGE.format(title="Section not found", doc_title="Help centre", version="-",
                                                effective="-", body="<p>There is no such help section.</p>"), 404)
    return HTMLResponse(SECTION_PAGE.format(
        title=html.escape(found["section"]), doc_title=html.escape(found["title"]),
        version=html.escape(found["version"]), effective=html.escape(str(found["effective_date"])),
        body=_markdown().render(found["text"])))
