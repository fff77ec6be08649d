import { describe, expect, it } from "vitest";
import { loadApiConfig, loadWebhooksConfig, loadWorkerConfig } from "../../src/config.js";

const KEY = "0123456789abcdef0123456789abcdef";

describe("origin config", () => {
  it("applies the brief's defaults and parses signing keys", () => {
    const config = loadApiConfig({ SIGNING_KEYS: `k1:${KEY}, k2:${KEY.split("").reverse().join("")}` });
    expect(config).toMatchObject({
      ORIGIN_PORT: 8788,
      OPS_PORT: 9090,
      QUEUE_NAME: "transcripts",
      WAIT_BUDGET_MS: 25_000,
      MAX_BACKLOG: 1000,
      MAX_PENDING_FREE: 10,
      MAX_PENDING_PRO: 100,
      MAX_PENDING_DEMO: 20,
    });
    expect(config.RESULT_REDIS_URL).toBeUndefined();
    expect([...config.SIGNING_KEYS.keys()]).toEqual(["k1", "k2"]);
  });

  it("refuses a missing or weak signing key (under 32 bytes), a half-set Access token, and a wait budget past the edge's limit", () => {
    expect(() => loadApiConfig({})).toThrow(/SIGNING_KEYS/);
    expect(() => loadApiConfig({ SIGNING_KEYS: "k1:short" })).toThrow(/SIGNING_KEYS/);
    expect(() => loadApiConfig({ SIGNING_KEYS: `k1:${KEY.slice(1)}` })).toThrow(/32 bytes/);
    expect(() => loadApiConfig({ SIGNING_KEYS: `k1:${KEY}`, ACCESS_CLIENT_ID: "x" })).toThrow(
      /ACCESS_CLIENT/,
    );
    expect(() => loadApiConfig({ SIGNING_KEYS: `k1:${KEY}`, WAIT_BUDGET_MS: "120000" })).toThrow(
      /WAIT_BUDGET_MS/,
    );
  });

  it("never echoes a secret in its errors", () => {
    expect(() => loadApiConfig({ SIGNING_KEYS: `k1:${KEY}`, REDIS_URL: "not a url" })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(KEY) }),
    );
  });

  it("lets the worker start without signing keys, and never hands it any", () => {
    const config = loadWorkerConfig({ RESULT_REDIS_URL: "redis://cache:6379" });
    expect(config).toMatchObject({ WORKER_CONCURRENCY: 2, RESULT_REDIS_URL: "redis://cache:6379" });
    expect(loadWorkerConfig({ SIGNING_KEYS: `k1:${KEY}` })).not.toHaveProperty("SIGNING_KEYS");
    expect(() => loadWorkerConfig({ RESULT_REDIS_URL: "not a url" })).toThrow(/RESULT_REDIS_URL/);
  });

  it("asks the edge's store only with both EDGE_URL and one EDGE_LINK_KEY, never echoing it", () => {
    const edge = { EDGE_URL: "https://api.example.com", EDGE_LINK_KEY: `origin:${KEY}` };
    expect(loadWorkerConfig({}).EDGE_URL).toBeUndefined();
    expect([...(loadWorkerConfig(edge).EDGE_LINK_KEY ?? [])]).toEqual([["origin", KEY]]);
    for (const half of [{ EDGE_URL: edge.EDGE_URL }, { EDGE_LINK_KEY: edge.EDGE_LINK_KEY }]) {
      expect(() => loadWorkerConfig(half)).toThrow(/EDGE_URL and EDGE_LINK_KEY/);
    }
    expect(() => loadWorkerConfig({ ...edge, EDGE_LINK_KEY: `a:${KEY},b:${KEY}` })).toThrow(
      /one keyId:secret/,
    );
    expect(() => loadWorkerConfig({ ...edge, EDGE_LINK_KEY: "origin:short" })).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/EDGE_LINK_KEY/) }),
    );
    expect(() => loadWorkerConfig({ ...edge, EDGE_URL: "ftp://x" })).toThrow(/EDGE_URL/);
    // The edge's answers are served by the origin: plain http only to a local edge (the tests' stack).
    expect(() => loadWorkerConfig({ ...edge, EDGE_URL: "http://api.example.com" })).toThrow(
      /EDGE_URL.*https/,
    );
    expect(loadWorkerConfig({ ...edge, EDGE_URL: "http://127.0.0.1:8787" }).EDGE_URL).toBe(
      "http://127.0.0.1:8787",
    );
  });

  it("route health defaults, and host rules it can read (a typo must not send the worker to the real YouTube)", () => {
    expect(loadWorkerConfig({})).toMatchObject({ ROUTE_FAILURE_THRESHOLD: 5, ROUTE_COOLDOWN_MS: 300_000 });
    expect(loadWorkerConfig({ UPSTREAM_HOST_RULES: "MAP * 127.0.0.1:8443" }).UPSTREAM_HOST_RULES).toBe(
      "MAP * 127.0.0.1:8443",
    );
    expect(() => loadWorkerConfig({ UPSTREAM_HOST_RULES: "MAP * 127.0.0.1:8443x" })).toThrow(
      /UPSTREAM_HOST_RULES: unreadable host rule/,
    );
  });

  it("maps only exact reserved test names past the webhooks' address check, and never echoes the rules", () => {
    const rules =
      "MAP hooks.ytt.test 127.0.0.2:8443, MAP a.example 127.0.0.3, EXCLUDE b.invalid, MAP localhost 127.0.0.4";
    expect(loadWebhooksConfig({ WEBHOOK_HOST_RULES: rules }).WEBHOOK_HOST_RULES).toBe(rules);
    for (const refused of [
      "MAP * 10.0.0.1:443",
      "MAP *.ytt.test 127.0.0.2:8443",
      "MAP hooks.ytt.tes? 127.0.0.2:8443",
      "MAP hooks.ytt.test 127.0.0.2:8443, MAP hooks.example.com 10.0.0.1:443",
      "MAP hooks.ytt.test:443 127.0.0.2:8443",
      "MAP test 127.0.0.2",
      "MAP 10.0.0.1 127.0.0.2",
      "MAP hooks.ytt.test 127.0.0.2:8443x",
    ]) {
      let message = "";
      try {
        loadWebhooksConfig({ WEBHOOK_HOST_RULES: refused });
      } catch (error) {
        message = (error as Error).message;
      }
      expect({ refused, named: message.includes("WEBHOOK_HOST_RULES:") }).toEqual({ refused, named: true });
      expect(message).not.toContain("127.0.0.2");
      expect(message).not.toContain("10.0.0.1");
    }
  });
});
