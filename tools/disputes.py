"""dispute_transaction: open a dispute on one of the customer's charges (a write, confirmed in a later turn);
list_disputes: the disputes already opened and where each stands."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Literal

from pydantic import Field
from sqlalchemy import select

from copilot.store.models import Dispute, Transaction
from tools.money import amount, show
from tools.spec import Call, InvalidArgs, NoChange, NotFound, Proposal, ToolArgs, tool
from tools.untrusted import customer_text

# Policy (KB disputes-and-chargebacks): report within 60 days of the first statement showing the charge; a
# monthly statement comes at most about 30 days after it, so chat disputes go up to 90 days back.
DISPUTE_WINDOW = timedelta(days=90)
REASONS = {"unauthorized": "a charge you did not make", "duplicate_charge": "a duplicate charge",
           "not_received": "goods or services not received", "wrong_amount": "the wrong amount",
           "cancelled_subscription": "a subscription you had cancelled", "other": "another problem"}


class DisputeArgs(ToolArgs):
    transaction_id: str = Field(min_length=1, max_length=64, description="The transaction's id (from "
                                                                         "search_transactions or fraud_alerts).")
    reason: Literal["unauthorized", "duplicate_charge", "not_received", "wrong_amount", "cancelled_subscription",
                    "other"] = Field(description="What went wrong: unauthorized = the customer did not make it.")
    details: customer_text(250) | None = Field(None, description="Anything the customer adds, in their words.")


def _charge(call: Call, transaction_id: str) -> Transaction:
    txn = call.session.get(Transaction, transaction_id)
    if txn is None or txn.customer_id != call.ctx.customer_id:
        raise NotFound(f"no transaction {transaction_id!r} on this customer's accounts")
    return txn


def _existing(call: Call, txn: Transaction) -> Dispute | None:
    return call.session.scalar(select(Dispute).where(Dispute.transaction_id == txn.id))


def _state(dispute: Dispute, txn: Transaction, changed: bool) -> dict:
    return {"dispute_id": dispute.id, "status": dispute.status, "amount": amount(dispute.amount),
            "currency": txn.currency, "merchant": txn.merchant, "date": txn.occurred_at.date().isoformat(),
            "changed": changed}


def _plan_dispute(call: Call, args: DisputeArgs) -> Proposal | NoChange:
    txn = _charge(call, args.transaction_id)
    if txn.amount >= 0:
        raise InvalidArgs("only a charge (money going out) can be disputed")
    if txn.status == "pending":
        raise InvalidArgs("this charge is still pending; it can be disputed once it posts (usually within 3 days). "
                          "Freezing the card stops further charges meanwhile")
    if call.today - txn.occurred_at.date() > DISPUTE_WINDOW:
        raise InvalidArgs("this charge is more than 90 days old, past the usual 60 days after the statement it "
                          "first appeared on; hand off to an agent, who can check whether an extension applies")
    dispute = _existing(call, txn)
    if dispute is not None:
        return NoChange(_state(dispute, txn, False) | {"message": "this charge is already disputed"})
    summary = (f"Dispute the {show(-txn.amount, txn.currency)} charge at {txn.merchant} on "
               f"{txn.occurred_at.date().isoformat()} as {REASONS[args.reason]}")
    return Proposal(summary=summary, args=args.model_dump(mode="json", exclude_none=True))


@tool(scopes=("disputes:write",), writes=True, prepare=_plan_dispute)
def dispute_transaction(call: Call, args: DisputeArgs) -> dict:
    """Open a dispute on one of the customer's posted charges (unauthorized, duplicate, not received, wrong
    amount, cancelled subscription). This is a write: the first call only prepares it and returns a summary
    for the customer to confirm; it is filed after they say yes."""
    txn = _charge(call, args.transaction_id)
    dispute = _existing(call, txn)
    if dispute is not None:
        return _state(dispute, txn, False)
    reason = f"{args.reason}: {args.details}" if args.details else args.reason
    dispute = Dispute(id=f"dsp-{uuid.uuid4().hex[:12]}", customer_id=call.ctx.customer_id, transaction_id=txn.id,
                      reason=reason[:300], amount=-txn.amount, status="open", created_at=call.ctx.now)
    call.session.add(dispute)
    call.session.flush()
    return _state(dispute, txn, True)


class ListDisputesArgs(ToolArgs):
    status: Literal["open", "all"] = Field("all", description="Only disputes still being looked at, or every one.")


@tool(scopes=("transactions:read",))
def list_disputes(call: Call, args: ListDisputesArgs) -> dict:
    """The customer's disputes: the charge (merchant, date, amount), when it was opened and its status."""
    query = select(Dispute, Transaction).join(Transaction, Transaction.id == Dispute.transaction_id) \
        .where(Dispute.customer_id == call.ctx.customer_id)
    if args.status == "open":
        query = query.where(Dispute.status.in_(("open", "provisional_credit")))
    rows = call.session.execute(query.order_by(Dispute.created_at.desc())).all()
    return {"disputes": [{**_state(dispute, txn, False), "opened": dispute.created_at.date().isoformat()}
                         for dispute, txn in rows]}
