"""Shared CLI plumbing: the rich console, the runtime, and one-line errors with a non-zero exit."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import typer
from rich.console import Console

from copilot.config import ConfigError, load_settings
from copilot.context import KnowledgeUnavailable
from copilot.runtime import Runtime, UnknownCustomer
from copilot.store import StoreError

console = Console()
err_console = Console(stderr=True)
USER_ERRORS = (ConfigError, StoreError, UnknownCustomer, KnowledgeUnavailable, ValueError, FileNotFoundError)


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def friendly(func: Callable) -> Callable:
    """Turn a known user error into one red line and exit code 2 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as exc:
            fail(str(exc).strip() or type(exc).__name__)

    return wrapper


def runtime(**overrides) -> Runtime:
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return Runtime(load_settings(**overrides))


def is_tty() -> bool:
    return sys.stdout.isatty()
