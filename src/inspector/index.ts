export { startInspector } from "./server.js";
export { stopReporter } from "./reporter.js";
export type { StoppableReporter } from "./reporter.js";
export type { Inspector, InspectorOptions, InspectorStats } from "./server.js";
export { layoutMachine } from "../graph/layout.js";
export { renderSvg } from "../graph/render.js";
export { activeStateIds } from "../graph/read.js";
export { runPath } from "../graph/path.js";
export type { StateMark } from "../graph/path.js";
export type {
  GraphLayout,
  LaidOutState,
  LaidOutTransition,
  LayoutOptions,
  MachineDefinition,
  RenderSvgOptions,
  StateTone,
} from "../graph/types.js";
export type { InspectableFlow } from "./definitions.js";
export type { RunSummary, RunView, SnapshotPoint, PointDetail } from "./views.js";
export type { RecordedEvent, LiveState, IngestCounters } from "./runs.js";
export type { Timeline, TimelineRow, TimelineAttempt, TimelineWait } from "./timeline.js";
export type { InspectionReport, ActorReport, EventReport, SnapshotReport, InspectedSnapshot } from "./protocol.js";
