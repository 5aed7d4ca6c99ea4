/**
 * The page's script: `src/inspector/client/` bundled for the browser. The package ships it built as
 * `inspector-client.js` next to the inspector's own module; run from the TypeScript sources (tests,
 * `tsx`) it is bundled on first use with esbuild, a development dependency that is there when the
 * sources are. Either way it is read once and inlined into the page, so the page needs no network.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The file name of the built script, next to the module that serves it. */
export const CLIENT_FILE = "inspector-client.js";

/** How the script is bundled, at build time (`tsup.config.ts`, the tests' CLI) and on demand alike. */
export const CLIENT_BUILD = { format: "iife", platform: "browser", target: "es2020", minify: true } as const;

let script: Promise<string> | undefined;

/** The script's text, safe to put inside `<script>` (loaded once; a failure is tried again on the next page). */
export function clientScript(): Promise<string> {
  script ??= load().then(
    (text) => text.replace(/<\/(script)/gi, "<\\/$1"),
    (error: unknown) => {
      script = undefined;
      throw error;
    },
  );
  return script;
}

async function load(): Promise<string> {
  if (import.meta.url.endsWith(".ts")) {
    const { build } = await import("esbuild");
    const entry = fileURLToPath(new URL("../client/main.ts", import.meta.url));
    const result = await build({ entryPoints: [entry], bundle: true, write: false, logLevel: "silent", ...CLIENT_BUILD });
    return result.outputFiles[0]!.text;
  }
  const file = new URL(`./${CLIENT_FILE}`, import.meta.url);
  try {
    return await readFile(file, "utf8");
  } catch (cause) {
    throw new Error(`The inspector's page script is missing: expected ${fileURLToPath(file)} (built with the package; rebuild it with npm run build)`, { cause });
  }
}
