/**
 * Renders a laid-out machine as a standalone SVG: nested boxes, transitions, the active states
 * highlighted and, given a run's marks, the path it took. The inspector page and
 * `orchestrix export --format svg` share this drawing.
 */
import { CHAR_WIDTH } from "./layout.js";
import type { StateMark } from "./path.js";
import type { GraphLayout, LaidOutState, RenderSvgOptions } from "./types.js";

const FONT_SIZE = 12;

/**
 * Renders a layout as a standalone SVG document (styles included). States in `activeStateIds` are
 * outlined, the innermost active ones (atomic or final) boldly; `options.marks` colour the run's path. Every state is a
 * `<g data-state="id">`, so a page can move the highlight by toggling the `ox-active`/`ox-current`/`ox-mark-*` classes.
 */
export function renderSvg(layout: GraphLayout, activeStateIds: Iterable<string> = [], options: RenderSvgOptions = {}): string {
  const active = new Set(activeStateIds);
  const marks = markLookup(options.marks);
  const showLabels = options.labels ?? true;
  const width = Math.ceil(layout.width);
  const height = Math.ceil(layout.height);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="ox-graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="${FONT_SIZE}">`,
    `<title>${escapeXml(options.title ?? layout.machineId)}</title>`,
    `<style>${GRAPH_CSS}</style>`,
    `<defs><marker id="ox-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="ox-arrowhead"/></marker></defs>`,
  );
  const leaves = layout.states.filter((state) => state.kind === "atomic" || state.kind === "final");
  const boxes = layout.states.filter((state) => state.kind === "compound" || state.kind === "parallel");
  out.push(`<g class="ox-boxes">`);
  for (const state of boxes) out.push(stateSvg(state, active, marks, layout.machineId));
  out.push(`</g><g class="ox-transitions">`);
  for (const transition of layout.transitions) {
    const d = roundedPath(transition.points);
    out.push(
      `<g class="ox-transition" data-source="${escapeXml(transition.source)}" data-target="${escapeXml(transition.target)}">`,
      `<title>${escapeXml(`${shortId(transition.source, layout.machineId)} → ${shortId(transition.target, layout.machineId)}${transition.label ? `: ${transition.label}` : ""}`)}</title>`,
      `<path d="${d}" marker-end="url(#ox-arrow)"/>`,
    );
    if (showLabels && transition.shownLabel && transition.labelBox) {
      const box = transition.labelBox;
      out.push(
        `<text class="ox-edge-label" x="${fmt(box.x + 3)}" y="${fmt(box.y + box.height - 3)}">${escapeXml(transition.shownLabel)}</text>`,
      );
    }
    out.push(`</g>`);
  }
  out.push(`</g><g class="ox-leaves">`);
  for (const state of leaves) out.push(stateSvg(state, active, marks, layout.machineId));
  out.push(`</g></svg>`);
  return out.join("");
}


