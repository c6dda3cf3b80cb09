// The customer chat: streamed answers with citations and charts, consent requests (Allow / Deny), confirmation
// buttons for pending actions (also those an alert's Freeze or Dispute proposes), and support-agent replies while a
// hand-off is open.
import { api, stream, el, say, whoami, signOut, accountLine } from "/static/api.js";
import { alertsCard } from "/static/alerts.js";
import { richText, sources } from "/static/citations.js";
import { chart } from "/static/charts.js";

const log = document.getElementById("log");
const input = document.getElementById("message");
const sendButton = document.getElementById("send");
const state = { me: null, conversation: null, lastId: 0, live: null, busy: false };
const ROLE_NAMES = { user: "You", assistant: "Copilot", agent: "Support agent", system: "Northbridge" };

/** One bubble; `fill(text, citations, ui)` (re)draws its body, so streamed deltas can grow it. */
function bubble(role) {
  const node = el("div", { class: `msg ${role}` });
  const body = el("div", { class: "body" });
  const extras = el("div", { class: "extras" });
  node.append(el("span", { class: "who" }, ROLE_NAMES[role] || role), body, extras);
  log.append(node);
  const fill = (text, citations = []) => {
    const handles = [...citations];
    body.replaceChildren(...richText(text, handles), sources(handles) || "");
    log.scrollTop = log.scrollHeight;
  };
  const add = (child) => {
    if (child) extras.append(child);
    log.scrollTop = log.scrollHeight;
  };
  return { node, fill, add };
}

function showMessage(message) {
  const b = bubble(message.role);
  b.fill(message.content, message.citations || []);
  for (const block of message.ui || []) b.add(chart(block));
  if ((message.tools || []).some((t) => t.name === "fraud_alerts" && t.status === "ok")) alerts().then(b.add, () => null);
  state.lastId = Math.max(state.lastId, message.id);
}

const alerts = () => alertsCard(state.me.subject, propose);

/** Propose an alert's next step; it waits for Confirm like any action (a missing permission is asked for first). */
async function propose(tool, args, where) {
  try {
    const action = await api("/api/actions", { method: "POST", body: { tool, args, conversation_id: state.conversation } });
    where.append(actionCard(action));
    await catchUp();
  } catch (error) {
    if (error.code !== "consent_required") return where.append(el("p", { class: "error", role: "alert" }, error.message));
    const purposes = Object.values(error.body.consent.purposes || {});
    where.append(el("p", {}, `To do that I need your permission to ${purposes.join(" and ")}. Choose Allow and I'll carry on.`),
      consentCard(error.body.consent, () => propose(tool, args, where)));
  }
}

/** Allow / Deny for a permission the answer above has just asked for (the words are in the answer, not repeated). */
function consentCard(request, then) {
  const purposes = Object.values(request.purposes || {}).join("; ");
  const card = el("div", { class: "card", role: "group", "aria-label": "Permission request" },
    el("p", { class: "muted" }, "You can change this any time in ", el("a", { href: "/consents" }, "Privacy and consents"), "."));
  const allow = el("button", { type: "button", "aria-label": `Allow: ${purposes}`, onclick: () => decide(true) }, "Allow");
  const deny = el("button", { type: "button", class: "secondary", "aria-label": `Deny: ${purposes}`, onclick: () => decide(false) }, "Deny");
  card.prepend(el("div", { class: "buttons" }, allow, deny));
  async function decide(granted) {
    allow.disabled = deny.disabled = true;
    const path = `/api/customers/${state.me.subject}/consents`;
    try {
      if (granted) await api(path, { method: "POST", body: { scopes: request.scopes } });
      else await api(`${path}/decline`, { method: "POST", body: { scopes: request.scopes } });
      const note = !granted ? "Denied. The copilot won't use this; you can allow it later in Privacy and consents."
        : then ? "Allowed. Carrying on with your request…" : "Allowed.";
      card.append(el("p", { role: "status" }, note));
      if (granted && then) await then();
    } catch (error) {
      allow.disabled = deny.disabled = false;
      say(error.message, true);
    }
    input.focus();
  }
  return card;
}

/** Confirm / Cancel for a pending action; a risky one (a new payee, an unusual amount) also takes the one-time code
 * from the customer's phone, and a wrong code leaves the action waiting with the reason. */
