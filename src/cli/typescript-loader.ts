import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { CliError } from "./cli-error.js";
import { errorMessage } from "./format.js";

/** The part of `tsx/esm/api` the CLI uses. */
interface TsxApi {
  register: () => unknown;
}

/** The tsx found in the user's project: where it is and its API. */
interface UserTsx {
  path: string;
  api: TsxApi;
}

let registered: UserTsx | undefined;

/**
 * Makes `.ts` modules importable by registering the user's own tsx, resolved from the module's folder
 * and then from the current directory (the user's project), never a copy bundled with the CLI.
 * Throws a {@link CliError} saying what was looked for, or what failed, when it cannot.
 */
export async function registerUserTsx(modulePath: string): Promise<UserTsx> {
  if (registered) return registered;
  const places = [...new Set([dirname(modulePath), process.cwd()])];
  const misses: string[] = [];
  for (const place of places) {
    // A file name inside the folder makes `require` resolve from there, up through its node_modules.
    const require = createRequire(join(place, "noop.js"));
    let manifest: string;
    try {
      manifest = require.resolve("tsx/package.json");
    } catch (error) {
      misses.push(`${place} (${(error as { code?: string }).code ?? errorMessage(error)})`);
      continue;
    }
    const path = esmApiPath(manifest);
    let api: TsxApi;
    try {
      api = (await import(pathToFileURL(path).href)) as TsxApi;
      api.register();
    } catch (cause) {
      throw new CliError(`Could not start tsx from ${path} to load ${modulePath}: ${errorMessage(cause)}`, { cause });
    }
    registered = { path, api };
    return registered;
  }
  throw new CliError(
    `${modulePath} is a TypeScript module and no TypeScript loader is active: loading it needs tsx in your project ` +
      `(npm install -D tsx), and none was found from ${misses.join(" or ")}; ` +
      `or give a .js/.mjs module, or start the CLI with node --import tsx`,
  );
}

/**
 * The ESM build of `tsx/esm/api`, read from tsx's own `exports` map: `require.resolve` can only give
 * the CommonJS build, which cannot start tsx's ESM loader from outside its own folder layout.
 */
function esmApiPath(manifest: string): string {
  type Target = string | { import?: Target; default?: Target } | undefined;
  const exports = (JSON.parse(readFileSync(manifest, "utf8")) as { exports?: Record<string, Target> }).exports;
  let target: Target = exports?.["./esm/api"];
  while (typeof target === "object") target = target.import ?? target.default;
  return join(dirname(manifest), target ?? "dist/esm/api/index.mjs");
}
