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
    // Three files at once on two cores: the slow files mostly wait (on child processes, a browser,
    // a 10 s retry deadline, PostgreSQL), so a third overlaps their waits. On a quiet machine the
    // suite took 120 s with two and 87–89 s with three, every test passing in both.
    maxWorkers: 3,
    testTimeout: 20_000,
    // Launching Chromium or a child process can take long on a loaded 2-core machine.
    hookTimeout: 60_000,
  },
});
