// The support-agent assist panel: hand-off queue, live conversation, consented customer summary, the copilot's
// suggested reply (edit and send; the filters run again), knowledge-base search and the turn traces.
import { api, el, money, day, say, whoami, signOut, accountLine, cardWords } from "/static/api.js";
import { richText, sources, numbered, unnumbered } from "/static/citations.js";

const state = { me: null, handoff: null, lastId: 0, suggestion: null, shared: null };
const $ = (id) => document.getElementById(id);
const ROLE_NAMES = { user: "Customer", assistant: "Copilot", agent: "Support agent", system: "Bank" };

async function showSection(handle) {
  const [doc, section] = handle.split("#");
  try {
    const found = await api(`/api/kb/sections/${encodeURIComponent(doc)}/${encodeURIComponent(section)}`);
    $("kb-dialog-title").textContent = `${found.title}: ${found.section}`;
    $("kb-dialog-meta").textContent = `${found.audience === "agent" ? "Agent-only procedure" : "Customer document"} · version ${found.version}`;
    $("kb-dialog-text").textContent = found.text;
    $("kb-dialog").showModal();
  } catch (error) {
    say(error.message, true);
  }
}

function sectionLink(item) {
  return el("li", {}, el("button", { type: "button", class: "link", onclick: () => showSection(item.handle) }, item.title || item.handle),
    item.section ? ` · ${item.section} ` : " ", item.audience === "agent" ? el("span", { class: "badge high" }, "agent only") : "");
}

async function loadQueue() {
  const items = await api("/api/assist/handoffs");
  $("queue").replaceChildren(...(items.length ? items.map((h) => {
    const mine = h.agent_id === state.me.subject;
    const button = h.status === "queued"
      ? el("button", { type: "button", onclick: () => take(h) }, `Take ${h.customer_name}`)
      : mine ? el("button", { type: "button", class: "secondary", onclick: () => open(h) }, "Open") : el("span", { class: "muted" }, `with ${h.agent_id}`);
    return el("li", { "data-handoff": h.id }, el("strong", {}, h.customer_name), ` · ${h.reason} `,
      el("span", { class: `badge ${h.priority}` }, h.priority), " ", button);
  }) : [el("li", { class: "muted" }, "No one is waiting.")]));
}

async function take(handoff) {
  try {
    await open(await api(`/api/assist/handoffs/${handoff.id}/take`, { method: "POST" }));
    await loadQueue();
  } catch (error) {
    say(error.message, true);
  }
}

async function open(handoff) {
  state.handoff = handoff;
  state.lastId = 0;
  state.shared = null;
  $("log").replaceChildren();
  $("conversation-meta").textContent = `${handoff.customer_name} · ${handoff.reason} · since ${day(handoff.created_at)}`;
  $("suggestion").hidden = false;
  await Promise.all([loadMessages(), loadSummary(), loadTraces(), suggest()]);
  $("reply").focus();
}

async function loadMessages() {
  if (!state.handoff) return;
  const data = await api(`/api/assist/conversations/${state.handoff.conversation_id}?after=${state.lastId}`);
  for (const m of data.messages) {
    const handles = [...(m.citations || [])];
    const body = richText(m.content, handles, showSection);
    $("log").append(el("div", { class: `msg ${m.role}` }, el("span", { class: "who" }, ROLE_NAMES[m.role] || m.role),
      body, sources(handles, showSection)));
    state.lastId = Math.max(state.lastId, m.id);
  }
  $("log").scrollTop = $("log").scrollHeight;
  const shared = JSON.stringify(data.summary_shared);
  if (state.shared !== null && shared !== state.shared) await loadSummary();   // the customer just answered
  state.shared = shared;
}

async function loadSummary() {
  const data = await api(`/api/assist/customers/${state.handoff.customer_id}/summary`);
  const alerts = data.alerts.available
    ? (data.alerts.alerts.length ? data.alerts.alerts.map((a) => el("li", {}, el("span", { class: `badge ${a.severity}` }, a.severity), ` ${a.title}`,
      a.card ? el("span", { class: "muted" }, ` · ${cardWords(a.card)}`) : ""))
      : [el("li", { class: "muted" }, "No recent alerts.")])
    : [el("li", { class: "muted" }, data.withheld.alerts || `Not available: ${data.alerts.reason}`)];
  $("summary").replaceChildren(
    el("p", {}, el("strong", {}, data.customer.name), ` · ${data.customer.segment}`),
    el("p", { class: "muted" }, `Access: ${data.basis}. Shared scopes: ${data.consents.join(", ") || "none"}.`),
    el("h3", {}, "Accounts"), part(data, "accounts", data.accounts.map((a) => el("li", {}, accountLine(a)))),
    el("h3", {}, "Cards"), part(data, "cards", data.cards.map((c) =>
      el("li", {}, `${c.name} ••${c.last4} `, el("span", { class: `badge ${c.status}` }, c.status)))),
    el("h3", {}, "Recent alerts"), el("ul", { class: "plain" }, alerts),
    el("h3", {}, "Open disputes"), part(data, "disputes", data.disputes.length
      ? data.disputes.map((d) => el("li", {}, `${d.merchant} ${money(d.amount, d.currency)} · ${d.status}`)) : [el("li", { class: "muted" }, "None.")]));
}

/** One part of the summary, or why the customer's grants keep it from the agent. */
function part(data, name, items) {
  return el("ul", { class: "plain" }, data.shared[name] ? items : [el("li", { class: "muted" }, data.withheld[name])]);
}

