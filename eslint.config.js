import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "examples/*/dist/", "node_modules/", "machines/", "coverage/", "test/artifacts/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The inspector page's code is bundled for the browser: from the rest of the package it takes types only.
    files: ["src/inspector/client/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(?!\\./)",
              allowTypeImports: true,
              message: "The inspector page's code runs in the browser: import only types from outside src/inspector/client/.",
            },
          ],
        },
      ],
    },
  },
);
