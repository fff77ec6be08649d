import { ApiError, callbackUrlOf } from "@ytt/shared";
import { Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFailure } from "../../src/queue/outcome.js";
import { BULL_PREFIX, blockingConnection, producerConnection } from "../../src/queue/queue.js";
import { parseHostRules } from "../../src/upstream/host-rules.js";
import { registerCallback } from "../../src/webhooks/callbacks.js";
import type { Resolver } from "../../src/webhooks/guard.js";
import { type Delivery, type WebhookInput, WebhookOutbox } from "../../src/webhooks/outbox.js";
import { WebhookSecrets } from "../../src/webhooks/secrets.js";
import { sendWebhook } from "../../src/webhooks/send.js";
import { signWebhook } from "../../src/webhooks/sign.js";
import { createWebhookWorker, type WebhookDelivery } from "../../src/webhooks/worker.js";
import { eventually, uniqueQueueName } from "../helpers.js";
import { RECEIVER_HOST, startReceiver, type WebhookReceiver } from "./receiver.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const KEY_ID = "00000000000000aa";
const OTHER_KEY_ID = "00000000000000bb";
const RETRY_DELAYS_MS = [150, 300, 450];

/** Names the tests point at loopback through DNS (as a rebinding attacker would), not through a host rule. */
const hostileDns: Resolver = async (hostname) => {
  const answers: Record<string, { address: string; family: number }[]> = {
    "rebind.ytt.test": [{ address: "127.0.0.1", family: 4 }],
    "mixed.ytt.test": [
      { address: "93.184.215.14", family: 4 },
      { address: "::ffff:10.0.0.1", family: 6 },
    ],
  };
  const found = answers[hostname];
  if (!found) throw Object.assign(new Error(`no such name ${hostname}`), { code: "ENOTFOUND" });
  return found;
};

