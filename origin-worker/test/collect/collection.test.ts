import {
  ApiError,
  type Caller,
  EDGE_ANSWERS_PATH,
  EDGE_SETTLE_PATH,
  type JobBody,
  requestHash,
  type WorkRequest,
} from "@ytt/shared";
import { expectedTranscript, PLAYLISTS, startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { Worker as BullWorker, type Worker } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collectionShare } from "../../src/collect/coordinator.js";
import { expandCollection } from "../../src/collect/expand.js";
import { CollectionStore } from "../../src/collect/state.js";
import { loadWorkerConfig } from "../../src/config.js";
import type { Engine } from "../../src/extract/index.js";
import { createLogger } from "../../src/observability/logger.js";
import { createWorkerMetrics } from "../../src/observability/metrics.js";
import { failureOutcome } from "../../src/queue/outcome.js";
import {
  BULL_PREFIX,
  blockingConnection,
  JobSubmitter,
  originKeyPrefix,
  producerConnection,
  submitterOptionsFrom,
} from "../../src/queue/queue.js";
import { createUpstreamFetch } from "../../src/upstream/fetch.js";
import { parseHostRules } from "../../src/upstream/host-rules.js";
import { WebhookOutbox } from "../../src/webhooks/outbox.js";
import { WebhookSecrets } from "../../src/webhooks/secrets.js";
import { createWebhookWorker, type WebhookDelivery } from "../../src/webhooks/worker.js";
import { createTranscriptWorker, workerOptionsFrom } from "../../src/worker/worker.js";
import { eventually, type RunningApi, signedFetch, startApi, uniqueQueueName } from "../helpers.js";
import { startReceiver } from "../webhooks/receiver.js";
import { type EdgeCall, type EdgeStandIn, LINK_KEY, startEdgeStandIn } from "./edge-stand-in.js";

// The collection machinery with real Redis, BullMQ, origin API and worker, and the real listing of
// the double's playlists over TLS; only the extraction is a stand-in (each real one costs a second or
// two of Chromium): it answers at once, or when the test lets it, and counts what it was asked.

const LONG = "PLdbl120VideosWithGapsAndNoCapts01";
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36";
const CALLER: Caller = { plan: "free", keyId: "c011ec7100000001" };
/** Free keys have 6 places here: a collection may fill 3. */
const PER_CALLER = 6;
const SHARE = collectionShare(PER_CALLER);

/** A video of none of the double's playlists: the key's own request while its collection runs. */
const OWN = "dblItem0150";
/** The video's English transcript, as the real extraction would give it (dblAsrOnly1 has only ASR). */
const transcriptOf = (videoId: string) =>
  expectedTranscript(videoId, { languageCode: "en", kind: videoId === "dblAsrOnly1" ? "asr" : "manual" });
const work = (videoId: string): WorkRequest => ({
  kind: "transcript",
  request: { videoId, languages: ["en"], kind: "any", fallback: "error" },
});

/** The stand-in extraction: what it was asked, how many at once, and a gate the test may close. */
class StandIn {
  runs: string[] = [];
  running = 0;
  mostAtOnce = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  constructor(private readonly double: YoutubeDouble) {}