function actionCard(action) {
  const card = el("div", { class: "card", role: "group", "aria-label": "Action waiting for your confirmation",
    "data-action": action.id }, el("p", {}, action.summary));
  const confirm = el("button", { type: "button", onclick: () => decide("confirm") }, "Confirm");
  const cancel = el("button", { type: "button", class: "secondary", onclick: () => decide("cancel") }, "Cancel");
  const code = action.requires_step_up ? codeField(card) : null;
  card.append(el("div", { class: "buttons" }, confirm, cancel));
  async function decide(verb) {
    const body = verb === "confirm" && code ? { code: code.value.replace(/\D/g, "") } : undefined;
    if (body && body.code.length !== 6) return say("Enter the 6-digit code from your phone first.", true);
    confirm.disabled = cancel.disabled = true;
    try {
      const done = await api(`/api/actions/${action.id}/${verb}`, { method: "POST", body });
      card.append(el("p", { role: "status" }, done.replayed ? done.message : verb === "confirm" ? "Confirmed." : "Cancelled."));
      card.dispatchEvent(new Event("settled"));
      await Promise.all([loadAccounts(), catchUp()]);
    } catch (error) {
      card.append(el("p", { class: "error", role: "alert" }, error.message));
      if (error.code === "step_up_required") { confirm.disabled = cancel.disabled = false; code.value = ""; code.focus(); }
    }
    input.focus();
  }
  return card;
}

/** The one-time-code box; in demo mode, the customer's phone is shown beside it (a real phone shows it instead). */
function codeField(card) {
  const id = `code-${card.dataset.action}`;
  const field = el("input", { id, inputmode: "numeric", autocomplete: "one-time-code", maxlength: "7", size: "8",
    pattern: "[0-9 ]*", "aria-describedby": `${id}-hint` });
  card.append(el("label", { for: id }, "One-time code from your phone"), field,
    el("span", { id: `${id}-hint`, class: "muted" }, " We sent it because this payment needs an extra check."));
  demoPhone(card);
  return field;
}

async function demoPhone(card) {
  const screen = el("p", { class: "muted", "data-phone": "" });
  let timer = null;
  const show = async () => {
    try {
      const phone = await api("/api/actions/step-up/phone");
      screen.textContent = `Demo phone (${phone.device}): your code is ${phone.code}, for ${phone.seconds_left} more seconds.`;
      if (!screen.isConnected) card.append(screen);
    } catch (error) {
      clearInterval(timer);          // not demo mode: the real phone shows the code
    }
  };
  await show();
  timer = setInterval(() => (card.isConnected ? show() : clearInterval(timer)), 5000);
  card.addEventListener("settled", () => clearInterval(timer));
}

/** While the copilot answers, the send and quick-question buttons wait (a second question is not dropped silently). */
function setBusy(busy) {
  state.busy = busy;
  for (const button of [sendButton, ...document.querySelectorAll("[data-ask]")]) button.disabled = busy;
}

async function send(text) {
  if (state.busy) return;
  setBusy(true);
  bubble("user").fill(text);
  const answer = bubble("assistant");
  answer.node.setAttribute("aria-busy", "true");
  let draft = "", alertsAsked = false;
  const citations = [];
  say("The copilot is answering…");
  try {
    await stream(`/api/conversations/${state.conversation}/messages`, { text, client_message_id: crypto.randomUUID() },
      (name, data) => {
        if (name === "text") { draft += data.delta; answer.fill(draft, citations); }
        else if (name === "citation") { citations.push(data.citation); answer.fill(draft, citations); }
        else if (name === "consent_request") answer.add(consentCard(data, () => send(text)));
        else if (name === "tool" && data.name === "fraud_alerts" && data.status === "ok") alertsAsked = true;
        else if (name === "confirm") answer.add(actionCard(data));
        else if (name === "ui") answer.add(chart(data));
        else if (name === "route") answer.node.dataset.route = data.route;
        else if (name === "error") throw new Error(data.message);
      });
    say("");
    if (alertsAsked) answer.add(await alerts().catch(() => null));   // the answer's words stand on their own
  } catch (error) {
    answer.fill(draft || "Sorry, that did not go through.");
    say(error.message, true);
  } finally {
    answer.node.setAttribute("aria-busy", "false");
    setBusy(false);
  }
  await Promise.all([catchUp(), loadAccounts()]);
}

/** A message of this conversation not seen yet: agent and bank messages are shown (turns are drawn as they stream). */
function arrived(message) {
  if (message.id <= state.lastId) return false;
  if (message.role === "agent" || message.role === "system") showMessage(message);
  state.lastId = message.id;
  return true;
}

