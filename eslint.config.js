import tsParser from "@typescript-eslint/parser";
import regexp from "eslint-plugin-regexp";

/**
 * ESLint does one job here, beside Biome: no regular expression may backtrack super-linearly, since
 * many read YouTube's or a caller's text (a catastrophic pattern freezes a worker's event loop).
 */
export default [
  {
    ignores: [
      "**/node_modules/**",
      "**/.tools/**",
      "**/.wrangler/**",
      "**/dist/**",
      "**/worker-configuration.d.ts",
    ],
  },
  {
    files: ["**/*.ts", "**/*.js", "**/*.mjs"],
    languageOptions: { parser: tsParser, ecmaVersion: "latest", sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    plugins: { regexp },
    rules: {
      "regexp/no-super-linear-backtracking": "error",
      "regexp/no-super-linear-move": "error",
    },
  },
];
