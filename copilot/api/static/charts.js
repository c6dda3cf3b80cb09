// Charts from the copilot's `ui` blocks, drawn as inline SVG: spending bars, budget progress, payoff timeline,
// savings-goal progress. Each SVG is drawn at the width it is shown at (one user unit = one CSS pixel, so its text
// keeps its real size on a phone) and redrawn when that width changes. Each chart has a text alternative and, where
// it has rows, a "Show the numbers" table.
import { el, money, day } from "/static/api.js";

const NS = "http://www.w3.org/2000/svg";
const NARROW = 440;          // below this width, labels go above their bars
const CHAR = 7;              // a generous average width of one character of the 12px chart font

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function frame(width, height, label) {
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": label, focusable: "false" });
}

/** Words of `text` in lines of at most `width` pixels (estimated), for SVG text, which does not wrap by itself. */
function wrap(text, width) {
  const most = Math.max(8, Math.floor(width / CHAR));
  const lines = [];
  for (const word of text.split(" ")) {
    const last = lines[lines.length - 1];
    if (last !== undefined && `${last} ${word}`.length <= most) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

function table(headings, rows, summary = "Show the numbers") {
  return el("details", {}, el("summary", {}, summary),
    el("table", {}, el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.map((row) => el("tr", {}, row.map((cell) => el("td", {}, cell)))))));
}

const bars = {
  label: (b) => `${b.title}: ` + (b.series || []).map((r) => `${r.label} ${money(r.value, b.currency)}`).join(", "),
  draw(block, width) {
    const rows = block.series || [];
    const top = Math.max(1, ...rows.map((r) => Math.max(r.value || 0, r.usual || 0)));
    const narrow = width < NARROW, step = narrow ? 44 : 30;
    const left = narrow ? 0 : 130, right = narrow ? 0 : 110, span = width - left - right - 4;
    const chart = frame(width, rows.length * step + 10, bars.label(block));
    rows.forEach((row, i) => {
      const y = 8 + i * step + (narrow ? 18 : 0);
      chart.append(svg("text", { x: 0, y: narrow ? y - 5 : y + 15 }, row.label));
      chart.append(svg("rect", { class: "bar", x: left, y, height: narrow ? 16 : 20, width: Math.max(2, (row.value / top) * span), rx: 3 }));
      if (row.usual) {
        const x = left + (row.usual / top) * span;
        chart.append(svg("line", { class: "usual", x1: x, x2: x, y1: y - 3, y2: y + (narrow ? 19 : 23) }));
      }
      chart.append(svg("text", { x: width - 2, y: narrow ? y - 5 : y + 15, "text-anchor": "end" }, money(row.value, block.currency)));
    });
    return chart;
  },
  extras(block) {
    const rows = block.series || [];
    const note = rows.some((r) => r.usual) ? el("p", { class: "muted" }, "The black tick marks what you usually spend.") : null;
    return [note, table(["Category", "Spent", "Usual"], rows.map((r) => [r.label, money(r.value, block.currency), r.usual ? money(r.usual, block.currency) : "–"]))];
  },
};

const progress = {
  words: (r, currency) => `${r.label}: ${money(r.value, currency)} of ${money(r.limit, currency)}`,
  label: (b) => `${b.title}: ` + (b.series || []).map((r) => `${r.label} ${money(r.value, b.currency)} of ${money(r.limit, b.currency)}`).join(", "),
  draw(block, width) {
    const rows = block.series || [];
    const chart = frame(width, rows.length * 44 + 6, progress.label(block));
    rows.forEach((row, i) => {
      const y = 6 + i * 44, span = width - 4, share = Math.min(1, row.value / (row.limit || 1));
      chart.append(svg("text", { x: 0, y: y + 12 }, progress.words(row, block.currency)));
      chart.append(svg("rect", { class: "track", x: 0, y: y + 18, width: span, height: 14, rx: 7 }));
      chart.append(svg("rect", { class: row.value > row.limit ? "bar over" : "bar", x: 0, y: y + 18, width: Math.max(4, share * span), height: 14, rx: 7 }));
    });
    return chart;
  },
  extras: (block) => [table(["Budget", "Spent", "Limit", "Forecast"], (block.series || []).map((r) => [r.label, money(r.value, block.currency),
    money(r.limit, block.currency), r.forecast ? money(r.forecast, block.currency) : "–"]))],
};

const line = {
  label(block) {
    const points = block.series || [];
    const first = points[0], last = points[points.length - 1];
    return `${block.title}: from ${money(first?.value, block.currency)} on ${day(first?.label)} to ${money(last?.value, block.currency)} on ${day(last?.label)}`;
  },
  draw(block, width) {
    const points = block.series || [];
    const left = 78, bottom = 170, span = width - left - 8;
    const top = Math.max(1, ...points.map((p) => p.value));
    const xy = points.map((p, i) => [left + (points.length > 1 ? (i / (points.length - 1)) * span : 0), bottom - (p.value / top) * 150]);
    const first = points[0], last = points[points.length - 1];
    const chart = frame(width, 200, line.label(block));
    chart.append(svg("line", { class: "axis", x1: left, x2: left + span, y1: bottom, y2: bottom }));
    chart.append(svg("line", { class: "axis", x1: left, x2: left, y1: bottom, y2: 15 }));
    chart.append(svg("text", { x: left - 6, y: 24, "text-anchor": "end" }, money(top, block.currency)));
    chart.append(svg("text", { x: left - 6, y: bottom, "text-anchor": "end" }, money(0, block.currency)));
    chart.append(svg("polyline", { class: "line", points: xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ") }));
    if (first) chart.append(svg("text", { x: left, y: bottom + 20 }, day(first.label)));
    if (last && points.length > 1) chart.append(svg("text", { x: left + span, y: bottom + 20, "text-anchor": "end" }, day(last.label)));
    for (const milestone of block.milestones || []) {
      const index = points.findIndex((p) => p.label >= milestone.date);
      if (index < 0) continue;
      const dot = svg("circle", { class: "dot", cx: xy[index][0], cy: xy[index][1], r: 5 });
      dot.append(svg("title", {}, `${milestone.label} paid off`));
      chart.append(dot);
    }
    return chart;
  },
  extras(block) {
    const payoffs = (block.milestones || []).map((m) => [m.label, day(m.date)]);
    return [payoffs.length ? table(["Debt", "Paid off by"], payoffs, "Show when each debt is paid off") : null,
      table(["Date", "Balance"], (block.series || []).map((p) => [day(p.label), money(p.value, block.currency)]))];
  },
};

const goal = {
  facts(block) {
    const saved = (block.series || []).find((s) => s.label === "saved")?.value || 0;
    const target = (block.series || []).find((s) => s.label !== "saved") || {};
    const share = Math.min(1, saved / (target.value || 1));
    const words = target.label === "projected"
      ? `${money(saved, block.currency)} saved now, about ${money(target.value || 0, block.currency)} by then`
      : `${money(saved, block.currency)} saved of ${money(target.value || 0, block.currency)}`;
    return { share, words };
  },
  label: (block) => `${block.title}: ${goal.facts(block).words}`,
  draw(block, width) {
    const { share, words } = goal.facts(block);
    const lines = wrap(`${words} (${Math.round(share * 100)}%)`, width);
    const chart = frame(width, 40 + lines.length * 18, goal.label(block));
    chart.append(svg("rect", { class: "track", x: 0, y: 8, width: width - 4, height: 22, rx: 11 }));
    chart.append(svg("rect", { class: "bar", x: 0, y: 8, width: Math.max(6, share * (width - 4)), height: 22, rx: 11 }));
    lines.forEach((text, i) => chart.append(svg("text", { x: 0, y: 50 + i * 18 }, text)));
    return chart;
  },
  extras: (block) => [block.monthly ? el("p", { class: "muted" }, `About ${money(block.monthly, block.currency)} a month gets you there.`) : null],
};

const KINDS = { bar: bars, progress, line, goal };

/** A <figure> for one ui block (its SVG drawn once the figure has a width), or null for a kind not drawn here. */
export function chart(block) {
  const kind = KINDS[block.kind];
  if (!kind) return null;
  const canvas = el("div", { class: "canvas" });
  let drawn = 0;
  new ResizeObserver(() => {
    const width = Math.floor(canvas.clientWidth);
    if (width > 0 && width !== drawn) {
      drawn = width;
      canvas.replaceChildren(kind.draw(block, width));
    }
  }).observe(canvas);
  return el("figure", { class: "chart", "data-kind": block.kind }, el("figcaption", {}, block.title || "Chart"), canvas,
    kind.extras(block));
}
