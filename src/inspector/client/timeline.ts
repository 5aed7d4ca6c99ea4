/** The timeline card: each step's attempts and retry waits on one time axis, then the compensations. */
import type { RunSummary } from "../views.js";
import type { Timeline, TimelineRow } from "../timeline.js";
import { h } from "./dom.js";
import { clock, duration } from "./format.js";

/** Draws `timeline` into `element`; `now` ends the attempts still running. */
export function renderTimeline(element: HTMLElement, timeline: Timeline | null, summary: RunSummary, now: number): void {
  if (!timeline) {
    element.append(h("div", { class: "muted", text: "No step timeline: this actor is not an Orchestrix run." }));
    return;
  }
  const start = timeline.startedAt ?? summary.startedAt;
  let end = timeline.endedAt ?? 0;
  for (const row of timeline.rows) {
    for (const attempt of row.attempts) end = Math.max(end, attempt.endedAt ?? now);
    for (const wait of row.waits) end = Math.max(end, wait.until);
  }
  end = Math.max(end, start + 1);
  const span = end - start;
  element.append(h("div", { class: "axis" }, [h("span", { text: "0" }), h("span", { text: duration(span) })]));
  const percent = (t: number) => Math.max(0, Math.min(100, ((t - start) / span) * 100));
  const steps = timeline.rows.filter((row) => row.kind === "step");
  const undos = timeline.rows.filter((row) => row.kind === "compensation");
  for (const row of steps) element.append(timelineRow(row, percent, timeline, now));
  if (undos.length > 0) {
    element.append(h("div", { class: "tl-section", text: "Compensations" }));
    for (const row of undos) element.append(timelineRow(row, percent, timeline, now));
  }
  if (timeline.signals.length > 0) {
    element.append(h("div", { class: "tl-section tl-signals", text: "Signals received" }));
    for (const signal of timeline.signals) {
      const when = signal.sentAt === null ? "" : ` at ${clock(signal.sentAt)}`;
      const what = signal.state === "taken" ? "taken by its wait" : "kept until the run reaches its wait";
      element.append(h("div", { class: "tl-signal", "data-signal": signal.id }, [`${signal.name} · ${signal.id}${when} · ${what}`]));
    }
  }
}

/** What a wait or sleep row says: what it waits for and until when, or what ended it. */
function pauseNote(row: TimelineRow): string {
  const pause = row.pause;
  if (!pause) return "";
  const until = pause.until === null ? "" : ` until ${clock(pause.until)}`;
  if (row.status === "waiting") return pause.kind === "sleep" ? `sleeping${until}` : `waiting for its signal${until || " (no timeout)"}`;
  if (pause.kind === "signal") return pause.signalId ? `took signal ${pause.signalId}` : row.status === "completed" ? "timed out, went on" : "";
  return "";
}

function timelineRow(row: TimelineRow, percent: (t: number) => number, timeline: Timeline, now: number): HTMLElement {
  const track = h("div", { class: "tl-track" });
  const bar = (left: number, right: number) => `left:${left}%;width:${Math.max(0.4, right - left)}%`;
  for (const wait of row.waits) {
    track.append(
      h("span", {
        class: `tl-wait${wait.pending ? " pending" : ""}`,
        title: `retry wait ${duration(wait.until - wait.from)}`,
        style: bar(percent(wait.from), percent(wait.until)),
      }),
    );
  }
  const last = row.attempts.length - 1;
  row.attempts.forEach((attempt, i) => {
    const cancelled = row.status === "cancelled";
    const open = row.status === "waiting" ? "waiting" : cancelled ? "cancel" : "run";
    const kind = attempt.error ? "err" : attempt.endedAt === null ? open : i === last && cancelled ? "cancel" : "ok";
    const ended = attempt.endedAt ?? now;
    track.append(
      h("span", {
        class: `tl-attempt ${kind}`,
        title: `attempt ${attempt.number}: ${duration(ended - attempt.startedAt)}${attempt.error ? ` — ${attempt.error}` : ""}`,
        style: bar(percent(attempt.startedAt), percent(ended)),
      }),
    );
  });
  const notes = h("div", { class: "tl-notes" });
  row.attempts.forEach((attempt, i) => {
    const line = h("div", null, [`#${attempt.number} ${attempt.endedAt === null ? "running…" : duration(attempt.endedAt - attempt.startedAt)}`]);
    if (attempt.error) line.append(h("span", { class: "err", text: ` ✗ ${attempt.error}` }));
    else if (attempt.endedAt !== null) line.append(row.status === "cancelled" && i === last ? " (cancelled)" : " ✓");
    const wait = row.waits[i];
    if (wait) {
      const waited = duration(wait.until - wait.from);
      line.append(h("span", { class: "wait", text: ` · ${wait.pending ? `retrying at ${clock(wait.until)} (waits ${waited})` : `waited ${waited}`}` }));
    }
    notes.append(line);
  });
  const n = row.attempts.length;
  const pause = pauseNote(row);
  const name = h("div", { class: "tl-name", title: row.name }, [
    row.name,
    h("div", { class: "tl-sub" }, [
      h("span", { class: `badge b-${row.status}`, text: row.status }),
      !row.pause && h("span", { class: "tl-attempts", text: `${n} ${n === 1 ? "attempt" : "attempts"}` }),
    ]),
  ]);
  // A wait or sleep has no attempts to list: its note says what it waits for, or what ended it.
  const details = row.pause ? h("div", { class: "tl-notes" }, [h("div", { class: "tl-pause", text: pause })]) : n > 0 && notes;
  const classes = `tl-row${row.kind === "compensation" ? " tl-comp" : ""}${timeline.failedStep === row.name ? " tl-failed" : ""}`;
  return h("div", { class: classes, "data-step": row.name, "data-kind": row.kind, "data-attempts": n }, [name, track, details]);
}
