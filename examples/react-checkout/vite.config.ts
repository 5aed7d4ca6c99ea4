import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

// The example uses the library from this repository's sources, by its public names.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  resolve: {
    alias: [
      { find: /^orchestrix$/, replacement: src("index.ts") },
      { find: /^orchestrix\/react$/, replacement: src("react.ts") },
    ],
  },
  oxc: { jsx: { runtime: "automatic" } },
  // React, zod and the engine in one chunk: fine for an example.
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  // `npm run example:checkout:dev` proxies the order API to the example server on :3000.
  server: { proxy: { "/orders": "http://127.0.0.1:3000" } },
});