/** Styles embedded in every SVG, so an exported file looks the same as the page. */
export const GRAPH_CSS = [
  ".ox-graph{background:#fff}",
  ".ox-state rect.ox-frame{fill:#fff;stroke:#aab2bf;stroke-width:1}",
  ".ox-state text{fill:#1f2733}",
  ".ox-state.ox-compound>rect.ox-frame,.ox-state.ox-parallel>rect.ox-frame{fill:#f6f8fb;stroke:#c3cad5}",
  ".ox-state.ox-root>rect.ox-frame{fill:#fbfcfe;stroke:#8d97a6}",
  ".ox-state.ox-region>rect.ox-frame{stroke-dasharray:5 3}",
  ".ox-state .ox-title{font-weight:600}",
  ".ox-state .ox-badge{fill:#6b7584;font-size:10px}",
  ".ox-state.ox-final rect.ox-inner{fill:none;stroke:#aab2bf}",
  ".ox-tone-retrying>rect.ox-frame{fill:#fff7e6;stroke:#e0a43a}",
  ".ox-tone-waiting>rect.ox-frame{fill:#e6f6f8;stroke:#2a9fb0;stroke-dasharray:6 2}",
  ".ox-tone-compensating>rect.ox-frame{fill:#fff1f3;stroke:#e7a3ae}",
  ".ox-state.ox-compound.ox-tone-compensating>rect.ox-frame{fill:#fde8ec;stroke:#e497a4}",
  ".ox-tone-success>rect.ox-frame,.ox-tone-success rect.ox-inner{stroke:#3aa26a}",
  ".ox-tone-failure>rect.ox-frame,.ox-tone-failure rect.ox-inner{stroke:#d35c5c}",
  ".ox-tone-cancelled>rect.ox-frame,.ox-tone-cancelled rect.ox-inner{stroke:#8a919c}",
  // The run's path: what happened in each state it went through.
  ".ox-graph .ox-state.ox-mark-visited>rect.ox-frame{fill:#e3ecfb;stroke:#7a9fdc}",
  ".ox-graph .ox-state.ox-mark-completed>rect.ox-frame{fill:#d3f0de;stroke:#2e9a5e;stroke-width:1.5}",
  ".ox-graph .ox-state.ox-mark-failed>rect.ox-frame{fill:#f8d0d0;stroke:#c93c3c;stroke-width:1.5}",
  ".ox-graph .ox-state.ox-mark-compensated>rect.ox-frame{fill:#e6dcfa;stroke:#7b4fc9;stroke-width:1.5}",
  ".ox-graph .ox-state.ox-mark-compensation_failed>rect.ox-frame{fill:#f3c4d0;stroke:#97263b;stroke-width:2;stroke-dasharray:4 2}",
  ".ox-graph .ox-state.ox-mark-skipped>rect.ox-frame{fill:#eceef1;stroke:#b4bac3;stroke-dasharray:3 3}",
  ".ox-graph .ox-state.ox-mark-skipped>text{fill:#8a919c}",
  ".ox-graph .ox-state.ox-mark-cancelled>rect.ox-frame{fill:#dfe1e5;stroke:#6b7280}",
  ".ox-state.ox-active>rect.ox-frame{stroke:#2f6fdb;stroke-width:2}",
  ".ox-state.ox-active.ox-tone-compensating>rect.ox-frame{stroke:#c9354f}",
  // The current state: outlined boldly, its own colour kept.
  ".ox-state.ox-current>rect.ox-frame{stroke:#17202c;stroke-width:3.5}",
  ".ox-state.ox-current:not([class*=ox-mark-])>rect.ox-frame{fill:#cfe0fb}",
  ".ox-state.ox-current.ox-tone-retrying>rect.ox-frame{fill:#ffe1a8}",
  ".ox-graph .ox-state.ox-mark-waiting>rect.ox-frame{fill:#bfe8ee;stroke:#167c8c;stroke-width:2;stroke-dasharray:6 2}",
  ".ox-state.ox-current.ox-tone-success>rect.ox-frame,.ox-state.ox-current.ox-tone-success rect.ox-inner{fill:#2e9a5e}",
  ".ox-state.ox-current.ox-tone-failure>rect.ox-frame,.ox-state.ox-current.ox-tone-failure rect.ox-inner{fill:#c93c3c}",
  ".ox-state.ox-current.ox-tone-cancelled>rect.ox-frame,.ox-state.ox-current.ox-tone-cancelled rect.ox-inner{fill:#6b7280}",
  ".ox-state.ox-current.ox-final text{fill:#fff;font-weight:600}",
  ".ox-state.ox-current text{font-weight:700}",
  ".ox-transition path{fill:none;stroke:#8c96a5;stroke-width:1.2}",
  ".ox-arrowhead{fill:#8c96a5}",
  ".ox-edge-label{fill:#5b6472;font-size:10px}",
].join("");