describe("webhook deliveries (real Redis, BullMQ and HTTPS)", () => {
  const queueName = uniqueQueueName("webhooks");
  let redis: Redis;
  let receiver: WebhookReceiver;
  let outbox: WebhookOutbox;
  let delivery: WebhookDelivery;
  let secret: string;
  /** The webhooks process's warnings and errors, as JSON lines. */
  const logged: string[] = [];

  beforeAll(async () => {
    redis = producerConnection(REDIS_URL);
    receiver = await startReceiver();
    outbox = new WebhookOutbox(redis, queueName);
    // The producer connection queues nothing while it connects: wait for it.
    await outbox.queue.waitUntilReady();
    secret = (await new WebhookSecrets(redis, queueName).rotate(KEY_ID)).secret;
    delivery = createWebhookWorker({
      redisUrl: REDIS_URL,
      redis,
      queueName,
      retryDelaysMs: RETRY_DELAYS_MS,
      batchPollMs: 100,
      concurrency: 4,
      send: {
        timeoutMs: 2000,
        hostRules: parseHostRules(receiver.hostRules),
        resolve: hostileDns,
        ca: receiver.cert,
      },
      log: pino({ level: "warn" }, { write: (line: string) => void logged.push(line) }),
    });
    await delivery.worker.waitUntilReady();
  });

  afterAll(async () => {
    await delivery.close(true);
    await outbox.queue.obliterate({ force: true });
    await outbox.close();
    const keys = await redis.keys(`ytt-origin:${queueName}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await receiver.close();
  });

  /** Enqueues as a job's producer does, the API having registered the job's callback when it made the job. */
  const enqueue = async (input: WebhookInput) => {
    await registerCallback(redis, queueName, input.jobId, {
      url: callbackUrlOf(input.url),
      keyId: input.keyId,
    });
    return outbox.enqueueWebhook(input);
  };

  /** The job's single delivery once it has settled (delivered or failed for good). */
  const settled = (jobId: string) =>
    eventually(async () => {
      const [entry] = await outbox.deliveries(jobId);
      return entry && entry.status !== "pending" ? entry : undefined;
    });

  it("signs each delivery the Standard Webhooks way: the standardwebhooks library verifies it", async () => {
    const before = receiver.received.length;
    await enqueue({
      jobId: "job-signed",
      keyId: KEY_ID,
      url: receiver.url("/hooks/ytt?token=abc"),
      event: "collection.completed",
      payload: { collectionId: "job-signed", done: 3 },
    });
    const [request] = (await receiver.waitForRequests(before + 1)).slice(before);
    expect(request?.path).toBe("/hooks/ytt?token=abc");
    expect(request?.headers["content-type"]).toBe("application/json");
    const verified = new Webhook(secret).verify(request?.body ?? "", request?.headers ?? {});
    expect(verified).toMatchObject({
      type: "collection.completed",
      data: { collectionId: "job-signed", done: 3 },
    });
    // Another key's secret does not verify it.
    const other = (await new WebhookSecrets(redis, queueName).rotate(OTHER_KEY_ID)).secret;
    expect(() => new Webhook(other).verify(request?.body ?? "", request?.headers ?? {})).toThrow();

    const entry = await settled("job-signed");
    expect(entry).toMatchObject({ status: "delivered", event: "collection.completed", keyId: KEY_ID });
    expect(entry.attempts).toEqual([{ at: expect.any(String), statusCode: 200 }]);
    expect(entry.nextAttemptAt).toBeUndefined();
  });

  it("sends a message once however often it is enqueued", async () => {
    const input = {
      jobId: "job-twice",
      keyId: KEY_ID,
      url: receiver.url("/twice"),
      event: "batch.completed",
      payload: { n: 1 },
    };
    const first = await enqueue(input);
    const second = await enqueue(input);
    expect(second.messageId).toBe(first.messageId);
    await settled("job-twice");
    expect(receiver.received.filter((r) => r.path === "/twice")).toHaveLength(1);
  });

  it("retries a 500 on the back-off schedule with the same message id, each attempt signed anew, and logs every attempt", async () => {
    receiver.answers.push({ status: 500 }, { status: 503 });
    const before = receiver.received.length;
    await enqueue({
      jobId: "job-retried",
      keyId: KEY_ID,
      url: receiver.url("/retried"),
      event: "batch.completed",
      payload: { ok: true },
    });
    // After the first failure the log says when the next attempt is due.
    const pending = await eventually(async () => {
      const [entry] = await outbox.deliveries("job-retried");
      return entry?.status === "pending" ? entry : undefined;
    });
    expect(pending.attempts).toEqual([{ at: expect.any(String), statusCode: 500 }]);
    const due = Date.parse(pending.nextAttemptAt ?? "") - Date.parse(pending.attempts[0]?.at ?? "");
    expect(due).toBe(RETRY_DELAYS_MS[0]);

    const requests = (await receiver.waitForRequests(before + 3)).slice(before);
    expect(new Set(requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    for (const r of requests) expect(() => new Webhook(secret).verify(r.body, r.headers)).not.toThrow();
    const [a, b, c] = requests.map((r) => r.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual((RETRY_DELAYS_MS[0] ?? 0) - 20);
    expect(c - b).toBeGreaterThanOrEqual((RETRY_DELAYS_MS[1] ?? 0) - 20);

    const entry = await settled("job-retried");
    expect(entry.status).toBe("delivered");
    expect(entry.attempts.map((x) => x.statusCode)).toEqual([500, 503, 200]);
  });

  it("gives up after the last retry of the schedule", async () => {
    receiver.answers.push(...RETRY_DELAYS_MS.map(() => ({ status: 500 })), { status: 500 });
    await enqueue({
      jobId: "job-failing",
      keyId: KEY_ID,
      url: receiver.url("/failing"),
      event: "batch.completed",
      payload: {},
    });
    const entry = await settled("job-failing");
    expect(entry.status).toBe("failed");
    expect(entry.attempts.map((x) => x.statusCode)).toEqual([500, 500, 500, 500]);
    expect(entry.nextAttemptAt).toBeUndefined();
    expect(receiver.received.filter((r) => r.path === "/failing")).toHaveLength(RETRY_DELAYS_MS.length + 1);
  });

  it("never follows a redirect: a 3xx is a failed attempt, and the Location is never asked", async () => {
    receiver.answers.push(...[0, 1, 2, 3].map(() => ({ status: 302, location: receiver.url("/elsewhere") })));
    await enqueue({
      jobId: "job-redirected",
      keyId: KEY_ID,
      url: receiver.url("/moved"),
      event: "batch.completed",
      payload: {},
    });
    const entry = await settled("job-redirected");
    expect(entry.status).toBe("failed");
    expect(entry.attempts[0]).toEqual({
      at: expect.any(String),
      statusCode: 302,
      error: "redirect not followed",
    });
    expect(receiver.received.some((r) => r.path === "/elsewhere")).toBe(false);
  });

  it("refuses a name that resolves to a private address, once, without retrying or connecting", async () => {
    const before = receiver.received.length;
    await enqueue({
      jobId: "job-rebind",
      keyId: KEY_ID,
      url: "https://rebind.ytt.test/hook",
      event: "batch.completed",
      payload: {},
    });
    const entry: Delivery = await settled("job-rebind");
    expect(entry.status).toBe("failed");
    expect(entry.attempts).toEqual([{ at: expect.any(String), error: "refused: loopback" }]);
    expect(receiver.received.length).toBe(before);
  });

  it("fails a delivery for a key without a secret at once", async () => {
    await enqueue({
      jobId: "job-no-secret",
      keyId: "00000000000000cc",
      url: receiver.url("/no-secret"),
      event: "batch.completed",
      payload: {},
    });
    const entry = await settled("job-no-secret");
    expect(entry).toMatchObject({
      status: "failed",
      attempts: [{ error: "the API key has no webhook secret" }],
    });
    expect(receiver.received.some((r) => r.path === "/no-secret")).toBe(false);
  });

  /** A webhook job once it has failed: a refused one fails on its first attempt, for good. */
  const failedJob = (id: string) =>
    eventually(async () =>
      // The state first, the job after: a job read while it ran, then found failed, is stale.
      (await outbox.queue.getJobState(id)) === "failed" ? outbox.queue.getJob(id) : undefined,
    );
  const refusals = async () =>
    Object.fromEntries(
      (await delivery.metrics.refused.get()).values.map((v) => [
        `${v.labels.kind} ${v.labels.reason}`,
        v.value,
      ]),
    );

  it("sends nothing for a job the API registered no such destination for: none, another URL, another key", async () => {
    // Both keys have secrets: what stops these is the registration, not a missing secret.
    await new WebhookSecrets(redis, queueName).rotate(OTHER_KEY_ID);
    await registerCallback(redis, queueName, "job-registered", {
      url: receiver.url("/registered"),
      keyId: KEY_ID,
    });
    const counted = await refusals();
    const before = receiver.received.length;
    const forged = [
      { jobId: "job-unregistered", keyId: KEY_ID, url: receiver.url("/forged"), event: "batch.completed" },
      { jobId: "job-registered", keyId: KEY_ID, url: receiver.url("/forged"), event: "collection.completed" },
      {
        jobId: "job-registered",
        keyId: OTHER_KEY_ID,
        url: receiver.url("/registered"),
        event: "collection.failed",
      },
    ];
    // Enqueued as anything that may write the webhooks queue could: no registration of its own.
    const ids = await Promise.all(
      forged.map((f) => outbox.enqueueWebhook({ ...f, payload: { forged: true } })),
    );
    for (const { messageId } of ids) {
      const job = await failedJob(`deliver.${messageId}`);
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toMatch(/^refused: /);
    }
    expect(await refusals()).toEqual({
      ...counted,
      "deliver unregistered": (counted["deliver unregistered"] ?? 0) + 1,
      "deliver url": (counted["deliver url"] ?? 0) + 1,
      "deliver key": (counted["deliver key"] ?? 0) + 1,
    });
    // Nothing signed was logged for the jobs; the warnings name the jobs and no secret.
    expect(await outbox.deliveries("job-unregistered")).toEqual([]);
    expect(await outbox.deliveries("job-registered")).toEqual([]);
    const warnings = logged.map((line) => JSON.parse(line)).filter((l) => /refused/.test(l.msg));
    expect(warnings.map((w) => [w.jobId, w.reason])).toEqual(
      expect.arrayContaining([
        ["job-unregistered", "unregistered"],
        ["job-registered", "url"],
        ["job-registered", "key"],
      ]),
    );
    const other = await new WebhookSecrets(redis, queueName).signingSecrets(OTHER_KEY_ID);
    for (const line of logged) for (const s of [secret, ...other]) expect(line).not.toContain(s);

    // The registered destination, enqueued the same way, is sent to.
    const sent = await outbox.enqueueWebhook({
      jobId: "job-registered",
      keyId: KEY_ID,
      url: receiver.url("/registered"),
      event: "batch.completed",
      payload: {},
    });
    expect((await settled("job-registered")).status).toBe("delivered");
    const arrived = receiver.received.slice(before);
    expect(arrived.map((r) => [r.path, r.headers["webhook-id"]])).toEqual([["/registered", sent.messageId]]);
  });

  it("refuses a batch watch its batch's registration does not name, before it enqueues any delivery", async () => {
    await registerCallback(redis, queueName, "batch-moved", {
      url: receiver.url("/batch-registered"),
      keyId: KEY_ID,
    });
    const counted = await refusals();
    const before = receiver.received.length;
    const watch = { keyId: KEY_ID, url: receiver.url("/batch-forged"), deadline: Date.now() + 60_000 };
    const items = [{ index: 0, videoId: "jNQXAC9IVRw", status: 200 }];
    await outbox.watchBatch({ ...watch, batchId: "batch-forged", items });
    await outbox.watchBatch({ ...watch, batchId: "batch-moved", items });
    for (const batchId of ["batch-forged", "batch-moved"]) {
      const job = await failedJob(`batch.${batchId}`);
      expect(job.attemptsMade, batchId).toBe(1);
    }
    expect(await refusals()).toEqual({
      ...counted,
      "batch unregistered": (counted["batch unregistered"] ?? 0) + 1,
      "batch url": (counted["batch url"] ?? 0) + 1,
    });
    const queued = await outbox.queue.getJobs(["waiting", "delayed", "active", "completed", "failed"]);
    expect(
      queued.some((j) => j.data.kind === "deliver" && ["batch-forged", "batch-moved"].includes(j.data.jobId)),
    ).toBe(false);
    expect(receiver.received.slice(before)).toEqual([]);
  });

  it("refuses to enqueue a URL the submission check refuses", async () => {
    const input = { jobId: "job-bad-url", keyId: KEY_ID, event: "batch.completed", payload: {} };
    await expect(outbox.enqueueWebhook({ ...input, url: "http://hooks.example.com/" })).rejects.toThrow(
      /not-https/,
    );
    await expect(outbox.enqueueWebhook({ ...input, url: "https://10.0.0.1/" })).rejects.toThrow(/private/);
  });

  it("delivers a batch once all its items' jobs have finished, with each item's status", async () => {
    const transcripts = new Queue(queueName, { connection: redis, prefix: BULL_PREFIX });
    await transcripts.add("transcript", {}, { jobId: "a".repeat(32) });
    await transcripts.add("transcript", {}, { jobId: "b".repeat(32) });
    const before = receiver.received.length;
    await registerCallback(redis, queueName, "batch-1", { url: receiver.url("/batch"), keyId: KEY_ID });
    await outbox.watchBatch({
      batchId: "batch-1",
      keyId: KEY_ID,
      url: receiver.url("/batch"),
      deadline: Date.now() + 60_000,
      items: [
        { index: 0, videoId: "jNQXAC9IVRw", status: 200 },
        { index: 1, videoId: "aaaaaaaaaaa", jobId: "a".repeat(32) },
        { index: 2, videoId: "bbbbbbbbbbb", jobId: "b".repeat(32) },
        { index: 3, status: 400, code: "INVALID_VIDEO_REFERENCE" },
      ],
    });
    // The watch waits for the items: nothing is sent while their jobs run.
    await eventually(async () => ((await outbox.queue.getDelayedCount()) > 0 ? true : undefined));
    expect(receiver.received.length).toBe(before);

    // A stand-in for the extraction worker: one job succeeds, the other fails for good.
    const extractor = new Worker(
      queueName,
      async (job) => {
        if (job.id === "a".repeat(32)) return { stored: true };
        throw new UnrecoverableError(encodeFailure(new ApiError("TRANSCRIPTS_DISABLED")));
      },
      { connection: blockingConnection(REDIS_URL), prefix: BULL_PREFIX },
    );
    try {
      const [request] = (await receiver.waitForRequests(before + 1)).slice(before);
      expect(request?.path).toBe("/batch");
      expect(new Webhook(secret).verify(request?.body ?? "", request?.headers ?? {})).toEqual({
        type: "batch.completed",
        timestamp: expect.any(String),
        data: {
          batchId: "batch-1",
          items: [
            { index: 0, videoId: "jNQXAC9IVRw", status: 200 },
            { index: 1, videoId: "aaaaaaaaaaa", status: 200 },
            { index: 2, videoId: "bbbbbbbbbbb", status: 404, code: "TRANSCRIPTS_DISABLED" },
            { index: 3, status: 400, code: "INVALID_VIDEO_REFERENCE" },
          ],
        },
      });
      expect((await settled("batch-1")).status).toBe("delivered");
    } finally {
      await extractor.close();
      await transcripts.obliterate({ force: true });
      await transcripts.close();
    }
  });
});

describe("sendWebhook's address guard (no host rule)", () => {
  const headers = signWebhook({
    id: "msg_1",
    body: "{}",
    secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
  });
  const send = (url: string, resolve: Resolver = hostileDns) =>
    sendWebhook(url, "{}", headers, { timeoutMs: 2000, resolve });

  it("refuses names whose addresses are not all public, after resolving them", async () => {
    expect(await send("https://rebind.ytt.test/")).toEqual({
      ok: false,
      error: "refused: loopback",
      permanent: true,
    });
    expect(await send("https://mixed.ytt.test/")).toEqual({
      ok: false,
      error: "refused: private",
      permanent: true,
    });
  });

  it("refuses what the system resolver says is loopback, unless a host rule maps the name", async () => {
    // The receiver's own name, pointed at it by the system's DNS stand-in: refused without the test-only rule.
    const receiver = await startReceiver("127.0.0.3");
    try {
      const toReceiver: Resolver = async () => [{ address: receiver.address, family: 4 }];
      expect(await send(receiver.url("/"), toReceiver)).toEqual({
        ok: false,
        error: "refused: loopback",
        permanent: true,
      });
      expect(receiver.received).toHaveLength(0);
      const allowed = await sendWebhook(receiver.url("/"), "{}", headers, {
        timeoutMs: 2000,
        hostRules: parseHostRules(receiver.hostRules),
        ca: receiver.cert,
      });
      expect(allowed).toEqual({ ok: true, status: 200 });
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it("refuses IP literals and local names before any connection", async () => {
    for (const [url, reason] of [
      ["https://127.0.0.1/", "loopback"],
      ["https://0x7f000001/", "loopback"],
      ["https://[::ffff:169.254.169.254]/", "link-local"],
      ["https://localhost/", "local-name"],
      ["http://hooks.example.com/", "not-https"],
    ] as const) {
      expect(await send(url), url).toEqual({ ok: false, error: `refused: ${reason}`, permanent: true });
    }
  });

  it("checks the certificate against the callback's name", async () => {
    const receiver = await startReceiver("127.0.0.4");
    try {
      const result = await sendWebhook(`https://${RECEIVER_HOST}/`, "{}", headers, {
        timeoutMs: 2000,
        hostRules: parseHostRules(receiver.hostRules),
      });
      // Not trusted without the test's CA: the self-signed certificate is refused.
      expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/CERT|SELF_SIGNED/) });
    } finally {
      await receiver.close();
    }
  });
});
