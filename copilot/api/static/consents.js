// The consent centre: what is shared, why, since and until when; revoke in one click; allow what is not shared.
import { api, el, day, say, whoami, signOut } from "/static/api.js";

const state = { me: null, scopes: {} };
const base = () => `/api/customers/${state.me.subject}/consents`;

function grantRow(grant) {
  const revoke = el("button", { type: "button", class: "danger", "aria-label": `Revoke: ${Object.values(grant.purposes).join("; ")}`,
    onclick: async () => {
      revoke.disabled = true;
      try {
        await api(`${base()}/${grant.id}`, { method: "DELETE" });
        say("Revoked. The copilot can no longer use it.");
        await render();
      } catch (error) {
        revoke.disabled = false;
        say(error.message, true);
      }
    } }, "Revoke");
  const lookback = grant.scopes.includes("transactions:read") && grant.lookback_days !== null
    ? el("div", { class: "muted" }, `Transaction history: the last ${grant.lookback_days} days`) : null;
  return el("tr", { "data-consent": grant.id },
    el("td", {}, el("ul", {}, Object.values(grant.purposes).map((p) => el("li", {}, p))), lookback),
    el("td", {}, grant.purpose),
    el("td", {}, day(grant.granted_at)),
    el("td", {}, grant.expires_at ? day(grant.expires_at) : "Until you revoke it"),
    el("td", {}, revoke));
}

function allowItem(scope, purpose) {
  const allow = el("button", { type: "button", class: "secondary", "aria-label": `Allow: ${purpose}`,
    onclick: async () => {
      allow.disabled = true;
      try {
        await api(base(), { method: "POST", body: { scopes: [scope] } });
        say(`Allowed: ${purpose}.`);
        await render();
      } catch (error) {
        allow.disabled = false;
        say(error.message, true);
      }
    } }, "Allow");
  return el("li", { "data-scope": scope }, `${purpose[0].toUpperCase()}${purpose.slice(1)} `, allow);
}

function agentView(view) {
  document.getElementById("agent-conversation").textContent = `Your conversations: ${view.conversation}.`;
  document.getElementById("agent-view").replaceChildren(...view.summary.map((p) =>
    el("li", { "data-part": p.part }, el("span", { class: `badge ${p.visible ? "active" : "closed"}` }, p.visible ? "visible" : "hidden"),
      ` ${p.what[0].toUpperCase()}${p.what.slice(1)}`, p.visible ? "" : el("span", { class: "muted" }, ` (needs ${p.needs.join(" and ")})`))));
}

async function render() {
  const [grants, history, view] = await Promise.all([api(base()), api(`${base()}/history`), api(`${base()}/agent-view`)]);
  agentView(view);
  const shared = new Set(grants.flatMap((g) => g.scopes));
  const body = document.getElementById("grants");
  body.replaceChildren(...(grants.length ? grants.map(grantRow)
    : [el("tr", {}, el("td", { colspan: 5 }, "You share nothing with the copilot right now."))]));
  document.getElementById("available").replaceChildren(...Object.entries(state.scopes)
    .filter(([scope]) => !shared.has(scope)).map(([scope, purpose]) => allowItem(scope, purpose)));
  document.getElementById("history").replaceChildren(...history.slice().reverse().map((e) =>
    el("li", {}, el("strong", {}, e.event), ` ${day(e.at)}: ${(e.detail.scopes || []).join(", ")}`,
      el("span", { class: "muted" }, ` (by ${e.actor})`))));
}

async function main() {
  state.me = await whoami("customer");
  if (!state.me) return;
  document.getElementById("sign-out").addEventListener("click", signOut);
  const [profile, scopes] = await Promise.all([api(`/api/customers/${state.me.subject}/profile`), api("/api/consent-scopes")]);
  document.getElementById("who").textContent = `· ${profile.name}`;
  state.scopes = scopes;
  await render();
}

main().catch((error) => say(error.message, true));
