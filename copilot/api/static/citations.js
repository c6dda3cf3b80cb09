// Knowledge-base citations for display: "[doc-id#section]" handles in a text become numbered links, and the sources
// list names each section by its document and section titles (the handles stay in the data, never on screen).
import { api, el } from "/static/api.js";

const CITATION = /\[([a-z0-9][a-z0-9._-]*)#([a-z0-9._-]+)\]/g;

function citationUrl(handle) {
  const [doc, section] = handle.split("#");
  return `/kb/${encodeURIComponent(doc)}/${encodeURIComponent(section)}`;
}

const titles = new Map();

/** "Document title: Section title" of a handle (fetched once per handle), or null when it cannot be read. */
function sectionTitle(handle) {
  if (!titles.has(handle)) {
    const [doc, section] = handle.split("#");
    titles.set(handle, api(`/api/kb/sections/${encodeURIComponent(doc)}/${encodeURIComponent(section)}`)
      .then((s) => `${s.title}: ${s.section}`).catch(() => null));
  }
  return titles.get(handle);
}

/** A link to a cited section, titled once its title is known; `open(handle)` (the assist panel) replaces navigation. */
function link(handle, text, open, label) {
  const attrs = open ? { href: citationUrl(handle), onclick: (event) => { event.preventDefault(); open(handle); } }
    : { href: citationUrl(handle), target: "_blank", rel: "noopener" };
  const node = el("a", { ...attrs, "data-citation": handle }, text);
  sectionTitle(handle).then((title) => {
    if (label) node.setAttribute("aria-label", label(title || "a help section"));
    else node.textContent = title || "Help section";
  });
  return node;
}

/** Text with its citations turned into numbered links; `handles` collects them, in order of first mention. */
export function richText(text, handles, open) {
  const out = [];
  let at = 0;
  for (const match of text.matchAll(CITATION)) {
    out.push(text.slice(at, match.index));
    const handle = `${match[1]}#${match[2]}`;
    if (!handles.includes(handle)) handles.push(handle);
    const n = handles.indexOf(handle) + 1;
    out.push(link(handle, `[${n}]`, open, (title) => `Source ${n}: ${title}${open ? "" : " (opens in a new tab)"}`));
    at = match.index + match[0].length;
  }
  out.push(text.slice(at));
  return out;
}

/** The numbered list of sources, each by its titles; null when there are none. */
export function sources(handles, open) {
  if (!handles.length) return null;
  return el("ol", { class: "sources", "aria-label": "Sources" }, handles.map((h) => el("li", {}, link(h, "…", open))));
}

/** Handles in a text replaced by their numbers in `handles` ("[2]", new ones added), for text a person edits. */
export function numbered(text, handles) {
  return text.replace(CITATION, (whole, doc, section) => {
    const handle = `${doc}#${section}`;
    if (!handles.includes(handle)) handles.push(handle);
    return `[${handles.indexOf(handle) + 1}]`;
  });
}

/** The numbers put back to handles before the text is sent (the data keeps the handles). */
export function unnumbered(text, handles) {
  return text.replace(/\[(\d{1,3})\]/g, (whole, n) => (handles[n - 1] ? `[${handles[n - 1]}]` : whole));
}
