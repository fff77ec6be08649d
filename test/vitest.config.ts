import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.test.ts", "web/**/*.test.ts"],
    // Each file starts a whole stack (workerd, origin, worker with Chromium) on a 2-core machine.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
