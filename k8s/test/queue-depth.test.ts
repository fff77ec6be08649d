// What KEDA would read: the real origin API (started from the prod overlay's configuration) on
// the real Redis, its ops endpoint fetched at the ScaledObject's URL path, the number taken at
// the trigger's valueLocation. Jobs move through the states by BullMQ's manual-processing API.

import {
  BATCH_PRIORITY,
  BULL_PREFIX,
  blockingConnection,
  createLogger,
  loadApiConfig,
  originKeyPrefix,
  type RunningOrigin,
  retryDelay,
  startOrigin,
} from "@ytt/origin-worker";
import type { Caller, WorkRequest } from "@ytt/shared";
import { type Job, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { find, generatedConfigMap, render } from "./render.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const RETRY_BASE_MS = 2000;
const TOKEN = "k8s-queue-depth-test";
const CALLER: Caller = { plan: "pro", keyId: "00000000000000dd" };

const objects = render("prod");
const trigger = find(objects, "ScaledObject", "origin-worker", "ytt").spec.triggers.find(
  (t: { type: string }) => t.type === "metrics-api",
).metadata as { url: string; valueLocation: string };

/** KEDA's metrics-api scaler: GET the URL, take the number at valueLocation (a GJSON path). */
async function kedaValue(opsOrigin: string): Promise<number> {
  const res = await fetch(`${opsOrigin}${new URL(trigger.url).pathname}`);
  expect(res.status).toBe(200);
  let value: unknown = await res.json();
  for (const key of trigger.valueLocation.split(".")) value = (value as Record<string, unknown>)[key];
  expect(typeof value).toBe("number");
  return value as number;
}

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const work = (videoId: string): WorkRequest => ({
  kind: "transcript",
  request: { videoId, languages: ["en"], kind: "any", fallback: "error" },
});

describe("the value KEDA's trigger reads from the origin", () => {
  let origin: RunningOrigin;
  let opsOrigin: string;
  let worker: Worker;
  const queueName = `k8s-depth-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    // The API's environment exactly as the prod overlay sets it, but local Redis, ports and a private queue.
    const env = generatedConfigMap(objects, "origin-config", "ytt").data ?? {};
    const config = loadApiConfig({
      ...env,
      SIGNING_KEYS: "k8s-test:0123456789abcdef0123456789abcdef0123456789abcdef",
      REDIS_URL,
      ORIGIN_HOST: "127.0.0.1",
      ORIGIN_PORT: "0",
      OPS_PORT: "0",
      QUEUE_NAME: queueName,
      LOG_LEVEL: "silent",
    });
    origin = await startOrigin(config, createLogger("silent", { service: "k8s-test" }));
    opsOrigin = `http://127.0.0.1:${origin.opsPort}`;
    // A worker that takes jobs only when asked, with the origin's back-off formula.
    worker = new Worker(queueName, null, {
      connection: blockingConnection(REDIS_URL),
      prefix: BULL_PREFIX,
      autorun: false,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelay(attemptsMade, RETRY_BASE_MS) },
    });
    await worker.waitUntilReady();
  });

  afterAll(async () => {
    await worker?.close(true);
    if (origin) {
      await origin.jobs.queue.obliterate({ force: true });
      const keys = await origin.jobs.redis.keys(`${originKeyPrefix(queueName)}:*`);
      if (keys.length) await origin.jobs.redis.del(...keys);
      await origin.close();
    }
  });

  it("answers the ops probes the manifests use", async () => {
    const api = find(objects, "Deployment", "origin-api", "ytt").spec.template.spec.containers[0];
    for (const probe of [api.startupProbe, api.livenessProbe, api.readinessProbe]) {
      expect((await fetch(`${opsOrigin}${probe.httpGet.path}`)).status).toBe(200);
    }
  });

  it("goes from 0 to the depth of waiting, prioritized, due retries and active jobs, and back to 0", async () => {
    expect(await kedaValue(opsOrigin)).toBe(0);

    // Interactive requests wait; batch items are prioritized: all are work for a worker.
    await origin.jobs.submit(work("aaaaaaaaaaa"), "req-1", CALLER);
    expect(await kedaValue(opsOrigin)).toBe(1);
    await origin.jobs.submit(work("bbbbbbbbbbb"), "req-2", CALLER);
    await origin.jobs.submit(work("ccccccccccc"), "req-3", CALLER, BATCH_PRIORITY);
    expect(await kedaValue(opsOrigin)).toBe(3);
    // The same request again joins the existing job: no extra depth.
    await origin.jobs.submit(work("aaaaaaaaaaa"), "req-4", CALLER);
    expect(await kedaValue(opsOrigin)).toBe(3);

    // A worker takes one: it is active, still counted (a long job keeps its pod alive).
    const first = (await worker.getNextJob(TOKEN)) as Job;
    expect(await origin.jobs.queue.getActiveCount()).toBe(1);
    expect(await kedaValue(opsOrigin)).toBe(3);

    // It fails with attempts left: BullMQ delays the retry. Not counted until its back-off is over…
    await first.moveToFailed(new Error("UPSTREAM_TIMEOUT"), TOKEN, false);
    expect(await origin.jobs.queue.getDelayedCount()).toBe(1);
    expect(await kedaValue(opsOrigin)).toBe(2);
    // …then it is due, and counted even with no worker to promote it: the pool wakes for it.
    expect(
      await eventually(
        () => kedaValue(opsOrigin),
        (v) => v === 3,
        RETRY_BASE_MS + 5000,
      ),
    ).toBe(3);
    expect(await origin.jobs.queue.getDelayedCount()).toBe(1);

    // The pool drains the queue (the due retry included); the value falls back to 0.
    const done: string[] = [];
    for (let job = await worker.getNextJob(TOKEN); job; job = await worker.getNextJob(TOKEN)) {
      await job.moveToCompleted({ ok: true }, TOKEN, false);
      done.push(job.data.work.request.videoId);
    }
    expect(done.sort()).toEqual(["aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc"]);
    expect(await kedaValue(opsOrigin)).toBe(0);
  });
});