  hold() {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release() {
    this.open?.();
    this.gate = undefined;
  }

  engine(): Engine {
    const fetchUpstream = createUpstreamFetch(this.double.hostRules);
    return {
      run: async (w: WorkRequest) => {
        this.runs.push(w.request.videoId);
        this.running++;
        this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
        try {
          await this.gate;
          if (w.request.videoId === "dblNoCapts1") throw new ApiError("TRANSCRIPTS_DISABLED");
          return transcriptOf(w.request.videoId);
        } finally {
          this.running--;
        }
      },
      expand: (...[ref, request, { signal } = {}]: Parameters<Engine["expand"]>) =>
        expandCollection(ref, request, {
          origin: "https://www.youtube.com",
          fetchUpstream,
          userAgent: USER_AGENT,
          stepTimeoutMs: 5_000,
          ...(signal ? { signal } : {}),
        }),
      close: async () => undefined,
    } as unknown as Engine;
  }
}

let double: YoutubeDouble;
let api: RunningApi;
const queueName = uniqueQueueName("collections");
const env = {
  QUEUE_NAME: queueName,
  MAX_PENDING_FREE: String(PER_CALLER),
  WAIT_BUDGET_MS: "50",
  COLLECTION_PASS_MS: "50",
  // A worker that stops renewing its locks loses its jobs this fast (the crash test).
  LOCK_DURATION_MS: "1000",
  STALLED_INTERVAL_MS: "500",
};

/** Passes of one item each: a collection of ten takes ten passes at least. */
const A_PASS_AN_ITEM = { COLLECTION_PASS_ITEMS: "1" };

interface RunningWorker {
  worker: Worker;
  close(force?: boolean): Promise<void>;
}

/** `submitter`: the one the coordinator submits its videos through, for a test to make it fail. */
function startWorker(
  engine: Engine,
  { submitter, ...more }: { submitter?: JobSubmitter; env?: Record<string, string> } = {},
): RunningWorker {
  const config = loadWorkerConfig({ ...env, ...more.env, WORKER_CONCURRENCY: "8", LOG_LEVEL: "silent" });
  const redis = producerConnection(config.REDIS_URL);
  submitter ??= new JobSubmitter(submitterOptionsFrom(config));
  const outbox = new WebhookOutbox(redis, queueName);
  const worker = createTranscriptWorker(
    workerOptionsFrom(config, {
      redis,
      resultRedis: redis,
      engine,
      submitter,
      outbox,
      log: createLogger("silent", { service: "collection-test" }),
      metrics: createWorkerMetrics(),
    }),
  );
  return {
    worker,
    async close(force = false) {
      await worker.close(force);
      await Promise.all([submitter.close(), outbox.close()]);
      await redis.quit();
    },
  };
}

/**
 * A worker that dies in its `diesIn`-th pass of a collection (counted from 1), as a killed process
 * would: the pass hangs at its first look at the result store, and the test closes the worker under
 * it (`hung` says when), leaving its lock to run out. A pass begins with the one question the
 * coordinator asks the submitter before looking at any item: the caller's bound.
 */
function startDyingWorker(diesIn: number): RunningWorker & { hung(): boolean } {
  const submitter = new JobSubmitter(submitterOptionsFrom(loadWorkerConfig(env)));
  let passes = 0;
  let hung = false;
  const perCaller = submitter.perCaller.bind(submitter);
  submitter.perCaller = (caller) => {
    passes++;
    return perCaller(caller);
  };
  // peek() is peekMany() of one: every look at the result store goes through it.
  const peekMany = submitter.results.peekMany.bind(submitter.results);
  submitter.results.peekMany = (ids) => {
    if (passes < diesIn) return peekMany(ids);
    hung = true;
    return new Promise(() => undefined);
  };
  return {
    ...startWorker(new StandIn(double).engine(), { submitter, env: A_PASS_AN_ITEM }),
    hung: () => hung,
  };
}

/**
 * Ten stored answers, one a pass (so ten passes at least), run by workers that die in turn, each in
 * the pass of its own that `diesIn` names, then by one that lives: how the collection ended, and how
 * many times BullMQ found it stalled.
 */
async function throughDeaths(diesIn: number[]) {
  await storeAnswers(10);
  const id = (await post({ collection: LONG, limit: 10 })).body.job.id;
  let stalls = 0;
  for (const pass of diesIn) {
    const dying = startDyingWorker(pass);
    dying.worker.on("stalled", () => stalls++);
    try {
      await eventually(async () => (dying.hung() ? true : undefined));
    } finally {
      await dying.close(true);
    }
  }
  const living = startWorker(new StandIn(double).engine(), { env: A_PASS_AN_ITEM });
  living.worker.on("stalled", () => stalls++);
  try {
    return { id, done: await finished(id), stalls };
  } finally {
    await living.close();
  }
}

/** The first `count` entries of LONG with their answers stored (the one without captions, its failure). */
async function storeAnswers(count: number) {
  for (const { videoId } of (PLAYLISTS[LONG]?.entries ?? []).slice(0, count)) {
    const outcome =
      videoId === "dblNoCapts1"
        ? failureOutcome(new ApiError("TRANSCRIPTS_DISABLED"))
        : { ok: true as const, value: transcriptOf(videoId) };
    await api.jobs.results.put(await requestHash(work(videoId)), outcome, 600);
  }
}

async function post(body: unknown, caller = CALLER) {
  const r = await signedFetch(api.url, "/v1/collections", {
    method: "POST",
    body: JSON.stringify(body),
    caller,
  });
  return {
    status: r.status,
    body: (await r.json()) as JobBody & { error?: { code: string; details?: unknown } },
  };
}

async function status(id: string, query = "", caller = CALLER): Promise<JobBody> {
  const r = await signedFetch(api.url, `/v1/jobs/${id}${query}`, { caller });
  expect(r.status).toBe(200);
  return (await r.json()) as JobBody;
}

const finished = (id: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const body = await status(id);
    return body.job.status === "completed" || body.job.status === "failed" ? body : undefined;
  }, timeoutMs);

