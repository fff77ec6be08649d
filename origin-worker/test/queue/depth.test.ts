import { Worker } from "bullmq";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BULL_PREFIX, blockingConnection, type QueueDepth } from "../../src/queue/queue.js";
import { type RunningApi, signedFetch, startApi, TEST_CALLER, uniqueQueueName } from "../helpers.js";

const work = (videoId: string) => ({
  work: {
    kind: "transcript" as const,
    request: { videoId, languages: ["en"], kind: "any" as const, fallback: "error" as const },
  },
  requestId: "test",
  caller: TEST_CALLER,
});

describe("queue depth and backlog (no worker running)", () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({ QUEUE_NAME: uniqueQueueName("depth"), WAIT_BUDGET_MS: "100", MAX_BACKLOG: "3" });
  });
  afterAll(async () => {
    await api.close();
  });
  beforeEach(async () => {
    await api.reset();
  });

  const depth = async () => (await (await fetch(`${api.opsUrl}/queue-depth`)).json()) as QueueDepth;

  it("counts waiting, prioritized, due delayed and active jobs, and not delayed ones still in the future", async () => {
    const { queue } = api.jobs;
    expect(await depth()).toEqual({ depth: 0, waiting: 0, prioritized: 0, delayed: 0, active: 0 });

    // A worker that took a job (and has not finished it) makes it active.
    const worker = new Worker(queue.name, null, {
      connection: blockingConnection(api.config.REDIS_URL),
      prefix: BULL_PREFIX,
      autorun: false,
    });
    try {
      await queue.add("transcript", work("aaaaaaaaaa0"));
      expect(await worker.getNextJob("test-token")).toBeDefined();
      expect(await depth()).toEqual({ depth: 1, waiting: 0, prioritized: 0, delayed: 0, active: 1 });

      await queue.add("transcript", work("aaaaaaaaaa1"));
      await queue.add("transcript", work("aaaaaaaaaa2"));
      expect(await depth()).toEqual({ depth: 3, waiting: 2, prioritized: 0, delayed: 0, active: 1 });

      await queue.add("transcript", work("aaaaaaaaaa3"), { priority: 10 });
      expect(await depth()).toEqual({ depth: 4, waiting: 2, prioritized: 1, delayed: 0, active: 1 });

      // A retry whose back-off is an hour away is not work yet; one whose back-off is over is.
      await queue.add("transcript", work("aaaaaaaaaa4"), { delay: 3_600_000 });
      expect(await depth()).toEqual({ depth: 4, waiting: 2, prioritized: 1, delayed: 0, active: 1 });
      await queue.add("transcript", work("aaaaaaaaaa5"), { delay: 50 });
      await new Promise((r) => setTimeout(r, 120));
      expect(await depth()).toEqual({ depth: 5, waiting: 2, prioritized: 1, delayed: 1, active: 1 });
      expect((await queue.getJobCounts("delayed")).delayed).toBe(2);
    } finally {
      await worker.close();
    }
  });

  it("answers 503 QUEUE_FULL with Retry-After once the backlog reaches MAX_BACKLOG, and queues nothing more", async () => {
    const ids = ["bbbbbbbbbb1", "bbbbbbbbbb2", "bbbbbbbbbb3"];
    for (const id of ids) {
      const r = await signedFetch(api.url, `/v1/transcripts/${id}`);
      expect(r.status).toBe(202);
      expect(r.headers.get("retry-after")).toBeTruthy();
      await r.body?.cancel();
    }
    const full = await signedFetch(api.url, "/v1/transcripts/bbbbbbbbbb4");
    expect(full.status).toBe(503);
    expect(full.headers.get("retry-after")).toBeTruthy();
    const body = (await full.json()) as { error: { code: string; retryable: boolean } };
    expect(body.error).toMatchObject({ code: "QUEUE_FULL", retryable: true });
    expect((await depth()).depth).toBe(3);

    // A request for work already queued joins its job instead of being refused.
    const again = await signedFetch(api.url, `/v1/transcripts/${ids[0]}`);
    expect(again.status).toBe(202);
    await again.body?.cancel();

    // Batch items are independent: each is queued or refused on its own, prioritized behind single requests.
    await api.reset();
    const batch = await signedFetch(api.url, "/v1/batch", {
      method: "POST",
      body: JSON.stringify({
        items: ["cccccccccc1", "nope", "cccccccccc2", "cccccccccc3", "cccccccccc4"].map((video) => ({
          video,
        })),
      }),
    });
    expect(batch.status).toBe(200);
    const items = (
      (await batch.json()) as { items: { status: number; body: { error?: { code: string } } }[] }
    ).items;
    expect(items.map((i) => i.status).sort()).toEqual([202, 202, 202, 400, 503]);
    expect(items[1]?.body.error?.code).toBe("INVALID_VIDEO_REFERENCE");
    expect(await depth()).toMatchObject({ depth: 3, prioritized: 3 });
  });

  it("serves health, readiness and Prometheus metrics on the ops port", async () => {
    expect((await fetch(`${api.opsUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${api.opsUrl}/readyz`);
    expect(ready.status).toBe(200);
    const unsigned = await fetch(`${api.url}/v1/jobs/0123456789abcdef0123456789abcdef`);
    await unsigned.body?.cancel();
    const metrics = await (await fetch(`${api.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/origin_http_requests_total\{route="\/v1\/jobs\/:id",status="401"\} [1-9]/);
    expect(metrics).toMatch(/origin_queue_jobs\{state="waiting"\} \d+/);
  });
});
