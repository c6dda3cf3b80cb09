"""One access-log line per HTTP request (method, path, status, duration) at INFO; never a query string or a body,
so no message text, search words or token reaches the log."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("copilot.access")


class AccessLog:
    """ASGI middleware writing `GET /api/me 200 3.1 ms` to the `copilot.access` logger when a response ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [500]

        async def noted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            log.info("%s %s %d %.1f ms", scope["method"], scope["path"], status[0],
                     (time.perf_counter() - started) * 1000)
