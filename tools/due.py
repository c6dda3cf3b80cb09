"""Standing orders and one-off payments that fall due: each paid once on its day, then moved to its next day.

The bank's payment run, not a tool the copilot calls: `copilot tools pay-due` (cron, or the scheduler of a
deployment). Claiming an item moves its day forward in the same transaction that posts the payment, so two runs at
once, or a run that crashes, never pay a day twice. Direct debits are collected by the biller, not run here.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from copilot import audit
from copilot.store.db import Database
from copilot.store.models import Account, Customer, Payee, ScheduledPayment
from tools.ledger import Leg, post
from tools.payments import own_leg, payee_leg
from tools.spec import InvalidArgs

STEPS = {"weekly": timedelta(days=7), "biweekly": timedelta(days=14)}


def following(day: date, cadence: str) -> date | None:
    """The next payment day after `day` (None for a one-off); monthly keeps the day of month, or the month's last."""
    if cadence == "once":
        return None
    if cadence in STEPS:
        return day + STEPS[cadence]
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def _claim(session: Session, item: ScheduledPayment) -> bool:
    """Move the item past this payment day unless another run already did (compare-and-set on its day)."""
    later = following(item.next_on, item.cadence)
    values = {"next_on": later} if later else {"status": "completed"}
    claimed = session.execute(update(ScheduledPayment).where(
        ScheduledPayment.id == item.id, ScheduledPayment.status == "active", ScheduledPayment.next_on == item.next_on)
        .values(**values).execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def _leg(session: Session, item: ScheduledPayment) -> Leg:
    if item.to_account_id:
        return own_leg(session.get(Account, item.to_account_id))
    return payee_leg(session.get(Payee, item.payee_id))


def _pay_one(db: Database, item_id: str, today: date, now: datetime) -> dict | None:
    """Pay one due item in its own transaction; None when another run had it. Too little money skips that day."""
    with db.session() as session:
        item = session.get(ScheduledPayment, item_id)
        day = item.next_on
        if day > today or not _claim(session, item):
            return None
        source, customer = session.get(Account, item.from_account_id), session.get(Customer, item.customer_id)
        outcome = {"id": item.id, "customer_id": item.customer_id, "day": day.isoformat(), "to": item.merchant}
        try:
            outcome |= {"status": "paid", **post(session, customer, source, _leg(session, item), item.amount, now)}
        except InvalidArgs as problem:
            outcome |= {"status": "skipped", "reason": str(problem)}
        audit.record(session, at=now, actor="system:payment-run", role="system", kind="scheduled",
                     name="pay_due", decision="executed" if outcome["status"] == "paid" else "failed",
                     customer_id=item.customer_id, args={"id": item.id, "day": day.isoformat()},
                     summary=f"{outcome['status']}: {item.merchant} {item.amount} {item.currency} for {day}")
        return outcome


def pay_due(db: Database, today: date, now: datetime) -> list[dict]:
    """Pay every active standing order and one-off due on or before `today`, as many days as each has missed."""
    paid = []
    while True:
        with db.session() as session:
            due = list(session.scalars(select(ScheduledPayment.id).where(
                ScheduledPayment.status == "active", ScheduledPayment.kind.in_(("standing_order", "one_off")),
                ScheduledPayment.next_on <= today).order_by(ScheduledPayment.next_on, ScheduledPayment.id)))
        if not due:
            return paid
        paid += [outcome for item_id in due if (outcome := _pay_one(db, item_id, today, now))]
