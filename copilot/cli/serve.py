"""`copilot serve`: the API server and web pages under uvicorn; in demo mode it prints working tokens and links."""

from __future__ import annotations

import copy
import errno
import os
import socket
import tempfile

import typer
import uvicorn

from copilot.api.auth import bootstrap_admin, mint_demo_tokens
from copilot.api.settings import ApiSettings
from copilot.cli.common import console, fail, friendly, runtime
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


def _check_free(host: str, port: int) -> None:
    """Fail with what to do when the address cannot be listened on (checked before any demo token is minted)."""
    try:
        with socket.create_server((host, port), reuse_port=False) as probe:
            probe.close()
    except socket.gaierror:
        fail(f"cannot listen on host {host!r}: no such interface or name; set COPILOT_HOST (or --host) to an "
             f"address of this machine, e.g. 127.0.0.1 or 0.0.0.0")
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            fail(f"cannot listen on {host}:{port}: {exc.strerror}; set COPILOT_HOST / COPILOT_PORT (or --host / "
                 f"--port) to an address you may use")
        other = 8001 if port != 8001 else 8002
        fail(f"port {port} on {host} is already in use (is another `copilot serve` or `make demo` running?). "
             f"Pick another: `COPILOT_PORT={other} make demo` or `copilot serve --port {other}`")


def _log_config(level: str) -> dict:
    """uvicorn's logging, plus our `copilot.*` loggers (the access log) on its console handler."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["copilot"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


@friendly
def serve(host: str = typer.Option(None, help="Interface to listen on [default: COPILOT_HOST, 127.0.0.1]."),
          port: int = typer.Option(None, min=1, max=65535, help="TCP port [default: COPILOT_PORT, 8000]."),
          workers: int = typer.Option(1, min=1, max=64, help="Worker processes (all state is in the database)."),
          log_level: str = typer.Option(None, help="Log level [default: COPILOT_LOG_LEVEL, warning]; info adds "
                                                   "one access-log line per request.")) -> None:
    """Serve the API, the customer chat, the consent centre and the assist panel."""
    rt = runtime()
    host, port = host or rt.settings.host, port or rt.settings.port
    log_level = (log_level or rt.settings.log_level).lower()
    _check_free(host, port)
    api = ApiSettings()
    _prepare(rt)
    _announce(rt, f"http://{host}:{port}", api)
    console.print(f"Serving on http://{host}:{port} · press [bold]Ctrl+C[/] to stop.", highlight=False)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="copilot-metrics-")
    rt.db.dispose()
    uvicorn.run("copilot.api.worker:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, log_config=_log_config(log_level), access_log=False, proxy_headers=True,
                timeout_graceful_shutdown=10)
