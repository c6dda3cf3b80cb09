// Fraud and charging-error alerts in the chat: each names its card, lists its charges (with country names) and offers
// Freeze and Dispute; a charge already disputed shows its dispute instead of the button.
import { api, el, cardWords, day, money } from "/static/api.js";

function chargeLine(charge, alert, propose) {
  const amount = money(Math.abs(charge.amount), charge.currency);
  const step = alert.next_steps.find((s) => s.action === "dispute_transaction" && s.args.transaction_id === charge.id);
  const item = el("li", { "data-transaction": charge.id }, `${day(charge.date)} · ${charge.merchant} · ${amount} · ${charge.country_name}`, " ");
  if (charge.disputed) item.append(el("span", { class: "badge active" }, `disputed · ${charge.disputed.replace("_", " ")}`));
  else if (step) item.append(el("button", { type: "button", class: "secondary", "aria-label": `Dispute the ${amount} charge at ${charge.merchant} on ${day(charge.date)}`,
    onclick: (event) => { event.target.disabled = true; propose("dispute_transaction", step.args, item); } }, "Dispute"));
  return item;
}

/** The customer's current alerts as a card, or null when there are none (or they are not shared); `propose(tool,
 * args, where)` turns a button into a pending action shown in `where`. */
export async function alertsCard(customerId, propose) {
  const data = await api(`/api/customers/${customerId}/alerts`);
  if (!data.available || !data.alerts.length) return null;
  return el("div", { class: "card alerts", role: "group", "aria-label": "Alerts" }, data.alerts.map((alert) => {
    const freeze = alert.next_steps.find((s) => s.action === "freeze_card");
    const section = el("section", { class: "alert", "data-alert": alert.kind },
      el("p", {}, el("span", { class: `badge ${alert.severity}` }, alert.severity), " ", el("strong", {}, alert.title)),
      alert.card ? el("p", { class: "muted" }, `On your ${cardWords(alert.card)}${alert.card.status === "active" ? "" : ` (${alert.card.status})`}`) : "",
      el("ul", { class: "charges" }, alert.evidence.transactions.map((t) => chargeLine(t, alert, propose))));
    if (freeze) section.append(el("div", { class: "buttons" }, el("button", { type: "button", "aria-label": `Freeze your ${cardWords(alert.card)}`,
      onclick: (event) => { event.target.disabled = true; propose("freeze_card", freeze.args, section); } }, "Freeze card")));
    return section;
  }));
}
