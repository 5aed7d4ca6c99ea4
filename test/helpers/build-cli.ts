/**
 * Vitest global setup: builds the CLI once, as one ESM file without type declarations, for every
 * test that runs it as a child process. Starting plain `node` on a built file is half the cost of
 * compiling the sources through tsx in each child. Next to it, as in the package's dist/, go the
 * files the inspector loads at run time: its page's script and its layout worker.
 */
import { join } from "node:path";
import { build } from "tsup";
import { CLIENT_BUILD, CLIENT_FILE } from "../../src/inspector/server/client-script.js";

/** Where the built CLI is written; inside the repository so its dependencies resolve from node_modules. */
export const BUILT_CLI = join(import.meta.dirname, "..", "..", "node_modules", ".cache", "orchestrix-test-cli", "cli.js");

export default async function setup(): Promise<void> {
  const src = join(import.meta.dirname, "..", "..", "src");
  const outDir = join(BUILT_CLI, "..");
  const common = { outDir, silent: true, config: false } as const;
  await Promise.all([
    build({
      ...common,
      entry: { [CLIENT_FILE.replace(/\.js$/, "")]: join(src, "inspector", "client", "main.ts") },
      ...CLIENT_BUILD,
      outExtension: () => ({ js: ".js" }),
    }),
    build({ ...common, entry: { "layout-worker": join(src, "graph", "layout-worker.ts") }, format: ["esm"], target: "node20", platform: "node" }),
    build({
      ...common,
      entry: { cli: join(src, "cli", "index.ts") },
      format: ["esm"],
      target: "node20",
      platform: "node",
      dts: false,
      sourcemap: false,
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
    }),
  ]);
}
