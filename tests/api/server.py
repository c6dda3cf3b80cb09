"""Run the real `copilot serve` (uvicorn, one or more workers) on a free loopback port for the browser tests, the
multi-worker test and the benchmark; the demo tokens it prints are parsed for use."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from copilot.bench.server import free_port, tree_rss_mb, wait_healthy
from tests.conftest import AS_OF, CLOCK

TOKEN_LINE = re.compile(r"^\s+(customer|support_agent|admin)\s+(\S+)\s.*?#token=(cpt_[\w-]+)", re.M)
ADMIN_LINE = re.compile(r"admin token: (cpt_[\w-]+)")


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)

    @property
    def log(self) -> str:
        return "".join(self.output)

    def token(self, subject: str) -> str:
        found = {name: secret for _, name, secret in TOKEN_LINE.findall(self.log)}
        found["admin"] = ADMIN_LINE.search(self.log).group(1)
        return found[subject]

    def rss_mb(self) -> float:
        """Resident memory of the server and all its worker processes, in MiB (Linux /proc)."""
        return tree_rss_mb(self.process.pid)


@contextmanager
def running_server(data_dir: Path, chroma: Path, *, workers: int = 1, timeout: float = 300,
                   **env: str) -> Iterator[Server]:
    """`copilot serve` in demo mode on the bank in data_dir; stopped (with its workers) on exit."""
    port = free_port()
    environ = {**os.environ, "COPILOT_DATA_DIR": str(data_dir), "COPILOT_CHROMA_PATH": str(chroma),
               "COPILOT_CLOCK": CLOCK, "COPILOT_DEMO_AS_OF": AS_OF.isoformat(), "COPILOT_DEMO_MODE": "true",
               "COPILOT_PROVIDER": "offline", "PYTHONUNBUFFERED": "1", **env}
    process = subprocess.Popen([sys.executable, "-m", "copilot.cli.entry", "serve", "--port", str(port),
                                "--workers", str(workers)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=environ, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", process)
    threading.Thread(target=lambda: server.output.extend(iter(process.stdout.readline, "")), daemon=True).start()
    try:
        wait_healthy(process, server.url, timeout, lambda: server.log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(5)
