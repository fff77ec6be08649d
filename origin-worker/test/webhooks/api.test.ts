import type { Caller } from "@ytt/shared";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BULL_PREFIX } from "../../src/queue/queue.js";
import { CALLBACK_TTL_SECONDS, callbackKey } from "../../src/webhooks/callbacks.js";
import { webhookQueueName } from "../../src/webhooks/outbox.js";
import { WebhookSecrets } from "../../src/webhooks/secrets.js";
import { type RunningApi, signedFetch, startApi, TEST_CALLER, uniqueQueueName } from "../helpers.js";

const STRANGER: Caller = { plan: "pro", keyId: "5742a46e00000001" };
const JOB = "c".repeat(32);

type Json = Record<string, unknown> & { error?: { code: string; details?: { reason?: string } } };

describe("/v1/webhooks on the origin API", () => {
  let api: RunningApi;
  const call = async (path: string, init: { method?: string; body?: unknown; caller?: Caller } = {}) => {
    const response = await signedFetch(api.url, path, {
      ...(init.method ? { method: init.method } : {}),
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.caller ? { caller: init.caller } : {}),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
  };
  const register = (body: unknown, caller?: Caller) =>
    call("/v1/webhooks/batches", { method: "POST", body, ...(caller ? { caller } : {}) });

  beforeAll(async () => {
    api = await startApi({ QUEUE_NAME: uniqueQueueName("webhook-api") });
  });
  afterAll(async () => {
    const webhooks = new Queue(webhookQueueName(api.config.QUEUE_NAME), {
      connection: api.jobs.redis,
      prefix: BULL_PREFIX,
    });
    await webhooks.obliterate({ force: true });
    await webhooks.close();
    await api.close();
  });

  it("shows a key's secret once, then only whether it exists; a rotation keeps the old one signing a day", async () => {
    expect((await call("/v1/webhooks/secret")).body).toEqual({ exists: false });

    const made = await call("/v1/webhooks/secret", { method: "POST" });
    expect(made.status).toBe(201);
    expect(made.headers.get("cache-control")).toBe("no-store");
    expect(made.body).toEqual({
      secret: expect.stringMatching(/^whsec_/),
      createdAt: expect.any(String),
      exists: true,
    });

    const shown = await call("/v1/webhooks/secret");
    expect(shown.body).toEqual({ exists: true, createdAt: made.body.createdAt });
    expect(JSON.stringify(shown.body)).not.toContain("whsec_");

    const rotated = await call("/v1/webhooks/secret", { method: "POST" });
    expect(rotated.body.secret).not.toBe(made.body.secret);
    const until =
      Date.parse(String(rotated.body.previousValidUntil)) - Date.parse(String(rotated.body.createdAt));
    expect(until).toBe(24 * 3600 * 1000);

    // Another key has none.
    expect((await call("/v1/webhooks/secret", { caller: STRANGER })).body).toEqual({ exists: false });
  });

  it("loses no secret to two rotations at once: both still sign (the one stored first as the previous)", async () => {
    const secrets = new WebhookSecrets(api.jobs.redis, api.config.QUEUE_NAME);
    const keyId = "0000000000000c0c";
    const [a, b] = await Promise.all([secrets.rotate(keyId), secrets.rotate(keyId)]);
    expect((await secrets.signingSecrets(keyId)).sort()).toEqual([a.secret, b.secret].sort());
  });

  it("registers a batch's callback for the caller's key and shows it to that key only", async () => {
    await call("/v1/webhooks/secret", { method: "POST" });
    const registered = await register({
      callbackUrl: "https://hooks.example.com/ytt",
      items: [
        { index: 0, videoId: "jNQXAC9IVRw", status: 200 },
        { index: 1, videoId: "dQw4w9WgXcQ", jobId: JOB },
      ],
    });
    expect(registered.status).toBe(202);
    const webhook = registered.body.webhook as { id: string; statusUrl: string };
    expect(webhook.id).toMatch(/^[0-9a-f]{32}$/);
    expect(webhook.statusUrl).toBe(`/v1/webhooks/batches/${webhook.id}`);

    // No webhooks process runs here: the batch waits, with no delivery yet.
    expect((await call(webhook.statusUrl)).body).toEqual({
      id: webhook.id,
      status: "waiting",
      deliveries: [],
    });
    expect((await call(webhook.statusUrl, { caller: STRANGER })).status).toBe(404);
    expect((await call("/v1/webhooks/batches/not-an-id")).status).toBe(404);
  });

  /** A job's registered callback (the webhooks process's only destination for it) and its time to live. */
  const registration = async (jobId: string) => {
    const key = callbackKey(api.config.QUEUE_NAME, jobId);
    const raw = await api.jobs.redis.get(key);
    return { registered: raw && JSON.parse(raw), ttl: await api.jobs.redis.ttl(key) };
  };

  it("registers the callback of a batch and of a collection, for the caller's key, as their job is made", async () => {
    await call("/v1/webhooks/secret", { method: "POST" });
    // As the request's check writes it (an upper-case host, a dot segment): the URL deliveries carry.
    const url = "https://Hooks.Example.com/a/../ytt?t=1";
    const batch = await register({
      callbackUrl: url,
      items: [{ index: 0, videoId: "dQw4w9WgXcQ", jobId: JOB }],
    });
    expect(batch.status).toBe(202);
    const batchId = (batch.body.webhook as { id: string }).id;
    const expected = { url: "https://hooks.example.com/ytt?t=1", keyId: TEST_CALLER.keyId };
    const batchRegistration = await registration(batchId);
    expect(batchRegistration.registered).toEqual(expected);
    expect(batchRegistration.ttl).toBeGreaterThan(CALLBACK_TTL_SECONDS - 60);

    const collection = await call("/v1/collections", {
      method: "POST",
      body: { collection: "PLdbl120VideosWithGapsAndNoCapts01", callbackUrl: url },
    });
    expect(collection.status).toBe(202);
    const collectionId = (collection.body.job as { id: string }).id;
    expect((await registration(collectionId)).registered).toEqual(expected);

    // Without a callbackUrl, nothing is registered.
    const quiet = await call("/v1/collections", {
      method: "POST",
      body: { collection: "PLdbl120VideosWithGapsAndNoCapts01" },
    });
    expect(quiet.status).toBe(202);
    expect((await registration((quiet.body.job as { id: string }).id)).registered).toBeNull();
  });

  it("refuses a callback to a private address, a key without a secret, and malformed items", async () => {
    const items = [{ index: 0, status: 200 }];
    const privateUrl = await register({ callbackUrl: "https://[::ffff:10.0.0.1]/hook", items });
    expect(privateUrl.status).toBe(400);
    expect(privateUrl.body.error).toMatchObject({
      code: "INVALID_CALLBACK_URL",
      details: { reason: "private" },
    });

    const noSecret = await register({ callbackUrl: "https://hooks.example.com/", items }, STRANGER);
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.error?.code).toBe("WEBHOOK_SECRET_REQUIRED");

    for (const bad of [
      { callbackUrl: "https://hooks.example.com/", items: [] },
      { callbackUrl: "https://hooks.example.com/", items: [{ index: 0 }] },
      { callbackUrl: "https://hooks.example.com/", items: [{ index: 0, status: 200, jobId: JOB }] },
      { callbackUrl: "https://hooks.example.com/", items: [{ index: 0, jobId: "../../etc" }] },
      { items },
    ]) {
      const refused = await register(bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.error?.code).toBe("INVALID_REQUEST");
    }
  });

  it("is behind the edge's signature like every /v1 route", async () => {
    const unsigned = await fetch(`${api.url}/v1/webhooks/secret`, { method: "POST" });
    expect(unsigned.status).toBe(401);
    await unsigned.body?.cancel();
  });
});
