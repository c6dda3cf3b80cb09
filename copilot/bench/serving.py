"""HTTP chat throughput and latency: `copilot serve` with one and two workers, 8/32/128 concurrent conversations.

Each worker count gets its own server on a fresh copy of the workspace's demo bank. A short warm-up (one turn per
distinct message) precedes the measured levels; resident memory is read after start-up and after each level.
Turns use the JSON mode of the chat endpoint (`stream=false`).
"""

from __future__ import annotations

from copilot.bench.load import MIX, drive
from copilot.bench.server import ServerProcess, customer_tokens
from copilot.bench.workspace import Workspace


def serve_figures(workspace: Workspace, workers: int, levels: tuple[int, ...], turns: dict[int, int]) -> dict:
    settings = workspace.copy(f"server-{workers}w")
    tokens = customer_tokens(settings)
    with ServerProcess(settings, workers=workers) as server:
        figures = {"workers": workers, "rss_mb_started": server.rss_mb(), "levels": {}}
        warm = drive(server.url, tokens, concurrency=len(MIX), turns=1)
        figures["warmup_errors"] = warm.errors
        for level in levels:
            result = drive(server.url, tokens, concurrency=level, turns=turns[level])
            figures["levels"][str(level)] = {**result.figures(), "rss_mb": server.rss_mb(),
                                             "failures": result.failures[:5]}
        figures["rss_mb_end"] = server.rss_mb()
    return figures


def serving(workspace: Workspace, workers: tuple[int, ...], levels: tuple[int, ...], turns: dict[int, int]) -> dict:
    """{"<n>_workers": figures} for each worker count."""
    return {f"{n}_workers": serve_figures(workspace, n, levels, turns) for n in workers}
