"""One audited unit of work: a transaction that yields a ToolOutcome, and exactly one audit event for it.

On success the audit event commits with the work; on a refusal, error or rollback it is written on its own,
so every tool call, confirmation and cancellation leaves one event whatever happened. In a rehearsal (a support
agent's suggested reply) the work is rolled back and only the audit event is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from copilot import audit
from copilot.consent import ConsentRequired
from copilot.context import ToolContext
from tools.spec import ToolError, ToolOutcome, ToolSpec
from tools.untrusted import clean

log = logging.getLogger(__name__)
DECISIONS = {"ok": "allowed", "consent_required": "denied", "confirm": "pending_confirmation",
             "invalid_args": "invalid_args", "step_up_required": "step_up_required", "not_found": "not_found",
             "error": "error"}


@dataclass
class Attempt:
    """Facts the work reports back for the audit event and for failures."""

    allowed: bool = False              # the consent gate passed
    decision: str | None = None        # overrides the decision derived from the status
    action_id: str | None = None
    name: str | None = None            # confirm/cancel: the tool, once the action is loaded
    scopes: tuple[str, ...] | None = None


class Abort(Exception):
    """Roll the work back and answer with `outcome`; `after` runs in the fresh transaction that audits it."""

    def __init__(self, outcome: ToolOutcome, decision: str | None = None,
                 after: Callable[[Session], None] | None = None) -> None:
        super().__init__(outcome.error or outcome.status)
        self.outcome, self.decision, self.after = outcome, decision, after


def needed_scopes(ctx: ToolContext, spec: ToolSpec, args: Any) -> tuple[str, ...]:
    """The tool's scopes for these arguments; a support agent also needs the customer's `support:share`, also
    during a hand-off: asking for a person shares the conversation, not the account data (the chat asks for that)."""
    scopes = spec.required_scopes(args)
    if scopes and ctx.role == "support_agent" and "support:share" not in scopes:
        scopes = (*scopes, "support:share")
    return scopes


def refused(name: str, args: dict, refusal: ConsentRequired) -> ToolOutcome:
    return ToolOutcome(name=name, args=args, status="consent_required", allowed=False, consent=refusal.to_dict(),
                       error=f"needs consent: {', '.join(refusal.scopes)} ({refusal.reason})")


def validation_message(exc: ValidationError) -> str:
    """Pydantic errors as one line an LLM can act on: field, problem, what it sent."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        got = "" if error["type"] == "missing" else f" (got {error['input']!r})"
        parts.append(f"{where}: {error['msg']}{got}")
    return clean("invalid arguments: " + "; ".join(parts), names=False)      # it echoes what was sent


def summarize(outcome: ToolOutcome) -> str:
    """What the audit keeps of a result: its shape (keys and list sizes), never the customer's numbers."""
    if outcome.error:
        return f"{outcome.status}: {outcome.error}"
    if outcome.pending_action:
        return f"{outcome.status}: {outcome.pending_action['summary']}"
    shape = [f"{key}[{len(value)}]" if isinstance(value, list) else key for key, value in (outcome.result or {}).items()]
    return f"{outcome.status}: {', '.join(shape)}"


def _record(session: Session, ctx: ToolContext, kind: str, name: str, scopes: tuple[str, ...], args: dict,
            outcome: ToolOutcome, attempt: Attempt) -> None:
    detail = {"status": outcome.status, "allowed": outcome.allowed, "channel": ctx.channel}
    if attempt.action_id:
        detail["action_id"] = attempt.action_id
    if outcome.consent:
        detail["consent_reason"] = outcome.consent["reason"]
    audit.record(session, at=ctx.now, actor=ctx.actor, role=ctx.role, kind=kind, name=(attempt.name or name)[:60],
                 decision=attempt.decision or DECISIONS[outcome.status], customer_id=ctx.customer_id,
                 conversation_id=ctx.conversation_id, scopes=list(attempt.scopes or scopes), args=args, summary=summarize(outcome),
                 latency_ms=outcome.latency_ms, detail=detail)


def audited(ctx: ToolContext, *, kind: str, name: str, scopes: tuple[str, ...], args: dict,
            work: Callable[[Session, Attempt], ToolOutcome], attempts: int = 1) -> ToolOutcome:
    """Run `work` in one transaction and audit its outcome; `attempts` > 1 retries a lost uniqueness race."""
    started = perf_counter()
    for remaining in range(attempts - 1, -1, -1):
        attempt = Attempt()
        after = None
        try:
            with ctx.db.session() as session:
                outcome = work(session, attempt)
                outcome.latency_ms = round((perf_counter() - started) * 1000, 2)
                if ctx.rehearsal:
                    session.rollback()            # a rehearsal keeps nothing the work changed, only its audit event
                _record(session, ctx, kind, name, scopes, args, outcome, attempt)
            return outcome
        except IntegrityError:
            if remaining:
                continue
            log.exception("tool %s lost a uniqueness race twice", name)
            attempt.decision = None                       # rolled back: what the work decided did not happen
            outcome = ToolOutcome(name=name, args=args, status="error", allowed=attempt.allowed,
                                  error="the request clashed with a simultaneous one; please try again")
        except Abort as abort:
            outcome, after = abort.outcome, abort.after
            attempt.decision = abort.decision or attempt.decision
        except ToolError as exc:
            attempt.decision = None
            outcome = ToolOutcome(name=name, args=args, status=exc.status, allowed=attempt.allowed,
                                  error=clean(str(exc), names=False))    # errors may quote the arguments
        except Exception as exc:                          # noqa: BLE001 - fail closed, never crash the turn
            log.exception("tool %s failed", name)
            attempt.decision = None
            outcome = ToolOutcome(name=name, args=args, status="error", allowed=attempt.allowed,
                                  error=f"the {name} tool failed unexpectedly ({type(exc).__name__}); "
                                        "nothing was changed")
        break
    outcome.latency_ms = round((perf_counter() - started) * 1000, 2)
    try:
        with ctx.db.session() as session:
            if after:
                after(session)
            _record(session, ctx, kind, name, scopes, args, outcome, attempt)
    except Exception:                                      # noqa: BLE001 - the outcome still reaches the caller
        log.exception("could not write the audit event for %s", name)
    return outcome
