/**
 * The inspector's open pages (the `/ui` socket): each gets the run list, the run it selected and
 * that run's drawing, only when they changed, and is skipped while its socket cannot keep up (what
 * it missed is sent whole afterwards).
 */
import type { RawData, WebSocket } from "ws";
import type { GraphSource } from "../definitions.js";
import { parsePageMessage, type PageMessage, type ServerMessage, type ServerMessageOf } from "../page-protocol.js";
import { liveSummary, pointDetail, visitedUntil } from "../views.js";
import { textOf } from "./reporters.js";
import { messageOf } from "./respond.js";
import type { InspectorState } from "./state.js";

/** A page that cannot keep up is skipped until its socket drains; what it missed is sent whole afterwards. */
const PAGE_BACKLOG_BYTES = 4 * 1024 * 1024;
/** Live runs listed on the page; the rest are counted (and reachable by the read API). */
const PAGE_LIST_LIMIT = 300;

interface PageClient {
  socket: WebSocket;
  selected: string | null;
  sentList: string;
  sentRun: string;
  graphs: Set<string>;
}

/** What the page is told on connecting. */
export type Hello = ServerMessageOf<"hello">;

/** Every open page. */
export class PageSessions {
  private readonly pages = new Set<PageClient>();
  private listCache: { version: string; text: string } | null = null;

  constructor(
    private readonly state: InspectorState,
    private readonly hello: Omit<Hello, "type">,
  ) {}

  get size(): number {
    return this.pages.size;
  }

  /** A page connected: greet it and send it what there is. */
  accept(ws: WebSocket): void {
    const page: PageClient = { socket: ws, selected: null, sentList: "", sentRun: "", graphs: new Set() };
    this.pages.add(page);
    this.state.pages = this.pages.size;
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      this.pages.delete(page);
      this.state.pages = this.pages.size;
    });
    ws.on("message", (data: RawData) => {
      const message = parsePageMessage(textOf(data));
      if (message) this.onMessage(page, message).catch((error: unknown) => sendTo(page, { type: "error", message: messageOf(error) }));
    });
    sendTo(page, { type: "hello", ...this.hello });
    void this.state.stored?.refresh().then(() => this.flush(page));
    this.flush(page);
  }

  /** Sends every page what changed. */
  flushAll(): void {
    for (const page of this.pages) this.flush(page);
  }

  private async onMessage(page: PageClient, message: PageMessage): Promise<void> {
    const { state } = this;
    switch (message.type) {
      case "select":
        page.selected = message.key;
        page.sentRun = "";
        return this.sendSelected(page);
      case "point": {
        const run = state.find(message.key);
        const point = run?.snapshotAt(message.seq);
        if (!run || !point) return;
        const { value, context } = point.snapshot;
        const detail = pointDetail(run.machineId, point.seq, value, context, state.graphOfLive(run), visitedUntil(run.snapshots(), point.seq));
        return sendTo(page, { type: "point", key: message.key, detail });
      }
      case "stored": {
        if (!state.stored) return;
        const found = await state.stored.search(message.query, message.after);
        return sendTo(page, {
          type: "stored-page",
          query: message.query,
          after: message.after ?? null,
          runs: state.storedList(found.runs),
          next: found.next ?? null,
        });
      }
      case "refresh":
        await state.stored?.refresh();
        return this.flush(page);
    }
  }

  private async sendSelected(page: PageClient): Promise<void> {
    const { state } = this;
    const { stored } = state;
    const key = page.selected;
    if (key === null) return;
    const run = state.find(key);
    if (run) {
      const version = `live:${run.key}:${run.version}:${stored?.version ?? 0}`;
      if (page.sentRun === version) return;
      page.sentRun = version;
      sendTo(page, { type: "run", view: state.viewOf(run) });
      this.sendGraph(page, state.graphOfLive(run));
      return;
    }
    if (stored && key.startsWith("store:")) {
      const runId = key.slice("store:".length);
      const version = `stored:${runId}:${stored.get(runId)?.seq ?? "?"}`;
      if (page.sentRun === version) return;
      page.sentRun = version;
      const record = await stored.store.load(runId);
      if (page.selected !== key) return;
      if (!record) return sendTo(page, { type: "gone", key });
      const { view, source } = state.storedViewOf(record);
      sendTo(page, { type: "run", view });
      this.sendGraph(page, source);
      return;
    }
    if (page.sentRun !== `gone:${key}`) {
      page.sentRun = `gone:${key}`;
      sendTo(page, { type: "gone", key });
    }
  }

  private sendGraph(page: PageClient, source: GraphSource | null): void {
    if (!source || page.graphs.has(source.id)) return;
    page.graphs.add(source.id);
    const { id, machineId, complete } = source;
    source.draw().then(
      ({ layout, svg }) => sendTo(page, { type: "graph", id, machineId, svg, truncated: layout.truncated, complete }),
      (error: unknown) => sendTo(page, { type: "graph-error", id, machineId, error: messageOf(error) }),
    );
  }

  private listMessage(): { version: string; text: string } {
    const { registry, stored } = this.state;
    const version = `${registry.version}:${stored?.version ?? 0}:${this.pages.size}:${this.state.reporters}`;
    if (this.listCache?.version !== version) {
      const live = registry.list();
      const message: ServerMessage = {
        type: "runs",
        live: live.slice(0, PAGE_LIST_LIMIT).map(liveSummary),
        liveTotal: live.length,
        stored: this.state.storedList(),
        storedNext: stored?.next ?? null,
        stats: this.state.stats(),
      };
      this.listCache = { version, text: JSON.stringify(message) };
    }
    return this.listCache;
  }

  private flush(page: PageClient): void {
    if (page.socket.readyState !== page.socket.OPEN || page.socket.bufferedAmount > PAGE_BACKLOG_BYTES) return;
    const list = this.listMessage();
    if (page.sentList !== list.version) {
      page.sentList = list.version;
      page.socket.send(list.text);
    }
    this.sendSelected(page).catch((error: unknown) => sendTo(page, { type: "error", message: messageOf(error) }));
  }
}

function sendTo(page: PageClient, message: ServerMessage): void {
  if (page.socket.readyState === page.socket.OPEN) page.socket.send(JSON.stringify(message));
}