beforeAll(async () => {
  double = await startYoutubeDouble({ potDelayMs: [0, 0] });
  api = await startApi(env);
});
beforeEach(async () => {
  await api.reset();
});
afterEach(() => double.reset());
afterAll(async () => {
  await api?.close();
  await double?.close();
});

describe("POST /v1/collections", () => {
  it("refuses what is not a collection with a stable code, before any job", async () => {
    const video = await post({ collection: "https://www.youtube.com/watch?v=GJLlxj_dtq8" });
    expect(video.status).toBe(400);
    expect(video.body.error?.code).toBe("INVALID_COLLECTION_REFERENCE");
    expect(video.body.error?.details).toMatchObject({ reason: expect.stringContaining("single video") });
    const mix = await post({ collection: "RDdQw4w9WgXcQ" });
    expect(mix.body.error).toMatchObject({ code: "INVALID_COLLECTION_REFERENCE" });
    for (const bad of [
      { collection: LONG, tab: "shorts" },
      { collection: LONG, limit: 5001 },
      { collection: LONG, lang: "not a language" },
      { items: [] },
    ]) {
      const answer = await post(bad);
      expect({ bad, status: answer.status, code: answer.body.error?.code }).toEqual({
        bad,
        status: 400,
        code: "INVALID_REQUEST",
      });
    }
    const http = await post({ collection: LONG, callbackUrl: "http://example.com/hook" });
    expect(http.body.error).toMatchObject({ code: "INVALID_CALLBACK_URL", details: { reason: "not-https" } });
    const unsigned = await post({ collection: LONG, callbackUrl: "https://hooks.example.com/done" });
    expect(unsigned.body.error?.code).toBe("WEBHOOK_SECRET_REQUIRED");
    expect(await api.jobs.queue.count()).toBe(0);
  });
});

