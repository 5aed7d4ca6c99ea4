import type { FlowHooks, FlowPlugin, HookName } from "./types.js";

type HookEvent<N extends HookName> = Parameters<NonNullable<FlowHooks[N]>>[0];

interface HookSource {
  plugin: string | undefined;
  hooks: FlowHooks;
}

/** Calls the flow's hooks and plugins; a hook that throws or rejects is reported, never rethrown. */
export class HookDispatcher {
  private readonly sources: HookSource[];

  constructor(hooks: FlowHooks | undefined, plugins: readonly FlowPlugin[]) {
    this.sources = [
      ...(hooks ? [{ plugin: undefined, hooks }] : []),
      ...plugins.map((plugin) => ({ plugin: plugin.name, hooks: plugin })),
    ];
  }

  /** Whether any source listens to `name` (the compiler leaves out hook actions nobody listens to). */
  has(name: HookName): boolean {
    return this.sources.some((source) => typeof source.hooks[name] === "function");
  }

  /** Calls every listener of `name`, in order; their results are not awaited. */
  emit<N extends HookName>(name: N, event: HookEvent<N>): void {
    for (const source of this.sources) {
      const hook = source.hooks[name] as ((event: HookEvent<N>) => unknown) | undefined;
      if (typeof hook !== "function") continue;
      const report = (error: unknown) => reportHookError(name, source.plugin, event, error);
      try {
        const returned = hook.call(source.hooks, event);
        if (isThenable(returned)) returned.then(undefined, report);
      } catch (error) {
        report(error);
      }
    }
  }
}

function reportHookError(name: HookName, plugin: string | undefined, event: { flow: string; runId: string }, error: unknown) {
  const owner = plugin === undefined ? "" : ` of plugin "${plugin}"`;
  console.error(`[orchestrix] hook ${name}${owner} threw in flow "${event.flow}" (run ${event.runId}); the run goes on:`, error);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
