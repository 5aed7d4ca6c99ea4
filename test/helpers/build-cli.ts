/**
 * Vitest global setup: builds, once for every test, what the tests start as child processes: the
 * CLI and the fixture processes of the crash, fault-injection and durable-wait tests, as ESM files without type
 * declarations. Starting plain `node` on a built file is half the cost of compiling the sources
 * through tsx in each child, and those tests start dozens of children. Next to the CLI, as in the
 * package's dist/, go the files the inspector loads at run time: its page's script and its layout
 * worker. The build is kept while its inputs are unchanged: a run after an edit elsewhere (a test,
 * a doc) starts at once.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLIENT_BUILD, CLIENT_FILE } from "../../src/inspector/server/client-script.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** Where the built files are written; inside the repository so their dependencies resolve from node_modules. */
const OUT_DIR = join(ROOT, "node_modules", ".cache", "orchestrix-test-cli");

/** The built CLI. */
export const BUILT_CLI = join(OUT_DIR, "cli.js");

/**
 * The fixture processes, by the name of their file in test/fixtures/ (without `.ts`). Not
 * race-process: its CLI mode loads race-flows.ts through tsx, which must find it already loaded,
 * as the racer's own import leaves it, for every racer to be at the barrier at the same instant.
 */
const FIXTURES = ["crash-worker", "fault-save", "wait-worker"] as const;

/** The built copy of a fixture process of test/fixtures/, to start with plain `node`. */
export function builtFixture(name: (typeof FIXTURES)[number]): string {
  return join(OUT_DIR, `${name}.js`);
}

/** Every file a build reads from the repository, with the lockfile for the versions of what it imports. */
function inputs(): string[] {
  const under = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((file) => /\.(ts|tsx|mts|js|mjs|json)$/.test(file))
      .map((file) => join(ROOT, dir, file));
  return [...under("src"), ...under(join("test", "fixtures")), join(import.meta.dirname, "build-cli.ts"), join(ROOT, "package-lock.json")].sort();
}

function hashOf(files: readonly string[]): string {
  const hash = createHash("sha256");
  for (const file of files) hash.update(file).update("\0").update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

export default async function setup(): Promise<void> {
  const stamp = join(OUT_DIR, "inputs.sha256");
  const hash = hashOf(inputs());
  const outputs = [BUILT_CLI, join(OUT_DIR, "layout-worker.js"), join(OUT_DIR, CLIENT_FILE), ...FIXTURES.map(builtFixture)];
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash && outputs.every((file) => existsSync(file))) return;
  // Imported only to build: loading tsup alone takes most of a second.
  const { build } = await import("tsup");
  rmSync(OUT_DIR, { recursive: true, force: true });
  const src = join(ROOT, "src");
  const fixtures = Object.fromEntries(FIXTURES.map((name) => [name, join(ROOT, "test", "fixtures", `${name}.ts`)]));
  const common = { outDir: OUT_DIR, silent: true, config: false } as const;
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
      entry: { cli: join(src, "cli", "index.ts"), ...fixtures },
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
  writeFileSync(stamp, hash);
}
