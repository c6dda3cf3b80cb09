"""Customer data views the pages need: profile, accounts and cards, fraud alerts, disputes, pending actions."""

from __future__ import annotations

from fastapi import APIRouter

from copilot import consent
from copilot.api import views
from copilot.api.deps import CustomerDep, OwnCustomerId, RuntimeDep, tool_context
from tools import open_pending_actions

router = APIRouter(prefix="/api/customers/{customer_id}", tags=["customer data"])


@router.get("/profile", summary="My name and segment")
def profile(customer_id: OwnCustomerId, runtime: RuntimeDep) -> dict:
    with runtime.db.session() as session:
        return views.profile(session, customer_id)


@router.get("/accounts", summary="My cards (with their status) and, while I share accounts:read, my accounts "
                               "(balances, last four digits)")
def accounts(customer_id: OwnCustomerId, runtime: RuntimeDep) -> dict:
    with runtime.db.session() as session:
        shared = "accounts:read" in consent.current_state(session, customer_id, runtime.settings.now()).scopes
        return {"balances_shared": shared, "accounts": views.accounts(session, customer_id) if shared else [],
                "cards": views.cards(session, customer_id)}


@router.get("/alerts", summary="Fraud and charging-error alerts of the last 60 days (needs transactions:read)")
def alerts(customer_id: OwnCustomerId, principal: CustomerDep, runtime: RuntimeDep) -> dict:
    return views.alerts(runtime, customer_id, principal)


@router.get("/disputes", summary="My disputes, newest first")
def disputes(customer_id: OwnCustomerId, runtime: RuntimeDep) -> list[dict]:
    with runtime.db.session() as session:
        return views.disputes(session, customer_id)


@router.get("/actions", summary="Actions waiting for my confirmation")
def pending_actions(customer_id: OwnCustomerId, principal: CustomerDep, runtime: RuntimeDep) -> list[dict]:
    return open_pending_actions(tool_context(runtime, principal))
