// The consent centre: each permission on its own line (what it lets the copilot do, since and until when), revoked
// one at a time; what is not shared, with Allow; what a support agent can see; the history.
import { api, el, day, say, whoami, signOut } from "/static/api.js";

const state = { me: null, permissions: [] };
const base = () => `/api/customers/${state.me.subject}/consents`;
const capital = (text) => `${text[0].toUpperCase()}${text.slice(1)}`;

/** A button that runs `work`, re-enabled with the error announced if it fails. */
function acting(label, attrs, work) {
  const button = el("button", { type: "button", ...attrs, onclick: async () => {
    button.disabled = true;
    try {
      await work();
      await render();
    } catch (error) {
      button.disabled = false;
      say(error.message, true);
    }
  } }, label);
  return button;
}

function permissionItem(permission, grant) {
  const { scope, purpose, enables } = permission;
  const facts = grant ? [`Shared since ${day(grant.granted_at)}`, grant.expires_at ? `until ${day(grant.expires_at)}` : "until you revoke it",
    scope === "transactions:read" && grant.lookback_days !== null ? `transaction history of the last ${grant.lookback_days} days` : null]
    .filter(Boolean).join(" · ") : null;
  const button = grant
    ? acting("Revoke", { class: "danger", "aria-label": `Revoke: ${purpose}` }, async () => {
      await api(`${base()}/revoke`, { method: "POST", body: { scopes: [scope] } });
      say(`Revoked: the copilot can no longer ${purpose}. Your other permissions stay as they are.`);
    })
    : acting("Allow", { class: "secondary", "aria-label": `Allow: ${purpose}` }, async () => {
      await api(base(), { method: "POST", body: { scopes: [scope] } });
      say(`Allowed: ${purpose}.`);
    });
  return el("li", { class: "permission", "data-scope": scope, "data-consent": grant ? grant.id : null },
    el("div", {}, el("strong", {}, capital(purpose)), el("p", { class: "enables" }, enables),
      facts ? el("p", { class: "muted" }, facts) : null), button);
}

function agentView(view) {
  document.getElementById("agent-conversation").textContent = `Your conversations: ${view.conversation}.`;
  document.getElementById("agent-view").replaceChildren(...view.summary.map((p) =>
    el("li", { "data-part": p.part }, el("span", { class: `badge ${p.visible ? "active" : "closed"}` }, p.visible ? "visible" : "hidden"),
      ` ${capital(p.what)}`, p.visible ? "" : el("span", { class: "muted" }, ` (needs ${p.needs.join(" and ")})`))));
}

async function render() {
  const [grants, history, view] = await Promise.all([api(base()), api(`${base()}/history`), api(`${base()}/agent-view`)]);
  agentView(view);
  const holder = new Map();                         // scope -> its newest active grant
  for (const grant of grants) for (const scope of grant.scopes) holder.set(scope, grant);
  const shared = state.permissions.filter((p) => holder.has(p.scope));
  document.getElementById("grants").replaceChildren(...(shared.length ? shared.map((p) => permissionItem(p, holder.get(p.scope)))
    : [el("li", { class: "muted" }, "You share nothing with the copilot right now.")]));
  document.getElementById("available").replaceChildren(...state.permissions.filter((p) => !holder.has(p.scope))
    .map((p) => permissionItem(p, null)));
  const purpose = Object.fromEntries(state.permissions.map((p) => [p.scope, p.purpose]));
  document.getElementById("history").replaceChildren(...history.slice().reverse().map((e) =>
    el("li", {}, el("strong", {}, e.event), ` ${day(e.at)}: ${(e.detail.scopes || []).map((s) => purpose[s] || s).join("; ")}`,
      el("span", { class: "muted" }, ` (by ${e.actor})`))));
}

async function main() {
  state.me = await whoami("customer");
  if (!state.me) return;
  document.getElementById("sign-out").addEventListener("click", signOut);
  const [profile, permissions] = await Promise.all([api(`/api/customers/${state.me.subject}/profile`), api("/api/consent-permissions")]);
  document.getElementById("who").textContent = `· ${profile.name}`;
  state.permissions = permissions;
  await render();
}

main().catch((error) => say(error.message, true));
