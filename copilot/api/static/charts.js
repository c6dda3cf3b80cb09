// Charts from the copilot's `ui` blocks, drawn as inline SVG: spending bars, budget progress, payoff timeline,
// savings-goal progress. Each chart has a text alternative and a "Show the numbers" table.
import { el, money, day } from "/static/api.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 560;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function frame(height, label) {
  return svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": label, focusable: "false" });
}

function table(headings, rows, summary = "Show the numbers") {
  return el("details", {}, el("summary", {}, summary),
    el("table", {}, el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.map((row) => el("tr", {}, row.map((cell) => el("td", {}, cell)))))));
}

function bars(block) {
  const rows = block.series || [];
  const top = Math.max(1, ...rows.map((r) => Math.max(r.value || 0, r.usual || 0)));
  const chart = frame(rows.length * 30 + 10, `${block.title}: ` + rows.map((r) => `${r.label} ${money(r.value, block.currency)}`).join(", "));
  rows.forEach((row, i) => {
    const y = 8 + i * 30, span = WIDTH - 260;
    chart.append(svg("text", { x: 0, y: y + 15 }, row.label));
    chart.append(svg("rect", { class: "bar", x: 130, y, height: 20, width: Math.max(2, (row.value / top) * span), rx: 3 }));
    if (row.usual) {
      const x = 130 + (row.usual / top) * span;
      chart.append(svg("line", { class: "usual", x1: x, x2: x, y1: y - 3, y2: y + 23 }));
    }
    chart.append(svg("text", { x: 136 + span, y: y + 15 }, money(row.value, block.currency)));
  });
  const note = rows.some((r) => r.usual) ? el("p", { class: "muted" }, "The black tick marks what you usually spend.") : null;
  return [chart, note, table(["Category", "Spent", "Usual"], rows.map((r) => [r.label, money(r.value, block.currency), r.usual ? money(r.usual, block.currency) : "–"]))];
}

function progress(block) {
  const rows = block.series || [];
  const chart = frame(rows.length * 44 + 6, `${block.title}: ` + rows.map((r) => `${r.label} ${money(r.value, block.currency)} of ${money(r.limit, block.currency)}`).join(", "));
  rows.forEach((row, i) => {
    const y = 6 + i * 44, span = WIDTH - 20, share = Math.min(1, row.value / (row.limit || 1));
    chart.append(svg("text", { x: 0, y: y + 12 }, `${row.label}: ${money(row.value, block.currency)} of ${money(row.limit, block.currency)}`));
    chart.append(svg("rect", { class: "track", x: 0, y: y + 18, width: span, height: 14, rx: 7 }));
    chart.append(svg("rect", { class: row.value > row.limit ? "bar over" : "bar", x: 0, y: y + 18, width: Math.max(4, share * span), height: 14, rx: 7 }));
  });
  return [chart, table(["Budget", "Spent", "Limit", "Forecast"], rows.map((r) => [r.label, money(r.value, block.currency), money(r.limit, block.currency), r.forecast ? money(r.forecast, block.currency) : "–"]))];
}

function line(block) {
  const points = block.series || [];
  const height = 200, left = 70, bottom = 170, span = WIDTH - left - 20;
  const top = Math.max(1, ...points.map((p) => p.value));
  const xy = points.map((p, i) => [left + (points.length > 1 ? (i / (points.length - 1)) * span : 0), bottom - (p.value / top) * 150]);
  const first = points[0], last = points[points.length - 1];
  const chart = frame(height, `${block.title}: from ${money(first?.value, block.currency)} on ${day(first?.label)} to ${money(last?.value, block.currency)} on ${day(last?.label)}`);
  chart.append(svg("line", { class: "axis", x1: left, x2: left + span, y1: bottom, y2: bottom }));
  chart.append(svg("line", { class: "axis", x1: left, x2: left, y1: bottom, y2: 15 }));
  chart.append(svg("text", { x: 0, y: 24 }, money(top, block.currency)));
  chart.append(svg("text", { x: 0, y: bottom }, money(0, block.currency)));
  chart.append(svg("polyline", { class: "line", points: xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ") }));
  if (first) chart.append(svg("text", { x: left, y: bottom + 20 }, day(first.label)));
  if (last) chart.append(svg("text", { x: left + span - 90, y: bottom + 20 }, day(last.label)));
  for (const milestone of block.milestones || []) {
    const index = points.findIndex((p) => p.label >= milestone.date);
    if (index < 0) continue;
    const dot = svg("circle", { class: "dot", cx: xy[index][0], cy: xy[index][1], r: 5 });
    dot.append(svg("title", {}, `${milestone.label} paid off`));
    chart.append(dot);
  }
  const payoffs = (block.milestones || []).map((m) => [m.label, day(m.date)]);
  return [chart, payoffs.length ? table(["Debt", "Paid off by"], payoffs, "Show when each debt is paid off") : null,
    table(["Date", "Balance"], points.map((p) => [day(p.label), money(p.value, block.currency)]))];
}

function goal(block) {
  const saved = (block.series || []).find((s) => s.label === "saved")?.value || 0;
  const goal = (block.series || []).find((s) => s.label !== "saved") || {};
  const target = goal.value || 1;
  const share = Math.min(1, saved / target), span = WIDTH - 20;
  const words = goal.label === "projected"
    ? `${money(saved, block.currency)} saved now, about ${money(target, block.currency)} by then`
    : `${money(saved, block.currency)} saved of ${money(target, block.currency)}`;
  const chart = frame(60, `${block.title}: ${words}`);
  chart.append(svg("rect", { class: "track", x: 0, y: 8, width: span, height: 22, rx: 11 }));
  chart.append(svg("rect", { class: "bar", x: 0, y: 8, width: Math.max(6, share * span), height: 22, rx: 11 }));
  chart.append(svg("text", { x: 0, y: 50 }, `${words} (${Math.round(share * 100)}%)`));
  const monthly = block.monthly ? el("p", { class: "muted" }, `About ${money(block.monthly, block.currency)} a month gets you there.`) : null;
  return [chart, monthly];
}

const KINDS = { bar: bars, progress, line, goal };

/** A <figure> for one ui block, or null for a kind this page does not draw. */
export function chart(block) {
  const draw = KINDS[block.kind];
  if (!draw) return null;
  return el("figure", { class: "chart", "data-kind": block.kind }, el("figcaption", {}, block.title || "Chart"), draw(block));
}
