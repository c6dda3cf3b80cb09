"""`copilot serve`: the API server and web pages under uvicorn; in demo mode it prints working tokens and links."""

from __future__ import annotations

import os
import tempfile

import typer
import uvicorn

from copilot.api.auth import bootstrap_admin, mint_demo_tokens
from copilot.api.settings import ApiSettings
from copilot.cli.common import console, friendly, runtime
from copilot.runtime import Runtime
from knowledge.ingest import ensure_index

PAGE = {"customer": "chat", "support_agent": "assist", "admin": "docs"}


def _prepare(rt: Runtime) -> None:
    """Migrate, seed the demo bank (demo mode) and build a missing knowledge index once, before any worker starts
    (the supervising process itself loads no model: only the workers need one)."""
    rt.db.upgrade()
    if rt.settings.demo_mode:
        rt.seed_demo()
    ensure_index(rt.settings)


def _announce(rt: Runtime, base: str, api: ApiSettings) -> None:
    if rt.settings.demo_mode:
        console.print(f"[bold]Demo mode[/]: tokens valid {api.demo_token_days} days (earlier demo tokens revoked).")
        for issued in mint_demo_tokens(rt, api.demo_token_days):
            page = PAGE[issued.role]
            link = f"{base}/{page}#token={issued.secret}" if page != "docs" else f"{base}/docs"
            console.print(f"  {issued.role:<13} {issued.subject:<13} {issued.name:<28} {link}", highlight=False,
                          soft_wrap=True)
            if issued.role == "admin":
                console.print(f"  {'':<13} admin token: {issued.secret}", highlight=False, soft_wrap=True)
    else:
        secret = bootstrap_admin(rt, api.token_days)
        if secret:
            console.print(f"No admin token existed; minted one (shown once): {secret}", highlight=False, soft_wrap=True)
    console.print(f"API docs {base}/docs · metrics {base}/metrics · health {base}/health", highlight=False)


@friendly
def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
          port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
          workers: int = typer.Option(1, min=1, max=64, help="Worker processes (all state is in the database)."),
          log_level: str = typer.Option("warning", help="uvicorn log level.")) -> None:
    """Serve the API, the customer chat, the consent centre and the assist panel."""
    rt = runtime()
    api = ApiSettings()
    _prepare(rt)
    _announce(rt, f"http://{host}:{port}", api)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="copilot-metrics-")
    rt.db.dispose()
    uvicorn.run("copilot.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, proxy_headers=True, timeout_graceful_shutdown=10)
