import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: { index: "src/index.ts", sqlite: "src/sqlite.ts", postgres: "src/postgres.ts", inspector: "src/inspector.ts" },
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node20",
    // Adapters import the core by its public name, so core and adapters share one copy of it.
    external: ["orchestrix"],
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
