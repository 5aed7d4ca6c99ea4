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
    // The package's end-to-end tests run with `npm run test:e2e` (vitest.e2e.config.ts).
    exclude: ["test/e2e/**", "node_modules/**"],
    // The type tests, checked with what they import (the sources): vitest runs this check after every
    // other file, so the whole project's check is left to `npm run typecheck`, which CI runs too.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.typetests.json" },
    // The CLI is built once for every test that runs it as a child process.
    globalSetup: ["./test/helpers/build-cli.ts"],
    // One worker per core (vitest's default leaves one of the two idle): the slow files mostly wait
    // on child processes, a browser and timers, so two of them overlap well.
    maxWorkers: 2,
    testTimeout: 20_000,
    // Launching Chromium or a child process can take long on a loaded 2-core machine.
    hookTimeout: 60_000,
  },
});