async function loadTraces() {
  const traces = await api(`/api/assist/conversations/${state.handoff.conversation_id}/traces`);
  $("traces").replaceChildren(...traces.map((t) => {
    const rules = ["input", "output"].flatMap((d) => ((t.guard || {})[d] || {}).rules || []).map((r) => r.rule_id);
    return el("details", { class: "trace" }, el("summary", {}, `Turn ${t.id}: ${t.route}${t.intent ? ` (${t.intent})` : ""} · ${Math.round(t.latency_ms)} ms`),
      el("ul", {}, t.tools.map((c) => el("li", {}, `${c.name}: ${c.status}${c.allowed ? "" : " (consent refused)"}`)),
        el("li", {}, `Rule hits: ${rules.join(", ") || "none"}`), t.citations.length ? el("li", {}, "Cited:", sources(t.citations, showSection)) : ""));
  }));
}

function complianceView(compliance) {
  if (!compliance || !compliance.verdict) return "";
  return el("div", {}, "Compliance: ", el("span", { class: `badge ${compliance.verdict}` }, compliance.verdict),
    compliance.rules.length ? el("ul", { class: "rules" }, compliance.rules.map((r) => el("li", {}, `${r.rule_id} (${r.action}) ${r.detail || ""}`))) : " no rule hits");
}

/** Why the copilot suggests nothing: the data it would need is not shared with support. */
function withheldNote(request) {
  const others = Object.entries(request.purposes || {}).filter(([scope]) => scope !== "support:share").map(([, words]) => words);
  return [request.scopes.includes("support:share") ? "The customer has not shared their account summary with support, so the copilot cannot look at their data to answer this." : "",
    others.length ? ` It would also need their permission to ${others.join("; ")}.` : "",
    " Answer from the conversation, or ask them to choose Allow when their chat offers to share it."].join("");
}

async function suggest() {
  say("Asking the copilot for a suggestion…");
  const s = await api(`/api/assist/conversations/${state.handoff.conversation_id}/suggestion`, { method: "POST" });
  state.suggestion = s;
  state.handles = s.citations.map((c) => c.handle);
  $("reply").value = numbered(s.text, state.handles);
  $("suggestion-facts").replaceChildren(
    s.question ? el("p", { class: "muted" }, `Answering: “${s.question.content}”`) : el("p", { class: "muted" }, "The customer has not written yet."),
    s.consent_request ? el("p", { class: "muted", "data-withheld": "" }, withheldNote(s.consent_request))
      : s.question && !s.text ? el("p", { class: "muted" }, "The copilot has no reply to suggest here; write your own.") : "",
    complianceView(s.compliance),
    s.citations.length ? el("div", {}, "Sources ([1], [2]… in the reply; sent to the customer as links):", sources(state.handles, showSection)) : "",
    s.tools.length ? el("p", { class: "muted" }, `Tools: ${s.tools.map((t) => `${t.name} (${t.status})`).join(", ")}`) : "",
    s.proposed_action ? el("p", { class: "error" }, `The copilot would propose: ${s.proposed_action.summary} The customer confirms actions in their own chat.`) : "",
    s.procedures.length ? el("div", {}, "Relevant procedures:", el("ul", {}, s.procedures.map(sectionLink))) : "");
  say("Suggestion ready.");
}

async function sendReply() {
  const text = unnumbered($("reply").value.trim(), state.handles || []);
  if (!text) return say("Write a reply first.", true);
  $("send-reply").disabled = true;
  try {
    const sent = await api(`/api/assist/conversations/${state.handoff.conversation_id}/reply`,
      { method: "POST", body: { text, suggestion_id: state.suggestion?.suggestion_id ?? null } });
    say(sent.edited_by_filters ? "Sent, after the compliance filters adjusted it." : "Sent.");
    $("suggestion-facts").replaceChildren(complianceView(sent.compliance));
    $("reply").value = "";
    await loadMessages();
  } catch (error) {
    say(error.message, true);
    if (error.body.compliance) $("suggestion-facts").replaceChildren(complianceView(error.body.compliance));
  } finally {
    $("send-reply").disabled = false;
  }
}

async function closeHandoff() {
  try {
    await api(`/api/assist/handoffs/${state.handoff.id}/close`, { method: "POST" });
    say("Hand-off closed; the copilot is back with the customer.");
    state.handoff = null;
    $("suggestion").hidden = true;
    await loadQueue();
  } catch (error) {
    say(error.message, true);
  }
}

async function searchKb(event) {
  event.preventDefault();
  const q = $("kb-query").value.trim();
  try {
    const found = await api(`/api/kb/search?q=${encodeURIComponent(q)}`);
    $("kb-results").replaceChildren(...(found.hits.length ? found.hits.map(sectionLink) : [el("li", { class: "muted" }, "Nothing relevant found.")]));
  } catch (error) {
    say(error.message, true);
  }
}

async function main() {
  state.me = await whoami("support_agent");
  if (!state.me) return;
  $("who").textContent = `· ${state.me.subject}`;
  $("sign-out").addEventListener("click", signOut);
  $("send-reply").addEventListener("click", sendReply);
  $("refresh-suggestion").addEventListener("click", () => suggest().catch((e) => say(e.message, true)));
  $("close-handoff").addEventListener("click", closeHandoff);
  $("kb-form").addEventListener("submit", searchKb);
  await loadQueue();
  setInterval(() => loadQueue().catch(() => {}), state.me.poll_seconds * 2000);
  setInterval(() => loadMessages().catch(() => {}), state.me.poll_seconds * 1000);
}

main().catch((error) => say(error.message, true));
