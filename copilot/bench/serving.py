"""HTTP chat throughput and latency: `copilot serve` with one and two workers, 8/32/128 concurrent conversations,
side by side with a no-op FastAPI endpoint on the same server stack and load generator (copilot.bench.noop).

Each worker count gets its own server on a fresh copy of the workspace's demo bank. A short warm-up precedes the
measured levels; resident memory (RSS) and proportional set size (PSS, shared pages split between the processes
that share them) are read after start-up and after each level. Turns use the JSON mode of the chat endpoint.
"""

from __future__ import annotations

from copilot.bench.load import WARMUP_MESSAGES, drive
from copilot.bench.server import NoopServer, ServerProcess, customer_tokens
from copilot.bench.workspace import Workspace

NOOP_SECONDS = 5.0          # per level: the no-op answers hundreds a second, so it is timed rather than counted


def serve_figures(workspace: Workspace, workers: int, levels: tuple[int, ...], turns: dict[int, int]) -> dict:
    settings = workspace.copy(f"server-{workers}w")
    tokens = customer_tokens(settings)
    with ServerProcess(settings, workers=workers) as server:
        figures = {"workers": workers, "rss_mb_started": server.rss_mb(), "pss_mb_started": server.pss_mb(),
                   "levels": {}}
        warm = drive(server.url, tokens, concurrency=WARMUP_MESSAGES, turns=1)
        figures["warmup_errors"] = warm.errors
        for level in levels:
            result = drive(server.url, tokens, concurrency=level, turns=turns[level])
            figures["levels"][str(level)] = {**result.figures(), "rss_mb": server.rss_mb(), "pss_mb": server.pss_mb(),
                                             "failures": result.failures[:5]}
        figures["rss_mb_end"], figures["pss_mb_end"] = server.rss_mb(), server.pss_mb()
    with NoopServer(settings, workers=workers) as noop:
        drive(noop.url, tokens, concurrency=WARMUP_MESSAGES, turns=2)
        for level in levels:
            result = drive(noop.url, tokens, concurrency=level, seconds=NOOP_SECONDS)
            figures["levels"][str(level)]["noop"] = result.figures()
    return figures


def serving(workspace: Workspace, workers: tuple[int, ...], levels: tuple[int, ...], turns: dict[int, int]) -> dict:
    """{"<n>_workers": figures} for each worker count."""
    return {f"{n}_workers": serve_figures(workspace, n, levels, turns) for n in workers}
