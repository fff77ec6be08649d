import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, newKeyRecord } from "../src/auth/keys.js";
import { call, createKey, errorOf, videoId } from "./support/worker.js";

async function rejection(response: Response) {
  const body = (await response.json()) as { error: unknown; requestId: string };
  return { status: response.status, cacheControl: response.headers.get("Cache-Control"), error: body.error };
}

describe("auth", () => {
  it("accepts a valid key as Bearer and as X-API-Key", async () => {
    const key = await createKey();
    const id = videoId("ok");
    expect((await call(`/v1/transcripts/${id}`, { key })).status).toBe(200);
    const viaHeader = await call(`/v1/transcripts/${id}`, { headers: { "X-API-Key": key } });
    expect(viaHeader.status).toBe(200);
  });

  it("answers missing, malformed, unknown and revoked keys with one identical 401", async () => {
    const path = `/v1/transcripts/${videoId("ok")}`;
    const revoked = await createKey("free", "revoked");
    const unknown = `ytt_test_${"A".repeat(40)}`;
    const answers = await Promise.all([
      call(path),
      call(path, { key: "not-a-key" }),
      call(path, { headers: { Authorization: "Basic dXNlcjpwYXNz" } }),
      call(path, { key: unknown }),
      call(path, { key: revoked }),
      call(path, { headers: { "X-API-Key": "x".repeat(10_000) } }),
    ]);
    const bodies = await Promise.all(answers.map(rejection));
    for (const body of bodies) {
      expect(body).toEqual({
        status: 401,
        cacheControl: "no-store",
        error: { code: "UNAUTHORIZED", message: "A valid API key is required.", retryable: false },
      });
    }
  });

  it("rejects a record whose stored hash does not match the presented key (constant-time compare, not just lookup)", async () => {
    const key = await createKey();
    const hash = await hashApiKey(key);
    const record = JSON.parse((await env.API_KEYS.get(hash)) ?? "{}");
    await env.API_KEYS.put(hash, JSON.stringify({ ...record, hash: "0".repeat(64) }));
    expect((await errorOf(await call(`/v1/transcripts/${videoId("ok")}`, { key }))).code).toBe(
      "UNAUTHORIZED",
    );
  });

  it("rejects a key that is well stored but not of the key format", async () => {
    const key = "ytt_live_short";
    const hash = await hashApiKey(key);
    await env.API_KEYS.put(
      hash,
      JSON.stringify({
        hash,
        prefix: key,
        owner: "x",
        plan: "free",
        status: "active",
        createdAt: "2026-01-01",
      }),
    );
    expect((await call(`/v1/transcripts/${videoId("ok")}`, { key })).status).toBe(401);
  });

  it("stops working once revoked, within the isolate's KEY_CACHE_SECONDS", async () => {
    const key = await createKey();
    const path = `/v1/transcripts/${videoId("ok")}`;
    const cacheOneSecond = { KEY_CACHE_SECONDS: "1" };
    expect((await call(path, { key, env: cacheOneSecond })).status).toBe(200);
    const hash = await hashApiKey(key);
    const record = JSON.parse((await env.API_KEYS.get(hash)) ?? "{}");
    await env.API_KEYS.put(hash, JSON.stringify({ ...record, status: "revoked" }));
    // The isolate still remembers the record: the request reads no KV...
    expect((await call(path, { key, env: cacheOneSecond })).status).toBe(200);
    // ...until it expires.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await call(path, { key, env: cacheOneSecond })).status).toBe(401);
  });

  it("remembers unknown keys too: a key stored after its first refusal waits for the cache to expire", async () => {
    const key = generateApiKey("test");
    const path = `/v1/transcripts/${videoId("ok")}`;
    expect((await call(path, { key })).status).toBe(401);
    const record = await newKeyRecord(key, "tests", "free");
    await env.API_KEYS.put(record.hash, JSON.stringify(record));
    expect((await call(path, { key })).status).toBe(401);
    expect((await call(path, { key, env: { KEY_CACHE_SECONDS: "0" } })).status).toBe(200);
  });

  it("leaves /health and /openapi.json public", async () => {
    expect((await call("/health")).status).toBe(200);
    expect((await call("/openapi.json")).status).toBe(200);
  });
});