function markLookup(marks: RenderSvgOptions["marks"]): (id: string) => StateMark | undefined {
  if (!marks) return () => undefined;
  if (marks instanceof Map) return (id) => marks.get(id);
  const record = marks as Readonly<Record<string, StateMark>>;
  return (id) => (Object.prototype.hasOwnProperty.call(record, id) ? record[id] : undefined);
}

function stateSvg(state: LaidOutState, active: Set<string>, marks: (id: string) => StateMark | undefined, machineId: string): string {
  const isLeaf = state.kind === "atomic" || state.kind === "final";
  const isActive = active.has(state.id);
  const mark = marks(state.id);
  const classes = [
    "ox-state",
    `ox-${state.kind}`,
    `ox-tone-${state.tone}`,
    state.parent === null ? "ox-root" : "",
    state.region ? "ox-region" : "",
    isActive ? "ox-active" : "",
    isActive && isLeaf ? "ox-current" : "",
    mark ? `ox-mark-${mark}` : "",
  ].filter(Boolean);
  const tip = `${shortId(state.id, machineId) || state.id}${mark ? ` (${mark.replace("_", " ")})` : ""}${state.description ? `\n${state.description}` : ""}`;
  const parts = [
    `<g class="${classes.join(" ")}" data-state="${escapeXml(state.id)}"${isLeaf ? ` data-leaf="1"` : ""}>`,
    `<title>${escapeXml(tip)}</title>`,
    `<rect class="ox-frame" x="${fmt(state.x)}" y="${fmt(state.y)}" width="${fmt(state.width)}" height="${fmt(state.height)}" rx="${isLeaf ? 6 : 8}"/>`,
  ];
  if (state.kind === "final") {
    parts.push(
      `<rect class="ox-inner" x="${fmt(state.x + 3)}" y="${fmt(state.y + 3)}" width="${fmt(state.width - 6)}" height="${fmt(state.height - 6)}" rx="4"/>`,
    );
  }
  if (isLeaf) {
    parts.push(
      `<text x="${fmt(state.x + state.width / 2)}" y="${fmt(state.y + state.height / 2 + 4)}" text-anchor="middle">${escapeXml(state.key)}</text>`,
    );
  } else {
    parts.push(`<text class="ox-title" x="${fmt(state.x + 10)}" y="${fmt(state.y + 17)}">${escapeXml(state.key)}</text>`);
    const badge = state.kind === "parallel" ? "parallel" : "";
    if (badge) {
      parts.push(
        `<text class="ox-badge" x="${fmt(state.x + 10 + state.key.length * (CHAR_WIDTH + 0.4) + 8)}" y="${fmt(state.y + 17)}">${badge}</text>`,
      );
    }
  }
  parts.push(`</g>`);
  return parts.join("");
}

function roundedPath(points: { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (!first) return "";
  const parts = [`M${fmt(first.x)},${fmt(first.y)}`];
  for (let i = 0; i < rest.length; i++) {
    const current = rest[i]!;
    const next = rest[i + 1];
    const previous = i === 0 ? first : rest[i - 1]!;
    if (!next) {
      parts.push(`L${fmt(current.x)},${fmt(current.y)}`);
      break;
    }
    const radius = Math.min(5, distance(previous, current) / 2, distance(current, next) / 2);
    const before = towards(current, previous, radius);
    const after = towards(current, next, radius);
    parts.push(`L${fmt(before.x)},${fmt(before.y)}`, `Q${fmt(current.x)},${fmt(current.y)} ${fmt(after.x)},${fmt(after.y)}`);
  }
  return parts.join(" ");
}

function distance(a: { x: number; y: number }, b: { x: number; y: number }): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function towards(from: { x: number; y: number }, to: { x: number; y: number }, length: number) {
  const total = distance(from, to) || 1;
  return { x: from.x + ((to.x - from.x) * length) / total, y: from.y + ((to.y - from.y) * length) / total };
}

function shortId(id: string, machineId: string): string {
  return id === machineId ? "" : id.startsWith(`${machineId}.`) ? id.slice(machineId.length + 1) : id;
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
