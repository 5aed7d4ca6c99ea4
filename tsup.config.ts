import { defineConfig } from "tsup";
import { CLIENT_BUILD, CLIENT_FILE } from "./src/inspector/server/client-script.js";

export default defineConfig([
  {
    // The layout worker is its own file: the inspector starts it by URL, next to inspector.js.
    entry: {
      index: "src/index.ts",
      sqlite: "src/sqlite.ts",
      postgres: "src/postgres.ts",
      inspector: "src/inspector.ts",
      react: "src/react.ts",
      http: "src/http.ts",
      "layout-worker": "src/graph/layout-worker.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node20",
    // import.meta.url in the CommonJS build too (the inspector finds its worker by it).
    shims: true,
    // Adapters import the core by its public name, so core and adapters share one copy of it.
    // esbuild bundles the layout worker and the page's script only when run from the sources: never from dist/.
    external: ["orchestrix", "react", "@xstate/react", "esbuild"],
  },
  {
    // The inspector page's script, for the browser: the inspector inlines it into its page.
    entry: { [CLIENT_FILE.replace(/\.js$/, "")]: "src/inspector/client/main.ts" },
    ...CLIENT_BUILD,
    outExtension: () => ({ js: ".js" }),
    sourcemap: false,
  },
  {
    entry: { cli: "src/cli/index.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    // tsx is the user's own, loaded from their project at run time: a bundled copy breaks under ESM.
    external: ["orchestrix", "tsx"],
  },
]);
