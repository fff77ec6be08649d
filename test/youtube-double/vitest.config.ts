import { defineConfig } from "vitest/config";

// Its own config, or vitest would take the whole-chain suite's from the folder above.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
