import { ApiError } from "@ytt/shared";
import { expectedTranscript } from "@ytt/youtube-double";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { failureOutcome } from "../../src/queue/outcome.js";
import { originKeyPrefix } from "../../src/queue/queue.js";
import { ResultStore } from "../../src/queue/results.js";
import { uniqueQueueName } from "../helpers.js";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const prefix = originKeyPrefix(uniqueQueueName("results"));
const store = new ResultStore(redis, prefix);
const transcript = (videoId: string) =>
  expectedTranscript(videoId, { languageCode: "en", kind: videoId === "dblAsrOnly1" ? "asr" : "manual" });

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe("the result store's peek of many jobs (a collection's pass)", () => {
  it("answers each as peek() would, in the order asked, in two round trips", async () => {
    const disabled = failureOutcome(new ApiError("TRANSCRIPTS_DISABLED"));
    await store.put("stored", { ok: true, value: transcript("GJLlxj_dtq8") }, 60);
    await store.put("failed", disabled, 60);
    // A body evicted under its pointer (allkeys-lru): gone, as get() would find it.
    await store.put("evicted", { ok: true, value: transcript("dblAsrOnly1") }, 60);
    const pointer = JSON.parse((await redis.get(`${prefix}:result:evicted`)) ?? "") as { body: string };
    expect(await redis.del(`${prefix}:blob:${pointer.body}`)).toBe(1);

    const ids = ["never", "stored", "evicted", "failed", "stored"];
    const peeked = await store.peekMany(ids);
    expect(peeked).toEqual([undefined, { ok: true }, undefined, disabled, { ok: true }]);
    expect(peeked).toEqual(await Promise.all(ids.map((id) => store.peek(id))));
    expect(await store.peekMany([])).toEqual([]);

    // Two round trips whatever the number: the pointers' GETs pipelined, then the bodies' EXISTS.
    const flushes: number[] = [];
    const stream = (redis as unknown as { stream: { write(data: unknown): boolean } }).stream;
    const write = stream.write.bind(stream);
    stream.write = (data) => {
      flushes.push(
        String(data)
          .split("\r\n")
          .filter((line) => /^(get|exists)$/i.test(line)).length,
      );
      return write(data);
    };
    try {
      await store.peekMany(ids);
    } finally {
      stream.write = write;
    }
    // (An EXISTS per success pointer: "stored" twice, and "evicted".)
    expect(flushes).toEqual([ids.length, 3]);
  });
});
