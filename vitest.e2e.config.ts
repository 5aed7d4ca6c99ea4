import { defineConfig } from "vitest/config";

/**
 * `npm run test:e2e`: the end-to-end tests of the package, kept out of `npm test` because they build
 * the library with its type declarations and install it from the npm registry (a minute or more on a
 * 2-core machine). CI runs both.
 */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
