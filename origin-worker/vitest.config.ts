// By path, not by package name: the config is bundled, the package would be loaded untranspiled.

import { defineConfig } from "vitest/config";
import { ensureDoubleTls } from "../test/youtube-double/src/tls.js";

// Engine tests make Node-side requests to the YouTube double under YouTube's real hostnames; the test
// processes (forked after this runs) trust the double's test CA as a worker would, at start-up.
process.env.NODE_EXTRA_CA_CERTS = (await ensureDoubleTls()).caFile;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Two files at a time: much of an engine test is waiting on the double's pot delays and latency,
    // and the timeouts the tests rely on leave room for the 2-core machine being busy.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
