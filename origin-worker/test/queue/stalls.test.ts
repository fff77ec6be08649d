import { Job, Queue, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorkerConfig } from "../../src/config.js";
import { BULL_PREFIX, blockingConnection, producerConnection } from "../../src/queue/queue.js";
import { resetStalls } from "../../src/queue/stalls.js";
import { uniqueQueueName } from "../helpers.js";

// The stall count a pass sets back, on real Redis and BullMQ: only while the job is the caller's.
// Collections' passes over it, worker deaths and all: test/collect/collection.test.ts.

describe("resetStalls", () => {
  const config = loadWorkerConfig({ QUEUE_NAME: uniqueQueueName("stalls") });
  const redis = producerConnection(config.REDIS_URL);
  const queue = new Queue(config.QUEUE_NAME, { connection: redis, prefix: BULL_PREFIX });
  // Takes jobs only when asked (getNextJob), with the token it is given: the lock is the test's.
  const worker = new Worker(config.QUEUE_NAME, null, {
    connection: blockingConnection(config.REDIS_URL),
    prefix: BULL_PREFIX,
    autorun: false,
  });
  beforeAll(() => worker.waitUntilReady());
  afterAll(async () => {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  const stalledCounter = async (id: string) => (await Job.fromId(queue, id))?.stalledCounter;

  it("sets BullMQ's count back while the job's lock is the caller's, and only then", async () => {
    const added = await queue.add("collection", {});
    const job = (await worker.getNextJob("ours")) as Job;
    expect(job.id).toBe(added.id);
    const id = job.id as string;
    // Two workers died under it (moveStalledJobsToWait-9.lua counts in the job hash's `stc`).
    await redis.hset(`${BULL_PREFIX}:${config.QUEUE_NAME}:${id}`, "stc", 2);
    expect(await stalledCounter(id)).toBe(2);

    expect(await resetStalls(redis, job, "another worker's")).toBe(false);
    expect(await resetStalls(redis, job, undefined)).toBe(false);
    expect(await stalledCounter(id)).toBe(2);

    expect(await resetStalls(redis, job, "ours")).toBe(true);
    expect(await stalledCounter(id)).toBe(0);

    // Delayed, the job holds no lock: nobody's to set back.
    await redis.hset(`${BULL_PREFIX}:${config.QUEUE_NAME}:${id}`, "stc", 1);
    await job.moveToDelayed(Date.now() + 60_000, "ours");
    expect(await resetStalls(redis, job, "ours")).toBe(false);
    expect(await stalledCounter(id)).toBe(1);
  });
});
