import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";

describe("origin config", () => {
  it("applies the brief's defaults and parses signing keys", () => {
    const config = loadConfig({ SIGNING_KEYS: "k1:0123456789abcdef0123, k2:fedcba9876543210fedc" });
    expect(config).toMatchObject({
      ORIGIN_PORT: 8788,
      OPS_PORT: 9090,
      QUEUE_NAME: "transcripts",
      WAIT_BUDGET_MS: 25_000,
      MAX_BACKLOG: 1000,
    });
    expect([...config.SIGNING_KEYS.keys()]).toEqual(["k1", "k2"]);
  });

  it("refuses a missing or weak signing key, a half-set Access token, and a wait budget past the edge's limit", () => {
    expect(() => loadConfig({})).toThrow(/SIGNING_KEYS/);
    expect(() => loadConfig({ SIGNING_KEYS: "k1:short" })).toThrow(/SIGNING_KEYS/);
    expect(() => loadConfig({ SIGNING_KEYS: "k1:0123456789abcdef", ACCESS_CLIENT_ID: "x" })).toThrow(
      /ACCESS_CLIENT/,
    );
    expect(() => loadConfig({ SIGNING_KEYS: "k1:0123456789abcdef", WAIT_BUDGET_MS: "120000" })).toThrow(
      /WAIT_BUDGET_MS/,
    );
  });

  it("never echoes a secret in its errors", () => {
    expect(() => loadConfig({ SIGNING_KEYS: "k1:0123456789abcdef", REDIS_URL: "not a url" })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("0123456789abcdef") }),
    );
  });

  it("route health defaults, and host rules it can read (a typo must not send the worker to the real YouTube)", () => {
    const base = { SIGNING_KEYS: "k1:0123456789abcdef" };
    expect(loadConfig(base)).toMatchObject({ ROUTE_FAILURE_THRESHOLD: 5, ROUTE_COOLDOWN_MS: 300_000 });
    expect(loadConfig({ ...base, UPSTREAM_HOST_RULES: "MAP * 127.0.0.1:8443" }).UPSTREAM_HOST_RULES).toBe(
      "MAP * 127.0.0.1:8443",
    );
    expect(() => loadConfig({ ...base, UPSTREAM_HOST_RULES: "MAP * 127.0.0.1:8443x" })).toThrow(
      /UPSTREAM_HOST_RULES: unreadable host rule/,
    );
  });
});
