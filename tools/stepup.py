"""Step-up: a one-time code from the customer's phone (TOTP, RFC 6238, by pyotp) before a risky write runs.

Each customer has one enrolled phone whose secret is stored only encrypted. A code is accepted once (no replay),
wrong codes count, and after `step_up_max_attempts` in a row the check locks for `step_up_lockout_minutes`. Codes
follow the wall clock, as a real phone does, whatever the bank's (possibly frozen) clock says.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pyotp
from cryptography.fernet import InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.context import ToolContext
from copilot.store.models import StepUpDevice
from copilot.store.vault import cipher_for
from tools.actions import confirm_action
from tools.audited import Attempt, audited
from tools.spec import ToolOutcome

CODE = re.compile(r"^\D*(\d{6})\D*$")          # a message that is a six-digit code, and nothing else that counts


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def code_in(text: str) -> str | None:
    """The six-digit code a message gives ("123456", "code is 123 456"), or None."""
    found = CODE.match(re.sub(r"(?<=\d)[ -](?=\d)", "", text.strip()))
    return found.group(1) if found else None


def _device(session: Session, customer_id: str) -> StepUpDevice | None:
    return session.scalar(select(StepUpDevice).where(StepUpDevice.customer_id == customer_id))


def _totp(ctx: ToolContext, device: StepUpDevice | None) -> pyotp.TOTP | None:
    """The phone's code generator; None without a phone, or when its secret is under a key no longer configured."""
    if device is None:
        return None
    try:
        return pyotp.TOTP(cipher_for(ctx.settings).decrypt(device.secret_ciphertext.encode()).decode())
    except InvalidToken:
        return None


def phone_screen(ctx: ToolContext) -> dict:
    """What the demo customer's phone shows now (demo mode only: a real phone shows it, never the server)."""
    if not ctx.settings.demo_mode:
        raise PermissionError("the demo phone exists only in demo mode")
    with ctx.db.session() as session:
        device = _device(session, ctx.customer_id)
        totp, now = _totp(ctx, device), wall_clock()
        if totp is None:
            raise LookupError(f"no usable phone is enrolled for {ctx.customer_id}")
        return {"device": device.name, "code": totp.at(now),
                "seconds_left": int(totp.interval - now.timestamp() % totp.interval)}


def _check(session: Session, ctx: ToolContext, code: str) -> str | None:
    """None when the code is right; otherwise why not, in the customer's words (and the attempt is counted)."""
    device, now = _device(session, ctx.customer_id), wall_clock()
    totp = _totp(ctx, device)
    if totp is None:
        return "there is no phone enrolled for one-time codes on this profile; please call us to verify instead"
    if device.locked_until and device.locked_until > now:
        minutes = max(1, round((device.locked_until - now).total_seconds() / 60))
        return f"too many wrong codes: one-time codes are locked for {minutes} more minute(s)"
    step = totp.timecode(now)
    matched = next((s for s in (step, step - 1) if pyotp.utils.strings_equal(totp.generate_otp(s), code)), None)
    if matched is not None and (device.last_used_step is None or matched > device.last_used_step):
        device.failed_attempts, device.locked_until, device.last_used_step = 0, None, matched
        return None
    device.failed_attempts += 1
    left = ctx.settings.step_up_max_attempts - device.failed_attempts
    if left <= 0:
        device.failed_attempts, device.locked_until = 0, now + timedelta(minutes=ctx.settings.step_up_lockout_minutes)
        return (f"that code didn't match, and that was the last try: one-time codes are locked for "
                f"{ctx.settings.step_up_lockout_minutes} minutes")
    reused = matched is not None
    return f"{'that code was already used' if reused else 'that code did not match'}; {left} tr{'y' if left == 1 else 'ies'} left"


def confirm_with_code(ctx: ToolContext, action_id: str, code: str, pending: dict | None = None) -> ToolOutcome:
    """Verify the one-time code (audited as `step_up`), then confirm the action exactly once; a wrong code leaves
    the action pending and says how many tries are left."""

    def work(session: Session, attempt: Attempt) -> ToolOutcome:
        attempt.action_id = action_id
        problem = _check(session, ctx, code)
        base = dict(name="step_up", args={"action_id": action_id}, pending_action=pending)
        if problem:                      # committed: a wrong code counts whatever happens next
            attempt.decision = "failed"
            return ToolOutcome(**base, status="step_up_required", allowed=True, error=problem)
        attempt.decision = "verified"
        return ToolOutcome(**base, status="ok", allowed=True, result={"verified": True})

    verified = audited(ctx, kind="step_up", name="step_up", scopes=(), args={"action_id": action_id}, work=work)
    if verified.status != "ok":
        return verified
    return confirm_action(ctx, action_id, step_up_verified=True)

