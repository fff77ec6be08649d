import type {
  CollectionInfo,
  CollectionItem,
  CollectionItemStatus,
  CollectionProgress,
  ErrorCode,
} from "@ytt/shared";
import type { Redis } from "ioredis";
import type { Outcome } from "../queue/outcome.js";
import type { CollectionListing } from "./expand.js";
import type { Unavailable } from "./read.js";

/** An item as stored: what the API shows, and the transcript job it waits on while running. */
export interface StoredItem extends Omit<CollectionItem, "index"> {
  jobId?: string;
}

/** How an item's job ended; a success's transcript stays in the result store. */
export type ItemEnd = { ok: true } | Extract<Outcome, { ok: false }>;

export interface CollectionMeta {
  /** Absent until the listing is stored. */
  info?: CollectionInfo;
  progress: CollectionProgress;
  /** The index of the next item to submit. */
  next: number;
}

/** How an unavailable entry fails, without a job: what the video's own request would answer. */
const UNAVAILABLE: Record<Unavailable, { code: ErrorCode; message: string }> = {
  deleted: { code: "VIDEO_UNAVAILABLE", message: "The video was deleted." },
  private: { code: "VIDEO_PRIVATE", message: "The video is private." },
  unavailable: { code: "VIDEO_UNAVAILABLE", message: "The video is unavailable." },
};

/**
 * A collection job's state in the queue's Redis (which never evicts), so that a coordinator killed
 * at any point resumes where it was, and the API reads progress and items without the worker:
 * - `collection:<id>`: a hash of the listing (`info`), `total`, `next`, and the `done`, `failed`
 *   and `extracted` counts;
 * - `collection:<id>:items`: a hash of each item by index (JSON of StoredItem);
 * - `collection:<id>:running`: the indexes whose transcript job is in flight.
 * Every write is one MULTI, so counts and items never disagree.
 */
export class CollectionStore {
  constructor(
    readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private keys(id: string) {
    const meta = `${this.keyPrefix}:collection:${id}`;
    return { meta, items: `${meta}:items`, running: `${meta}:running` };
  }

  /** Stores the listing; entries YouTube lists as deleted or private fail at once, needing no job. */
  async saveListing(id: string, info: CollectionInfo, listing: CollectionListing, ttlSeconds: number) {
    const keys = this.keys(id);
    const items: Record<string, string> = {};
    let failed = 0;
    listing.videos.forEach((video, index) => {
      const item: StoredItem = { videoId: video.videoId, title: video.title, status: "waiting" };
      if (video.unavailable) {
        failed++;
        item.status = "failed";
        item.error = UNAVAILABLE[video.unavailable];
      }
      items[index] = JSON.stringify(item);
    });
    const write = this.redis.multi().del(keys.items, keys.running);
    if (listing.videos.length > 0) write.hset(keys.items, items);
    write.hset(keys.meta, {
      info: JSON.stringify(info),
      total: listing.videos.length,
      next: 0,
      done: 0,
      failed,
      extracted: 0,
    });
    await this.expire(write, id, ttlSeconds).exec();
  }

  async meta(id: string): Promise<CollectionMeta | undefined> {
    const raw = await this.redis.hgetall(this.keys(id).meta);
    if (Object.keys(raw).length === 0) return undefined;
    const count = (field: string) => Number(raw[field] ?? 0);
    return {
      ...(raw.info ? { info: JSON.parse(raw.info) as CollectionInfo } : {}),
      progress: {
        total: count("total"),
        done: count("done"),
        failed: count("failed"),
        extracted: count("extracted"),
      },
      next: count("next"),
    };
  }

  /** Items `from` to `from + count - 1` (those that exist), with their indexes. */
  async items(id: string, from: number, count: number): Promise<(StoredItem & { index: number })[]> {
    if (count <= 0) return [];
    const indexes = Array.from({ length: count }, (_, i) => String(from + i));
    const raw = await this.redis.hmget(this.keys(id).items, ...indexes);
    return raw.flatMap((json, i) => (json ? [{ ...(JSON.parse(json) as StoredItem), index: from + i }] : []));
  }

  async running(id: string): Promise<number[]> {
    return (await this.redis.smembers(this.keys(id).running)).map(Number);
  }

  /**
   * Records what submitting item `index` did: its job is in flight (`extracted` when the
   * collection created it rather than joined it), or it already had its outcome. `next` moves past it.
   */
  async submitted(
    id: string,
    index: number,
    item: StoredItem,
    result: { jobId: string; extracted: boolean } | { outcome: ItemEnd },
    ttlSeconds: number,
  ) {
    const keys = this.keys(id);
    const write = this.redis.multi().hset(keys.meta, "next", index + 1);
    if ("outcome" in result) this.finishIn(write, id, index, item, result.outcome);
    else {
      const running: StoredItem = { ...item, status: "running", jobId: result.jobId };
      write.hset(keys.items, String(index), JSON.stringify(running)).sadd(keys.running, String(index));
      if (result.extracted) write.hincrby(keys.meta, "extracted", 1);
    }
    await this.expire(write, id, ttlSeconds).exec();
  }

  /** A running item's job has ended. */
  async finished(id: string, index: number, item: StoredItem, outcome: ItemEnd, ttlSeconds: number) {
    await this.expire(this.finishIn(this.redis.multi(), id, index, item, outcome), id, ttlSeconds).exec();
  }

  /** Moves `next` past items that need no job (unavailable entries). */
  async skipTo(id: string, next: number, ttlSeconds: number) {
    await this.expire(this.redis.multi().hset(this.keys(id).meta, "next", next), id, ttlSeconds).exec();
  }

  private finishIn(
    write: ReturnType<Redis["multi"]>,
    id: string,
    index: number,
    item: StoredItem,
    outcome: ItemEnd,
  ) {
    const keys = this.keys(id);
    const status: CollectionItemStatus = outcome.ok ? "completed" : "failed";
    const { jobId: _, ...shown } = item;
    const finished: StoredItem = { ...shown, status, ...(outcome.ok ? {} : { error: outcome.error }) };
    return write
      .hset(keys.items, String(index), JSON.stringify(finished))
      .srem(keys.running, String(index))
      .hincrby(keys.meta, outcome.ok ? "done" : "failed", 1);
  }

  /** Each write renews the state's life: it outlives its job's last change by the job's retention. */
  private expire(write: ReturnType<Redis["multi"]>, id: string, ttlSeconds: number) {
    const keys = this.keys(id);
    return write
      .expire(keys.meta, ttlSeconds)
      .expire(keys.items, ttlSeconds)
      .expire(keys.running, ttlSeconds);
  }
}
