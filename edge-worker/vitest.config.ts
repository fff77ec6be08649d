import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import {
  TEST_ACCESS,
  TEST_ORIGIN_LINK_SECRET,
  TEST_SIGNING_KEY_ID,
  TEST_SIGNING_SECRET,
} from "./test/support/constants.js";

export default defineConfig({
  test: {
    projects: [
      {
        // The Worker inside workerd with the real KV, Durable Object and rate-limiting bindings from
        // wrangler.jsonc; the origin is a real HTTP server (test/support/origin-stand-in.ts) from globalSetup.
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.jsonc" },
            miniflare: {
              bindings: {
                ORIGIN_URL: `http://127.0.0.1:${inject<number>("originPort")}`,
                SIGNING_KEY_ID: TEST_SIGNING_KEY_ID,
                SIGNING_SECRET: TEST_SIGNING_SECRET,
                ORIGIN_LINK_SECRET: TEST_ORIGIN_LINK_SECRET,
                ACCESS_CLIENT_ID: TEST_ACCESS.clientId,
                ACCESS_CLIENT_SECRET: TEST_ACCESS.clientSecret,
                ORIGIN_TIMEOUT_MS: "1500",
              },
            },
          })),
        ],
        test: {
          name: "workerd",
          include: ["test/*.test.ts"],
          globalSetup: ["./test/support/origin-stand-in.ts"],
          testTimeout: 20_000,
        },
      },
      {
        // Node side: the key CLI and `wrangler dev` itself, as an operator runs them.
        test: {
          name: "node",
          include: ["test/node/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
