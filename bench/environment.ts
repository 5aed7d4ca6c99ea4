import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** The machine and versions a benchmark ran on, for the report. */
export interface BenchEnvironment {
  /** Logical CPU count. */
  cpuCount: number;
  /** CPU model string. */
  cpuModel: string;
  /** Node.js version. */
  node: string;
  /** Installed xstate version. */
  xstate: string;
  /** Installed tinybench version. */
  tinybench: string;
}

const require = createRequire(import.meta.url);

/** The version of an installed package, found by walking up from its entry point (some packages do not export `package.json`). */
function packageVersion(name: string): string {
  try {
    let directory = dirname(require.resolve(name));
    while (directory !== dirname(directory)) {
      const file = join(directory, "package.json");
      if (existsSync(file)) {
        const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (manifest.name === name) return manifest.version ?? "unknown";
      }
      directory = dirname(directory);
    }
  } catch {
    // Not resolvable from here: reported as unknown.
  }
  return "unknown";
}

/** Describes the current machine and the installed versions of xstate and tinybench. */
export function describeEnvironment(): BenchEnvironment {
  const cores = cpus();
  return {
    cpuCount: cores.length,
    cpuModel: cores[0]?.model.trim() ?? "unknown",
    node: process.version,
    xstate: packageVersion("xstate"),
    tinybench: packageVersion("tinybench"),
  };
}

let gc: (() => void) | undefined;

/** Runs a full garbage collection (enabling `--expose-gc` at run time), so one task's garbage is not billed to the next. */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}
