"""Tool calls from a capability's slots, the arguments only the whole message gives (why a card is frozen or a
charge disputed), and the candidates a lookup found."""

from __future__ import annotations

from copilot.agent import resolve
from copilot.agent.capabilities import Capability
from copilot.agent.plans import ToolCall
from copilot.nlu.model import Reading

REASON, REASON_MARGIN = 0.55, 0.08  # why a card is frozen or a charge disputed: close in meaning, clearly closest
GROUPING, GROUPING_MARGIN = 0.6, 0.04   # "break it down by supplier": a breakdown said in so many words
ROUND_SPREAD = 0.1                  # "around 2,400": a whole amount is looked for within 10% either side


def tool_calls(capability: Capability, slots: dict, reading: Reading, topics: list[str]) -> list[ToolCall]:
    """The capability's tool calls with its slots as arguments (the lookup first when a write needs its target)."""
    args = capability.fixed_args(topics)
    for name, slot in capability.slots.items():
        value = slots.get(name)
        if value is None or value == []:
            continue
        if slot.type == "period":
            args.update(value["args"])
        elif slot.type == "deadline":
            args.update({arg: value["target_date"] for arg in slot.args})
        elif slot.type == "debt_accounts":
            args.update(value)
        elif slot.type == "amount" and len(slot.args) == 2:
            args.update(zip(slot.args, around(value)))
        else:
            args.update({arg: value for arg in slot.args})
    calls = []
    for tool in capability.tools:
        if tool == "search_knowledge":
            calls.append(ToolCall(tool, {"query": capability.query or question(reading)}))
        elif tool == capability.tool:
            if capability.lookup and not slots.get("transaction"):
                wanted = fitted(capability.lookup, args)     # nothing named: the flagged charges are the candidates
                calls.append(ToolCall(capability.lookup, wanted) if wanted else ToolCall("fraud_alerts", {}))
            else:
                calls += [ToolCall(tool, fitted(tool, {**each, **_extra(capability, reading, slots)}))
                          for each in _each(capability, args)]
    return calls


def _each(capability: Capability, args: dict) -> list[dict]:
    """One set of arguments per value of a slot that holds several ("amazon, target and walmart")."""
    for slot in capability.slots.values():
        for arg in slot.args if slot.many else []:
            if isinstance(args.get(arg), list):
                return [{**args, arg: value} for value in args[arg]]
    return [args]

def around(amount: float) -> tuple[float, float]:
    """The range a stated amount is looked for in: exact when given to the cent ("$64.82"), within ROUND_SPREAD
    when whole ("the 2,400 payment", "a $40 charge"), since people round what they remember."""
    if amount != int(amount):
        return amount, amount
    return round(amount * (1 - ROUND_SPREAD), 2), round(amount * (1 + ROUND_SPREAD), 2)


def reply_data(capability: Capability, slots: dict, reading: Reading) -> dict:
    data = {name: slots[name] for name in ("threshold",) if slots.get(name) is not None}
    if capability.lookup:
        data["dispute_reason"] = dispute_reason(reading)
        data["dispute_details"] = reading.text[:250]
    return data


def dispute_reason(reading: Reading) -> str:
    """Why a charge is disputed, by meaning: the closest reason when it is close and clearly closer than the next."""
    if reading.topics.get("fraud", 0) >= 0.5:
        return "unauthorized"
    return resolve.meaning(reading.text, "dispute_reasons", REASON, windows=True, margin=REASON_MARGIN) or "other"


def _extra(capability: Capability, reading: Reading, slots: dict) -> dict:
    """Arguments only the message as a whole says: why a card is frozen, why a charge is disputed, how a total is
    broken down."""
    if capability.tool == "freeze_card":
        return {"reason": resolve.meaning(reading.text, "freeze_reasons", REASON, windows=True, margin=REASON_MARGIN)
                or "temporary"}
    if capability.tool == "dispute_transaction":
        return {"reason": dispute_reason(reading), "details": reading.text[:250]}
    if capability.tool == "pay_card" and slots.get("amount") is None:     # "pay the minimum on my visa"
        return {"pay": resolve.meaning(reading.text, "payment_choices", REASON, windows=True, margin=REASON_MARGIN)
                or "statement"}
    if capability.tool == "spending_summary":
        grouping = resolve.meaning(reading.text, "groupings", GROUPING, windows=True, margin=GROUPING_MARGIN)
        return {"group_by": grouping} if grouping else {}
    if capability.tool == "handoff_to_agent":
        return {"reason": f"{capability.args.get('reason', capability.description)}: {reading.text}"[:300]}
    return {}


def candidates(found, reason: str | None) -> list[dict]:
    if found.name == "fraud_alerts":
        return [t for a in found.result["alerts"] for step in a.get("next_steps", [])
                if step.get("action") == "dispute_transaction"
                for t in a["evidence"]["transactions"] if t["id"] == step["args"]["transaction_id"]]
    spent = [t for t in found.result["transactions"] if t["amount"] < 0]
    twins = [t for t in spent if sum((u["merchant"], u["amount"]) == (t["merchant"], t["amount"]) for u in spent) > 1]
    return twins[:1] if twins and reason == "duplicate_charge" else spent


def options(transactions: list[dict]) -> list[dict]:
    return [{"label": f"{t['date']} {t['merchant']} {abs(t['amount']):.2f}", "value": t["id"], "merchant": t["merchant"],
             "amount": t["amount"], "date": t["date"]} for t in transactions]


def fitted(tool: str, args: dict) -> dict:
    """The arguments this tool takes, numbers kept inside what it accepts (a horizon of 200 days asks
    upcoming_bills for its maximum); the others are for another tool of the capability."""
    from tools import REGISTRY

    fields = REGISTRY[tool].args_model.model_fields
    args = {key: value for key, value in args.items() if key in fields}
    for key, value in list(args.items()):
        if key in fields and isinstance(value, int | float) and not isinstance(value, bool):
            for bound in fields[key].metadata:
                low = getattr(bound, "ge", None) or getattr(bound, "gt", None)
                high = getattr(bound, "le", None) or getattr(bound, "lt", None)
                value = max(value, low) if low is not None else value
                value = min(value, high) if high is not None else value
            args[key] = value
    return args


def question(reading: Reading) -> str:
    """The knowledge-base query for a message: its words, then what the model read it as ("pay the daycare 640"
    is also "move money, transfer"), so a request phrased as an order still finds the page that explains it."""
    read_as = [name.replace("_", " ") for name in
               reading.likely(reading.actions, 0.4) + reading.likely(reading.topics, 0.4) if name != "other"]
    return f"{reading.text[:450]} ({', '.join(read_as)})" if read_as else reading.text[:500]
