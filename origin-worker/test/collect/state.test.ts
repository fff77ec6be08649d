import type { CollectionInfo } from "@ytt/shared";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollectionStore } from "../../src/collect/state.js";
import { originKeyPrefix, producerConnection } from "../../src/queue/queue.js";
import { uniqueQueueName } from "../helpers.js";

// The collection store on real Redis, as two coordinators running one pass at once (a lock lost to
// a stall) drive it: each step they both take must count once.

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const TTL = 600;
const INFO: CollectionInfo = { type: "playlist", id: "PLstate", title: "State", truncated: false };
const LISTING = {
  id: "PLstate",
  title: "State",
  truncated: false,
  videos: ["vid00000001", "vid00000002", "vid00000003"].map((videoId) => ({ videoId, title: videoId })),
};

let redis: Redis;
let store: CollectionStore;
const prefix = originKeyPrefix(uniqueQueueName("collection-state"));

beforeAll(async () => {
  redis = producerConnection(REDIS_URL);
  // The producer connection queues nothing while it connects: wait for it.
  await new Promise((ready) => redis.once("ready", ready));
  store = new CollectionStore(redis, prefix);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe("CollectionStore", () => {
  it("counts an item's end once, however many passes note it", async () => {
    await store.saveListing("twice", INFO, LISTING, TTL);
    const [item] = await store.items("twice", 0, 1);
    if (!item) throw new Error("no item 0");
    const job = { jobId: "a".repeat(32), extracted: true };
    await store.submitted("twice", 0, item, job, TTL);
    // The second coordinator submitted it too (joining the same job): nothing more is extracted.
    await store.submitted("twice", 0, item, job, TTL);
    const [running] = await store.items("twice", 0, 1);
    if (!running) throw new Error("no item 0");
    expect(running).toMatchObject({ status: "running", jobId: job.jobId });

    await store.finished("twice", 0, running, { ok: true }, TTL);
    await store.finished("twice", 0, running, { ok: true }, TTL);
    // …nor does a different end noted late (the first one stands).
    const failure = { ok: false as const, error: { code: "INTERNAL" as const, message: "x" } };
    await store.finished("twice", 0, running, failure, TTL);

    // Item 1 had its answer stored: it finishes when submitted, once.
    const [stored] = await store.items("twice", 1, 1);
    if (!stored) throw new Error("no item 1");
    await store.submitted("twice", 1, stored, { outcome: { ok: true } }, TTL);
    const again = await store.submitted("twice", 1, stored, { outcome: { ok: true } }, TTL);

    const meta = await store.meta("twice");
    expect(meta?.progress).toEqual({ total: 3, done: 2, failed: 0, extracted: 1 });
    expect(meta?.next).toBe(2);
    // The second pass's answer says "not recorded", so it counts no place in flight either.
    expect(again).toBe(false);
    expect(await store.running("twice")).toEqual([]);
    expect((await store.items("twice", 0, 3)).map((i) => i.status)).toEqual([
      "completed",
      "completed",
      "waiting",
    ]);
    expect(await redis.ttl(`${prefix}:collection:twice:items`)).toBeGreaterThan(TTL - 10);
  });
});
