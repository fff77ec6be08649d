import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.test.ts", "web/**/*.test.ts"],
    // Each file starts a whole stack (workerd, origin, worker with Chromium) on a 2-core machine: two
    // at a time, as much of each file's time is waiting (polls, retries, a worker's lock running out).
    maxWorkers: 2,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
