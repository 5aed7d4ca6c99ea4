/**
 * Vitest global setup: builds, once for every test, what the tests start as child processes: the
 * CLI and the fixture processes of the crash, race and fault-injection tests, as ESM files without
 * type declarations. Starting plain `node` on a built file is half the cost of compiling the sources
 * through tsx in each child, and those tests start dozens of children.
 */
import { join } from "node:path";
import { build } from "tsup";

/** Where the built files are written; inside the repository so their dependencies resolve from node_modules. */
const OUT_DIR = join(import.meta.dirname, "..", "..", "node_modules", ".cache", "orchestrix-test-cli");

/** The built CLI. */
export const BUILT_CLI = join(OUT_DIR, "cli.js");

/**
 * The fixture processes, by the name of their file in test/fixtures/ (without `.ts`). Not
 * race-process: its CLI mode loads race-flows.ts through tsx, which must find it already loaded,
 * as the racer's own import leaves it, for every racer to be at the barrier at the same instant.
 */
const FIXTURES = ["crash-worker", "fault-save"] as const;

/** The built copy of a fixture process of test/fixtures/, to start with plain `node`. */
export function builtFixture(name: (typeof FIXTURES)[number]): string {
  return join(OUT_DIR, `${name}.js`);
}

export default async function setup(): Promise<void> {
  const root = join(import.meta.dirname, "..", "..");
  const src = join(root, "src");
  const fixtures = Object.fromEntries(FIXTURES.map((name) => [name, join(root, "test", "fixtures", `${name}.ts`)]));
  await build({
    // The layout worker next to the CLI, as in the package: `orchestrix inspect` starts it by URL.
    entry: { cli: join(src, "cli", "index.ts"), "layout-worker": join(src, "graph", "layout-worker.ts"), ...fixtures },
    outDir: OUT_DIR,
    format: ["esm"],
    target: "node20",
    platform: "node",
    dts: false,
    sourcemap: false,
    silent: true,
    config: false,
    clean: true,
    // The library is bundled from the sources; its dependencies (and tsx, the user's own) stay imports.
    external: ["tsx"],
    noExternal: [/^orchestrix/],
    esbuildOptions(options) {
      options.alias = {
        orchestrix: join(src, "index.ts"),
        "orchestrix/sqlite": join(src, "sqlite.ts"),
        "orchestrix/postgres": join(src, "postgres.ts"),
        "orchestrix/inspector": join(src, "inspector.ts"),
      };
    },
  });
}