/** Learn the ids of the turn just streamed, and show any agent or bank messages that arrived meanwhile. */
async function catchUp() {
  const history = await api(`/api/conversations/${state.conversation}?after=${state.lastId}`);
  history.messages.forEach(arrived);
  renderActions(history.pending_actions);
  const handoff = history.conversation.status === "handoff";
  if (handoff && !state.live) {
    follow();
    await offerSharing();
  }
  if (!handoff && state.live) { state.live.abort(); state.live = null; }
}

/** During a hand-off, the conversation's live stream brings the agent's replies and the bank's notes, from whichever
 * server wrote them; after a dropped connection it reconnects from the last message seen. */
function follow() {
  const live = state.live = new AbortController();
  const onEvent = (name, message) => {
    if (name === "message" && arrived(message) && message.role === "system") catchUp().catch(() => {});
  };
  (async () => {
    while (!live.signal.aborted) {
      await stream(`/api/conversations/${state.conversation}/events?after=${state.lastId}`, null, onEvent,
        live.signal).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, state.me.poll_seconds * 1000));
    }
  })();
}

/** During a hand-off, offer to let the agent see the account summary (once, and only if not already shared). */
async function offerSharing() {
  const grants = await api(`/api/customers/${state.me.subject}/consents`);
  if (grants.some((g) => g.scopes.includes("support:share"))) return;
  const view = await api(`/api/customers/${state.me.subject}/consents/agent-view`);
  const parts = view.summary.map((p) => p.what);
  const note = bubble("system");
  note.fill(`While you wait: would you like the support agent to see your account summary? They would see ${parts.slice(0, -1).join(", ")} `
    + `and ${parts[parts.length - 1]}, as far as your other permissions share them. Until you choose Allow they see only this conversation.`);
  note.add(consentCard({ scopes: ["support:share"], purposes: { "support:share": "let the support agent see your account summary" } }));
}

function renderActions(actions) {
  const list = document.getElementById("actions");
  list.replaceChildren(...(actions.length ? actions.map((a) => el("li", {}, actionCard(a)))
    : [el("li", { class: "muted" }, "Nothing waiting.")]));
}

/** The side panel: balances only while the customer shares accounts:read (what the copilot may see), and the cards. */
async function loadAccounts() {
  const data = await api(`/api/customers/${state.me.subject}/accounts`);
  document.getElementById("accounts").replaceChildren(...(data.balances_shared ? data.accounts.map((a) => el("li", {}, accountLine(a)))
    : [el("li", { class: "muted", "data-hidden": "balances" }, "Balances are hidden: you don't share your account balances with the copilot. ",
      el("a", { href: "/consents" }, "Allow it in Privacy and consents"), ".")]));
  document.getElementById("cards").replaceChildren(...data.cards.map((c) =>
    el("li", { "data-card": c.id }, `${c.name} ••${c.last4} `, el("span", { class: `badge ${c.status}` }, c.status))));
}

/** Reopen this tab's conversation (or start one); sending waits until it is open. */
async function openConversation(fresh) {
  setBusy(true);
  await resume(fresh);
  setBusy(false);
}

async function resume(fresh) {
  const key = `copilot.conversation.${state.me.subject}`;
  const saved = sessionStorage.getItem(key);
  if (state.live) { state.live.abort(); state.live = null; }
  log.replaceChildren();
  state.lastId = 0;
  if (saved && !fresh) {
    try {
      const history = await api(`/api/conversations/${saved}`);
      state.conversation = saved;
      history.messages.forEach(showMessage);
      return catchUp();
    } catch (error) {
      if (error.status !== 404) throw error;
    }
  }
  const created = await api("/api/conversations", { method: "POST", body: { channel: "web" } });
  state.conversation = created.id;
  sessionStorage.setItem(key, created.id);
  bubble("assistant").fill("Hello! Ask me about your spending, budgets, bills, debts or savings, or about our products and fees.");
  return catchUp();
}

async function main() {
  setBusy(true);                                    // nothing can be sent until the conversation is open
  state.me = await whoami("customer");
  if (!state.me) return;
  const profile = await api(`/api/customers/${state.me.subject}/profile`);
  document.getElementById("who").textContent = `· ${profile.name}`;
  document.getElementById("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || state.busy) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); document.getElementById("composer").requestSubmit(); }
  });
  document.querySelectorAll("[data-ask]").forEach((b) => b.addEventListener("click", () => send(b.dataset.ask)));
  document.getElementById("new-chat").addEventListener("click", () => openConversation(true));
  document.getElementById("sign-out").addEventListener("click", signOut);
  await Promise.all([openConversation(false), loadAccounts()]);
  input.focus();
}

main().catch((error) => say(error.message, true));