describe("a collection job", () => {
  it("lists 120 entries over two pages and feeds them within the key's share, extracting only what is not stored", async () => {
    const standIn = new StandIn(double);
    // Three of the playlist's videos were asked for before, singly: their answers are stored.
    const stored = ["GJLlxj_dtq8", "dblItem0001", "dblItem0100"];
    for (const videoId of stored)
      await api.jobs.results.put(
        await requestHash(work(videoId)),
        { ok: true, value: transcriptOf(videoId) },
        600,
      );
    standIn.hold();
    const worker = startWorker(standIn.engine());
    try {
      const created = await post({
        collection: `https://www.youtube.com/playlist?list=${LONG}`,
        limit: 5000,
      });
      expect(created.status).toBe(202);
      const id = created.body.job.id;
      expect(created.body.job).toMatchObject({ kind: "collection", statusUrl: `/v1/jobs/${id}` });

      // The share fills, and no more: the key's own requests still find places.
      await eventually(async () => (standIn.running === SHARE ? true : undefined));
      const own = await signedFetch(api.url, `/v1/transcripts/${OWN}`, { caller: CALLER });
      expect(own.status).toBe(202);
      await own.body?.cancel();
      const listed = await status(id);
      expect(listed.job.status).toBe("active");
      expect(listed.collection).toEqual({
        type: "playlist",
        id: LONG,
        title: PLAYLISTS[LONG]?.title,
        truncated: false,
      });
      expect(listed.progress?.total).toBe(120);
      standIn.release();

      const done = await finished(id);
      expect(done.job.status).toBe("completed");
      // No callbackUrl, no webhook: nothing to show.
      expect(done.deliveries).toBeUndefined();
      // Deleted and private entries fail without a job; the video without captions fails its own.
      expect(done.progress).toEqual({ total: 120, done: 117, failed: 3, extracted: 115 });
      const playable = PLAYLISTS[LONG]?.entries.filter((e) => e.status === "ok").map((e) => e.videoId) ?? [];
      expect([...standIn.runs].sort()).toEqual([...playable.filter((v) => !stored.includes(v)), OWN].sort());
      // The collection never held more than its share, whatever the worker's concurrency (8).
      expect(standIn.mostAtOnce).toBe(SHARE + 1);
      expect(await api.jobs.admission.inFlight()).toBe(0);

      // Items, paged.
      const first = await status(id, "?limit=50");
      expect(first.items).toHaveLength(50);
      expect(first.nextCursor).toBe("50");
      expect(first.items?.[0]).toEqual({
        index: 0,
        videoId: "GJLlxj_dtq8",
        title: "Surface Go Review - It\u2019s Awesome",
        status: "completed",
      });
      expect(first.items?.[2]).toMatchObject({
        videoId: "dblNoCapts1",
        status: "failed",
        error: { code: "TRANSCRIPTS_DISABLED" },
      });
      expect(first.items?.[49]).toMatchObject({
        videoId: "dblDeleted1",
        status: "failed",
        error: { code: "VIDEO_UNAVAILABLE" },
      });
      const last = await status(id, "?cursor=100&limit=50");
      expect(last.items?.map((i) => i.index)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
      expect(last.nextCursor).toBeUndefined();
      expect(last.items?.find((i) => i.videoId === "dblPrivate1")).toMatchObject({
        status: "failed",
        error: { code: "VIDEO_PRIVATE" },
      });

      // Results as JSON lines, one per finished video, in order.
      const jsonl = await signedFetch(api.url, `/v1/jobs/${id}?format=jsonl`, { caller: CALLER });
      expect(jsonl.headers.get("content-type")).toMatch(/^application\/jsonl/);
      const lines = (await jsonl.text())
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(120);
      expect(lines[0]).toEqual({
        index: 0,
        videoId: "GJLlxj_dtq8",
        status: "completed",
        body: transcriptOf("GJLlxj_dtq8"),
      });
      expect(lines[49]).toMatchObject({
        videoId: "dblDeleted1",
        status: "failed",
        error: { code: "VIDEO_UNAVAILABLE" },
      });
      expect(lines.filter((l) => l.status === "completed")).toHaveLength(117);
      // Under the default page (500) all at once; a page of 30 from 50 names the next in a header.
      expect(jsonl.headers.get("x-next-cursor")).toBeNull();
      const page = await signedFetch(api.url, `/v1/jobs/${id}?format=jsonl&cursor=50&limit=30`, {
        caller: CALLER,
      });
      expect(page.headers.get("x-next-cursor")).toBe("80");
      const paged = (await page.text())
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).index);
      expect(paged).toEqual(Array.from({ length: 30 }, (_, i) => 50 + i));

      // Another key cannot read it.
      const other = await signedFetch(api.url, `/v1/jobs/${id}`, {
        caller: { plan: "free", keyId: "0000000000000bad" },
      });
      expect(other.status).toBe(404);
      // The same key, upgraded since (free to pro): still its own.
      expect((await status(id, "", { ...CALLER, plan: "pro" })).progress?.total).toBe(120);
    } finally {
      standIn.release();
      await worker.close();
    }
  });

  it("resumes from Redis when its worker dies mid-collection, extracting nothing twice that had finished", async () => {
    const first = new StandIn(double);
    const dying = startWorker(first.engine());
    const created = await post({ collection: LONG, limit: 30 });
    const id = created.body.job.id;
    await eventually(async () => (((await status(id)).progress?.done ?? 0) >= 10 ? true : undefined));
    // The worker goes as a killed process would: its jobs keep their locks until they run out.
    first.hold();
    await eventually(async () => (first.running > 0 ? true : undefined));
    await dying.close(true);
    const finishedBefore = new Set(
      ((await status(id)).items ?? []).filter((i) => i.status === "completed").map((i) => i.videoId),
    );

    const second = new StandIn(double);
    const next = startWorker(second.engine());
    try {
      const done = await finished(id);
      // The first 30 entries: one without captions, none deleted or private.
      expect(done.progress).toMatchObject({ total: 30, done: 29, failed: 1 });
      expect(second.runs.length).toBeGreaterThan(0);
      expect(second.runs.filter((v) => finishedBefore.has(v))).toEqual([]);
      expect(new Set([...first.runs, ...second.runs]).size).toBe(30);
    } finally {
      first.release();
      await next.close();
    }
  });

  it("enqueues its signed webhook when it ends, once, for the key that asked, and shows its deliveries", async () => {
    await new WebhookSecrets(api.jobs.redis, queueName).rotate(CALLER.keyId);
    const outbox = new WebhookOutbox(api.jobs.redis, queueName);
    const receiver = await startReceiver();
    const worker = startWorker(new StandIn(double).engine());
    let sender: WebhookDelivery | undefined;
    try {
      const url = receiver.url("/collections?ref=42");
      const created = await post({ collection: LONG, limit: 3, callbackUrl: url });
      const id = created.body.job.id;
      expect((await finished(id)).job.status).toBe("completed");
      const deliveries = await eventually(async () => {
        const jobs = await outbox.queue.getJobs(["waiting", "delayed", "prioritized"]);
        return jobs.length > 0 ? jobs : undefined;
      });
      expect(deliveries).toHaveLength(1);
      const delivery = deliveries[0]?.data as { event: string; url: string; keyId: string; body: string };
      expect(delivery).toMatchObject({ event: "collection.completed", url, keyId: CALLER.keyId });
      expect(JSON.parse(delivery.body).data).toEqual({
        collectionId: id,
        status: "completed",
        collection: { type: "playlist", id: LONG, title: PLAYLISTS[LONG]?.title, truncated: true },
        progress: { total: 3, done: 2, failed: 1, extracted: 3 },
      });
      // Enqueued, not yet attempted (no delivery process runs yet): asked for, so shown, empty.
      expect((await status(id)).deliveries).toEqual([]);

      // The delivery process sends it; the receiver fails the first attempt, so the retry shows too.
      receiver.answers.push({ status: 500 });
      sender = createWebhookWorker({
        redisUrl: api.config.REDIS_URL,
        redis: api.jobs.redis,
        queueName,
        retryDelaysMs: [100],
        batchPollMs: 100,
        concurrency: 1,
        send: { timeoutMs: 2000, hostRules: parseHostRules(receiver.hostRules), ca: receiver.cert },
        log: createLogger("silent", {}),
      });
      const shown = await eventually(async () => {
        const { deliveries: log } = await status(id);
        return log?.[0]?.status === "delivered" ? log : undefined;
      });
      const [, received] = await receiver.waitForRequests(2);
      // As the batch route shows them: the message id the receiver got, every attempt, not whose key signed it.
      expect(shown).toEqual([
        {
          id: received?.headers["webhook-id"],
          event: "collection.completed",
          url,
          status: "delivered",
          attempts: [
            { at: expect.any(String), statusCode: 500 },
            { at: expect.any(String), statusCode: 200 },
          ],
        },
      ]);
    } finally {
      await sender?.close(true);
      await worker.close();
      await outbox.queue.obliterate({ force: true });
      await outbox.close();
      await receiver.close();
    }
  });

  it("is shown after it ends however many jobs end after it, though BullMQ has dropped the job", async () => {
    const worker = startWorker(new StandIn(double).engine());
    let id: string;
    try {
      id = (await post({ collection: LONG, limit: 3 })).body.job.id;
      expect((await finished(id)).job.status).toBe("completed");
    } finally {
      await worker.close();
    }
    // 1000 jobs end after it, each with the queue's default retention: BullMQ keeps the newest 1000 finished.
    const others = Array.from({ length: 1000 }, (_, i) => ({
      name: "transcript",
      data: { work: work(OWN), requestId: "other", caller: CALLER },
      opts: { jobId: `other-${i}` },
    }));
    let ended = 0;
    const drain = new BullWorker(queueName, async () => ({ stored: true }), {
      connection: blockingConnection(api.config.REDIS_URL),
      prefix: BULL_PREFIX,
      concurrency: 100,
    });
    drain.on("completed", () => ended++);
    try {
      await api.jobs.queue.addBulk(others);
      await eventually(async () => (ended === others.length ? true : undefined));
    } finally {
      await drain.close();
    }
    expect(await api.jobs.queue.getJob(id)).toBeUndefined();
    const shown = await status(id);
    expect(shown.job.status).toBe("completed");
    expect(shown.progress).toEqual({ total: 3, done: 2, failed: 1, extracted: 3 });
    expect(shown.items).toHaveLength(3);
    const other = await signedFetch(api.url, `/v1/jobs/${id}`, {
      caller: { plan: "free", keyId: "0000000000000bad" },
    });
    expect(other.status).toBe(404);
  });

  it("looks at COLLECTION_PASS_ITEMS items a pass, stored ones by their pointer, never decoding a body", async () => {
    const standIn = new StandIn(double);
    // All 30 stored: none takes a place in flight, so only the bound ends a pass.
    await storeAnswers(30);
    const config = loadWorkerConfig(env);
    const submitter = new JobSubmitter(submitterOptionsFrom(config));
    let decoded = 0;
    const get = submitter.results.get.bind(submitter.results);
    submitter.results.get = (id) => {
      decoded++;
      return get(id);
    };
    // Passes far apart: the state after the first one holds still to be read.
    const worker = startWorker(standIn.engine(), {
      submitter,
      env: { COLLECTION_PASS_ITEMS: "10", COLLECTION_PASS_MS: "60000" },
    });
    try {
      const id = (await post({ collection: LONG, limit: 30 })).body.job.id;
      // The pass ended by delaying the job: the cap stopped it, not the end of the collection.
      await eventually(async () => {
        const found = await api.jobs.queue.getJob(id);
        return found && (await found.getState()) === "delayed" ? found : undefined;
      });
      const first = await status(id);
      // Ten looked at, each finished by its stored answer.
      expect((first.progress?.done ?? 0) + (first.progress?.failed ?? 0)).toBe(10);
      expect(decoded).toBe(0);
      expect(standIn.runs).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it("carries on through passes that fail (a submit that throws, as with Redis away), spending none of its attempts", async () => {
    const submitter = new JobSubmitter(submitterOptionsFrom(loadWorkerConfig(env)));
    // As many failures as the job has attempts (JOB_ATTEMPTS, 4): thrown out of the pass, they failed it.
    let failing = 4;
    const submit = submitter.submit.bind(submitter);
    submitter.submit = (...args) =>
      failing-- > 0 ? Promise.reject(new Error("Connection is closed.")) : submit(...args);
    const worker = startWorker(new StandIn(double).engine(), { submitter });
    try {
      const id = (await post({ collection: LONG, limit: 3 })).body.job.id;
      const done = await finished(id);
      expect(done.job.status).toBe("completed");
      expect(done.progress).toMatchObject({ total: 3, done: 2, failed: 1 });
      expect(failing).toBeLessThan(0);
      const job = await api.jobs.queue.getJob(id);
      // The one attempt that completed it (BullMQ counts it as it completes); none went to the failing passes.
      expect(job?.attemptsMade).toBe(1);
      expect(job?.data).toMatchObject({ failedPasses: 0 });
    } finally {
      await worker.close();
    }
  });

  it("calls back collection.failed whatever fails it: here a third worker dying under it", async () => {
    await new WebhookSecrets(api.jobs.redis, queueName).rotate(CALLER.keyId);
    const outbox = new WebhookOutbox(api.jobs.redis, queueName);
    const receiver = await startReceiver();
    // The listing never answers: the coordinator is active, in its first pass, when its worker dies.
    let expanding = false;
    const engine = {
      ...new StandIn(double).engine(),
      expand: () => {
        expanding = true;
        return new Promise(() => undefined);
      },
    } as Engine;
    const dying = startWorker(engine);
    let next: RunningWorker | undefined;
    try {
      const url = receiver.url("/collections");
      const id = (await post({ collection: LONG, limit: 3, callbackUrl: url })).body.job.id;
      await eventually(async () => (expanding ? true : undefined));
      // Two workers died under this same pass before (maxStalledCount 2; a pass that ends starts the count again).
      await api.jobs.redis.hset(`${BULL_PREFIX}:${queueName}:${id}`, "stc", 2);
      await dying.close(true);
      next = startWorker(new StandIn(double).engine());
      const done = await finished(id);
      expect(done.job.status).toBe("failed");
      const deliveries = await eventually(async () => {
        const jobs = await outbox.queue.getJobs(["waiting", "delayed", "prioritized"]);
        return jobs.length > 0 ? jobs : undefined;
      });
      expect(deliveries).toHaveLength(1);
      const delivery = deliveries[0]?.data as { event: string; url: string; body: string };
      expect(delivery).toMatchObject({ event: "collection.failed", url });
      expect(JSON.parse(delivery.body).data).toMatchObject({
        collectionId: id,
        status: "failed",
        error: { code: "INTERNAL" },
      });
    } finally {
      await next?.close();
      await outbox.queue.obliterate({ force: true });
      await outbox.close();
      await receiver.close();
    }
  });

  it("outlives more worker deaths than BullMQ's stall bound, none of them twice in a row in one pass", async () => {
    // Three deaths (maxStalledCount is 2), each in the pass after one its worker ended.
    const { done, stalls } = await throughDeaths([2, 2, 2]);
    expect(stalls).toBe(3);
    expect(done.job.status).toBe("completed");
    expect(done.progress).toMatchObject({ total: 10, done: 9, failed: 1 });
  });

  it("fails, and is recorded failed, when one pass kills its worker three times in a row", async () => {
    // The first worker ends its first pass and dies in its second; the next two die in that pass again.
    const { id, done, stalls } = await throughDeaths([2, 1, 1]);
    expect(stalls).toBe(3);
    expect(done.job.status).toBe("failed");
    expect(done.error).toMatchObject({ code: "INTERNAL" });
    expect(done.progress).toMatchObject({ total: 10, done: 1, failed: 0 });
    const store = new CollectionStore(api.jobs.redis, originKeyPrefix(queueName));
    expect(await eventually(() => store.end(id))).toMatchObject({
      status: "failed",
      failedReason: "job stalled more than allowable limit",
    });
  });

  it("fails as a whole when the collection does not exist, in YouTube's words", async () => {
    const worker = startWorker(new StandIn(double).engine());
    try {
      const created = await post({ collection: "PLnothingHereAtAll0000000000000000" });
      const done = await finished(created.body.job.id);
      expect(done.job.status).toBe("failed");
      expect(done.error).toMatchObject({ code: "NOT_FOUND", message: "The playlist does not exist." });
    } finally {
      await worker.close();
    }
  });
});

describe("a collection with the edge (EDGE_URL)", () => {
  const SHORT = "PLdblThreeVideosNoGaps00000000001";
  const edgeEnv = (edge: EdgeStandIn) => ({
    EDGE_URL: edge.url,
    EDGE_LINK_KEY: `${LINK_KEY.id}:${LINK_KEY.secret}`,
  });
  /** The edge's chargeRef: its quota counter's Durable Object id and a charge id. */
  const chargeRef = (charge: string) => `${"ab".repeat(32)}.${charge.repeat(32 / charge.length)}`;
  const settlements = (edge: EdgeStandIn) => edge.calls.filter((c) => c.path === EDGE_SETTLE_PATH);

  it("takes what only the edge's store holds without extracting it, and settles its charge, ending only once settled", async () => {
    const edge = await startEdgeStandIn();
    const standIn = new StandIn(double);
    const [fromEdge, ...others] = (PLAYLISTS[SHORT]?.entries ?? []).map((e) => e.videoId) as [
      string,
      ...string[],
    ];
    const hash = await requestHash(work(fromEdge));
    edge.held.set(hash, { ok: true, value: transcriptOf(fromEdge) });
    edge.freshForSeconds = 120;
    // The edge cannot take the first two settlements (away a moment): they are answered 404.
    edge.charge = 7;
    edge.settlementsRefused = 2;
    const worker = startWorker(standIn.engine(), { env: edgeEnv(edge) });
    try {
      const ref = chargeRef("1");
      const created = await post({ collection: SHORT, limit: 7, chargeRef: ref });
      expect(created.status).toBe(202);
      const id = created.body.job.id;
      const done = await finished(id);
      expect(done.progress).toEqual({ total: 3, done: 3, failed: 0, extracted: 2 });
      expect(standIn.runs.sort()).toEqual([...others].sort());
      // The edge's answer is the collection's result, as an extracted one would be, kept at the
      // origin no longer than it stays fresh at the edge.
      const jsonl = await signedFetch(api.url, `/v1/jobs/${id}?format=jsonl`, { caller: CALLER });
      const [first] = (await jsonl.text())
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(first).toEqual({
        index: 0,
        videoId: fromEdge,
        status: "completed",
        body: transcriptOf(fromEdge),
      });
      const kept = await api.jobs.results.redis.ttl(`${originKeyPrefix(queueName)}:result:${hash}`);
      expect(kept).toBeGreaterThan(100);
      expect(kept).toBeLessThanOrEqual(120);

      // Tried on each pass until taken (the collection waited for it), then never again.
      const settlement = { chargeRef: ref, listed: 3 };
      expect(settlements(edge).map((c) => [c.status, c.verified, c.body])).toEqual([
        [404, true, settlement],
        [404, true, settlement],
        [200, true, settlement],
      ]);
      expect(edge.calls.filter((c) => c.path === EDGE_ANSWERS_PATH)).toHaveLength(1);
    } finally {
      await worker.close();
      await edge.close();
    }
  });

  it("asks the edge about each video once, however many passes a full window takes", async () => {
    const edge = await startEdgeStandIn();
    const standIn = new StandIn(double);
    standIn.hold();
    const worker = startWorker(standIn.engine(), { env: edgeEnv(edge) });
    try {
      const id = (await post({ collection: LONG, limit: 10 })).body.job.id;
      // The key's share (3) is full, and stays so for a few passes.
      await eventually(async () => (standIn.running === SHARE ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 300));
      standIn.release();
      expect((await finished(id)).progress).toMatchObject({ total: 10, done: 9, failed: 1 });
      const asked = edge.calls
        .filter((c) => c.path === EDGE_ANSWERS_PATH)
        .flatMap((c) => (c.body as { hashes: string[] }).hashes);
      expect(asked).toHaveLength(10);
      expect(new Set(asked).size).toBe(10);
    } finally {
      await worker.close();
      await edge.close();
    }
  });

  it("ends keeping the whole charge when the edge never takes the settlement, after a few passes further and further apart", async () => {
    const edge = await startEdgeStandIn();
    edge.settlementsRefused = Number.POSITIVE_INFINITY;
    const worker = startWorker(new StandIn(double).engine(), { env: edgeEnv(edge) });
    try {
      const created = await post({ collection: SHORT, limit: 7, chargeRef: chargeRef("2") });
      const done = await finished(created.body.job.id);
      expect(done.job.status).toBe("completed");
      const tries = settlements(edge);
      expect(tries.every((c) => c.status === 404)).toBe(true);
      // Once its videos were done: the pass that found it so, then five more, 50 ms × 1, 2, 4, 8, 16 apart.
      expect(tries.length).toBeGreaterThanOrEqual(6);
      const gaps = tries.slice(-6).map((c, i, last) => (i ? c.at - (last[i - 1] as EdgeCall).at : 0));
      expect(gaps[5]).toBeGreaterThanOrEqual(800 * 0.9);
      expect(gaps[4]).toBeGreaterThanOrEqual(400 * 0.9);
    } finally {
      await worker.close();
      await edge.close();
    }
  });

  it("settles a collection that could not be listed for nothing: it had no entries", async () => {
    const edge = await startEdgeStandIn();
    edge.charge = 7;
    const worker = startWorker(new StandIn(double).engine(), { env: edgeEnv(edge) });
    try {
      const ref = chargeRef("3");
      const created = await post({
        collection: "PLdblNoSuchPlaylist00000000000001",
        limit: 7,
        chargeRef: ref,
      });
      const done = await finished(created.body.job.id);
      expect(done.job.status).toBe("failed");
      expect(done.error?.code).toBe("NOT_FOUND");
      await eventually(async () => (settlements(edge).length > 0 ? true : undefined));
      expect(settlements(edge).map((c) => [c.status, c.body])).toEqual([
        [200, { chargeRef: ref, listed: 0 }],
      ]);
    } finally {
      await worker.close();
      await edge.close();
    }
  });
});
