"""Real servers a test starts on a free loopback port and stops after it: a Chroma server (`chroma run`) and a Redis
server (`redis-server`). Each raises ServiceError, with the server's log, when it cannot be started."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

from copilot.bench.server import free_port


class ServiceError(RuntimeError):
    """A server the test needs did not start; the message says which and why."""


def stop(process: subprocess.Popen, grace_s: float = 10) -> None:
    """SIGTERM, then SIGKILL when the process has not exited within grace_s."""
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace_s)


def chroma_binary() -> str | None:
    return shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")


def _chroma_up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def _served(name: str, command: list[str], log_path: Path, url: str, up: Callable[[str], bool],
            timeout: float = 30) -> Iterator[str]:
    with log_path.open("w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                  env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        try:
            deadline = time.monotonic() + timeout
            while not up(url):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise ServiceError(f"{name} did not start ({' '.join(command)}): {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
            yield url
        finally:
            stop(server)


@contextmanager
def chroma_server(folder: Path, log_path: Path) -> Iterator[str]:
    """The URL of a Chroma server persisting in folder (an embedded index folder is served as it is)."""
    binary = chroma_binary()
    if binary is None:
        raise ServiceError("the chroma command is not installed (pip install chromadb)")
    port = free_port()
    with _served("chroma", [binary, "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                 log_path, f"http://127.0.0.1:{port}", _chroma_up) as url:
        yield url


@contextmanager
def redis_server(log_path: Path) -> Iterator[str]:
    """The URL of a throwaway Redis server (no persistence, loopback only)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with _served("redis", command, log_path, f"redis://127.0.0.1:{port}/0", _redis_up) as url:
        yield url
