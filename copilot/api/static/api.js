// Shared browser helpers: the bearer token, JSON calls with readable errors, SSE over POST, DOM building, formats.

const TOKEN_KEY = "copilot.token";

/** The token: taken from `#token=...` once (then removed from the address bar), kept for this tab only. */
export function token() {
  const found = location.hash.match(/token=([^&]+)/);
  if (found) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(found[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function signOut() {
  sessionStorage.clear();
  location.href = "/";
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `request failed (${status})`);
    this.status = status;
    this.code = error.code || "error";
    this.body = error;
  }
}

/** This browser's id, kept in its storage: the bank asks for a one-time code for payments from a new device. */
function deviceId() {
  let id = localStorage.getItem("copilot-device");
  if (!id) localStorage.setItem("copilot-device", (id = crypto.randomUUID()));
  return id;
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${token()}`, "X-Device-Id": deviceId(), ...extra };
}

const RETRIES = 3;

/** fetch, waiting out a rate limit (429: the server's Retry-After) a few times before giving up with its answer. */
async function send(path, init) {
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(path, init);
    if (response.status !== 429 || attempt >= RETRIES) return response;
    const wait = Math.min(10, Math.max(1, Number(response.headers.get("Retry-After")) || 1));
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
}

/** A JSON call; throws ApiError with the server's message. */
export async function api(path, { method = "GET", body } = {}) {
  const init = { method, headers: headers({ Accept: "application/json" }) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await send(path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** POST a JSON body (GET when body is null) and call onEvent(name, data) for each server-sent event as it arrives;
 * `signal` (an AbortSignal) ends it. A 429 is waited out like any other call. */
export async function stream(path, body, onEvent, signal) {
  const response = await send(path, body === null
    ? { method: "GET", headers: headers({ Accept: "text/event-stream" }), signal }
    : { method: "POST", headers: headers({ Accept: "text/event-stream", "Content-Type": "application/json" }),
        body: JSON.stringify(body), signal });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

/** Build an element: el("button", {class: "x", onclick: f}, "text", child). Text is always text, never HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function money(value, currency = "USD") {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency || "USD" }).format(value);
}

const BORROWING = ["credit_card", "personal_loan", "term_loan"];

/** One account as a line: what is available, or for cards and loans what is owed. */
export function accountLine(a) {
  if (!BORROWING.includes(a.kind)) return [`${a.name} ••${a.last4}: `, el("strong", {}, money(a.available_balance, a.currency))];
  return [`${a.name} ••${a.last4}: owed `, el("strong", {}, money(a.current_balance, a.currency)),
    a.credit_limit ? el("span", { class: "muted" }, ` (${money(a.available_balance, a.currency)} available)`) : ""];
}

/** "Cashback Visa card ending 3424", without doubling a name that already says card ("Store Card ending 1180"). */
export function cardWords(card) {
  return `${card.name}${/card\s*$/i.test(card.name) ? "" : " card"} ending ${card.last4}`;
}

export function day(iso) {
  return iso ? new Date(iso).toLocaleDateString("en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }) : "–";
}

/** Announce a short status in the page's polite live region. */
export function say(text, isError = false) {
  const region = document.getElementById("status");
  if (!region) return;
  region.textContent = text;
  region.classList.toggle("error", isError);
}

/** The caller, or a sign-in prompt when the tab has no valid token for the expected role. */
export async function whoami(role) {
  if (!token()) return needSignIn("This page needs a sign-in link or token.");
  try {
    const me = await api("/api/me");
    if (role && me.role !== role) return needSignIn(`This page is for ${role.replace("_", " ")}s.`);
    return me;
  } catch (error) {
    return needSignIn(error.message);
  }
}

function needSignIn(reason) {
  const main = document.getElementById("main");
  main.replaceChildren(el("div", { class: "panel" }, el("h2", {}, "Please sign in"), el("p", {}, reason),
    el("p", {}, el("a", { href: "/" }, "Go to the sign-in page"))));
  return null;
}
