/** What the page knows and shows: the runs listed, the run selected, the snapshot looked at, the zoom. */
import type { InspectorLimits, PageMessage, ServerMessageOf } from "../page-protocol.js";
import type { InspectorStats } from "../server/state.js";
import type { PointDetail, RunSummary, RunView } from "../views.js";

/** A drawing as the server sent it, laid out or failed. */
export type GraphMessage = ServerMessageOf<"graph"> | ServerMessageOf<"graph-error">;

/** The page's state. */
export interface PageState {
  live: RunSummary[];
  liveTotal: number;
  stored: RunSummary[];
  storedNext: string | null;
  stats: InspectorStats | null;
  limits: InspectorLimits | null;
  hasStore: boolean;
  /** The chosen run's key (or run id, from `?run=`). */
  selected: string | null;
  view: RunView | null;
  /** Drawings received, by graph id. */
  graphs: Map<string, GraphMessage>;
  /** The graph id in the panel (`pending:<id>` while it is laid out). */
  shownGraph: string | null;
  /** The active states last centred on, so the view moves only when they change. */
  shownActive: string | null;
  /** The snapshot looked at (its `seq`); `null` follows the latest. */
  point: number | null;
  pointDetail: PointDetail | null;
  zoom: "fit" | number;
  filter: string;
  /** Results of a store search, its next page, and the query they answer. */
  found: RunSummary[] | null;
  foundNext: string | null;
  foundFor: string | null;
}

/** The state and the way to the server, handed to every part of the page. */
export interface Page {
  readonly state: PageState;
  /** The page's `?token=`, added to every address it uses. */
  readonly token: string | null;
  send(message: PageMessage): void;
}

/** The state of a page just opened, with `?run=` selected. */
export function initialState(selected: string | null): PageState {
  return {
    live: [],
    liveTotal: 0,
    stored: [],
    storedNext: null,
    stats: null,
    limits: null,
    hasStore: false,
    selected,
    view: null,
    graphs: new Map(),
    shownGraph: null,
    shownActive: null,
    point: null,
    pointDetail: null,
    zoom: "fit",
    filter: "",
    found: null,
    foundNext: null,
    foundFor: null,
  };
}

/** The index of the snapshot looked at among the selected run's snapshots (the latest when following). */
export function currentIndex(state: PageState): number {
  const snapshots = state.view?.snapshots ?? [];
  if (state.point === null) return snapshots.length - 1;
  const index = snapshots.findIndex((point) => point.seq === state.point);
  return index >= 0 ? index : snapshots.length - 1;
}

/** The detail of the snapshot looked at, once it is known. */
export function currentDetail(state: PageState): PointDetail | null {
  const { view } = state;
  if (!view) return null;
  if (state.point === null) return view.latest;
  return state.pointDetail ?? (view.latest?.seq === state.point ? view.latest : null);
}

/** An address of the inspector with the page's token. */
export function withToken(page: Page, path: string): string {
  return page.token ? `${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(page.token)}` : path;
}
