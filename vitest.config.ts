import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: [
      { find: /^orchestrix$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^orchestrix\/(.*)$/, replacement: fileURLToPath(new URL("./src/$1.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    testTimeout: 20_000,
    // Launching Chromium or a child process can take long on a loaded 2-core machine.
    hookTimeout: 60_000,
  },
});
