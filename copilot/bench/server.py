"""`copilot serve` as a subprocess on a free loopback port: start, wait for health, measure memory, kill -9, stop.

Resident memory is the sum of VmRSS over the server's process tree (uvicorn's supervisor and its workers), read
from /proc (Linux).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from copilot.api.auth import mint
from copilot.bench.workspace import server_env
from copilot.config import PROJECT_ROOT, Settings
from copilot.runtime import Runtime

READY_TIMEOUT = 300.0       # seconds; a fresh machine exports the embedder once before the first start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _proc_kb(pid: int, file: str, field: str) -> int:
    """One "Field: N kB" figure of a /proc/<pid> file (0 when the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith(field)), 0)


def _rss_kb(pid: int) -> int:
    return _proc_kb(pid, "status", "VmRSS:")


def _pss_kb(pid: int) -> int:
    """Proportional set size: private pages plus each shared page divided by the processes sharing it."""
    return _proc_kb(pid, "smaps_rollup", "Pss:")


def _tree_kb(pid: int, measure: Callable[[int], int]) -> float:
    tree, todo, total = _children(), [pid], 0
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        total += measure(current)
    return round(total / 1024, 1)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB (0 when it is gone)."""
    return _tree_kb(pid, _rss_kb)


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and all its descendants, in MiB: what the tree really costs the machine."""
    return _tree_kb(pid, _pss_kb)


def worker_rss_mb(pid: int, workers: int) -> list[float]:
    """Resident memory of each uvicorn worker, in MiB: the server process itself when it runs one worker, else its
    spawned children (the supervisor and helper processes left out)."""
    if workers == 1:
        return [round(_rss_kb(pid) / 1024, 1)]
    spawned = []
    for child in _children().get(pid, []):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                spawned.append(round(_rss_kb(child) / 1024, 1))
        except OSError:
            continue
    return spawned


def wait_healthy(process: subprocess.Popen, url: str, timeout: float, log: Callable[[], str]) -> None:
    """Poll `url`/health until it answers 200; RuntimeError with the server's log when the process exits first or
    `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"copilot serve exited with {process.returncode}:\n{log()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"copilot serve was not healthy within {timeout:.0f} s:\n{log()}")


def customer_tokens(settings: Settings, customers: list[str] | None = None, label: str = "bench") -> dict[str, str]:
    """A fresh bearer token per customer (all customers when none are named), minted straight into the bank."""
    runtime = Runtime(settings)
    try:
        customers = customers or runtime.customer_ids()
        with runtime.db.session() as session:
            return {c: mint(session, "customer", c, now=runtime.settings.now(), days=1, label=label)[0]
                    for c in customers}
    finally:
        runtime.db.dispose()


class ServerProcess:
    """One `copilot serve` process group; use as a context manager (stopped, or killed, on exit)."""

    def __init__(self, settings: Settings, workers: int = 1, **env: str) -> None:
        self.settings, self.workers = settings, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(settings.data_dir).parent / f"server-{self.port}.log"
        code = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]))
        merged = {**os.environ, **server_env(settings), "PYTHONPATH": code, **env}   # the same code as this process
        self.env = {name: value for name, value in merged.items() if value != ""}   # empty = the default
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "copilot.cli.entry", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(self.workers)]

    def launch(self) -> ServerProcess:
        """Start the process without waiting for it (several servers can then start at once)."""
        command = self.command()
        Path(self.settings.data_dir).mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                            cwd=Path(self.settings.data_dir).parent, start_new_session=True)
        return self

    def start(self) -> ServerProcess:
        self.launch().wait_ready()
        return self

    def wait_ready(self) -> None:
        try:
            wait_healthy(self.process, self.url, READY_TIMEOUT, self.log_tail)
        except RuntimeError:
            self.stop()
            raise

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def rss_mb(self) -> float:
        return tree_rss_mb(self.process.pid) if self.process else 0.0

    def pss_mb(self) -> float:
        return tree_pss_mb(self.process.pid) if self.process else 0.0

    def kill(self) -> None:
        """SIGKILL the whole process group, as a power cut would (no shutdown hooks run)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL after 20 s."""
        if not self.process or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class NoopServer(ServerProcess):
    """copilot.bench.noop under uvicorn with `copilot serve`'s options: the reference for the HTTP figures."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "copilot.bench.noop:create_app", "--factory", "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", str(self.workers), "--log-level", "warning", "--no-access-log",
                "--proxy-headers"]
