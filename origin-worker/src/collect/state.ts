import type {
  CollectionInfo,
  CollectionItem,
  CollectionItemStatus,
  CollectionProgress,
  ErrorCode,
} from "@ytt/shared";
import type { Redis } from "ioredis";
import type { Outcome } from "../queue/outcome.js";
import type { CollectionJobData } from "../queue/queue.js";
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
  /** Whether the edge has taken the settlement of the collection's charge (coordinator.ts). */
  chargeSettled: boolean;
  /** Items before this index were looked up in the edge's store already (coordinator.ts). */
  edgeAskedTo: number;
}

/**
 * How a collection job ended, kept with its state: BullMQ trims its finished jobs by count across
 * the whole queue (each transcript job that ends drops all but the newest 1000), so the job itself
 * may be gone long before its state, which GET /v1/jobs/{id} must show for as long.
 */
export interface CollectionEnd {
  data: CollectionJobData;
  status: "completed" | "failed";
  /** BullMQ's failedReason as the job's would be (queue/outcome.ts encodes it). */
  failedReason?: string;
}

/** How an unavailable entry fails, without a job: what the video's own request would answer. */
const UNAVAILABLE: Record<Unavailable, { code: ErrorCode; message: string }> = {
  deleted: { code: "VIDEO_UNAVAILABLE", message: "The video was deleted." },
  private: { code: "VIDEO_PRIVATE", message: "The video is private." },
  unavailable: { code: "VIDEO_UNAVAILABLE", message: "The video is unavailable." },
};

/** An item as its job's end leaves it (the job id no longer shown), and the count it adds to. */
function finishedItem(item: StoredItem, outcome: ItemEnd): [StoredItem, "done" | "failed"] {
  const status: CollectionItemStatus = outcome.ok ? "completed" : "failed";
  const { jobId: _, ...shown } = item;
  return [
    { ...shown, status, ...(outcome.ok ? {} : { error: outcome.error }) },
    outcome.ok ? "done" : "failed",
  ];
}

/**
 * A collection job's state in the queue's Redis (which never evicts), so that a coordinator killed
 * at any point resumes where it was, and the API reads progress and items without the worker:
 * - `collection:<id>`: a hash of the listing (`info`), `total`, `next`, the `done`, `failed`
 *   and `extracted` counts, and once the job has ended, how (`end`, a CollectionEnd);
 * - `collection:<id>:items`: a hash of each item by index (JSON of StoredItem);
 * - `collection:<id>:running`: the indexes whose transcript job is in flight.
 * Every write is one MULTI or script, so counts and items never disagree. An item moves on (waiting
 * → running or finished, running → finished) in a script that first checks it is still where it
 * was: two coordinators may run one pass at once (a lock lost to a stall), and the second to note
 * an item's end must count nothing.
 */
/**
 * Moves item ARGV[1] on from ARGV[2] ("waiting": its stored status; "running": its place in the
 * running set, removed here) and returns 1, or returns 0 and writes nothing when it is no longer
 * there. Then: the item as ARGV[3]; +1 to the meta field ARGV[4] unless empty; into the running set
 * when ARGV[6] is "1"; `next` = ARGV[7] unless empty; every key's life ARGV[5] seconds.
 */
const MOVE_ITEM = `
local index = ARGV[1]
if ARGV[2] == "running" then
  if redis.call("SREM", KEYS[3], index) == 0 then return 0 end
else
  local stored = redis.call("HGET", KEYS[2], index)
  if not stored or cjson.decode(stored).status ~= "waiting" then return 0 end
end
redis.call("HSET", KEYS[2], index, ARGV[3])
if ARGV[4] ~= "" then redis.call("HINCRBY", KEYS[1], ARGV[4], 1) end
if ARGV[6] == "1" then redis.call("SADD", KEYS[3], index) end
if ARGV[7] ~= "" then redis.call("HSET", KEYS[1], "next", ARGV[7]) end
for i = 1, 3 do redis.call("EXPIRE", KEYS[i], ARGV[5]) end
return 1
`;

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
      chargeSettled: raw.chargeSettled === "1",
      edgeAskedTo: count("edgeAskedTo"),
    };
  }

  /** Notes how far the edge's store was asked, or (1) that the edge took the charge's settlement (coordinator.ts). */
  async note(id: string, fields: { edgeAskedTo: number } | { chargeSettled: 1 }, ttlSeconds: number) {
    await this.expire(this.redis.multi().hset(this.keys(id).meta, fields), id, ttlSeconds).exec();
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
   * Records what submitting waiting item `index` did: its job is in flight (`extracted` when the
   * collection created it rather than joined it), or it already had its outcome. `next` moves past
   * it. False, writing nothing, when the item was no longer waiting (another pass recorded it).
   */
  async submitted(
    id: string,
    index: number,
    item: StoredItem,
    result: { jobId: string; extracted: boolean } | { outcome: ItemEnd },
    ttlSeconds: number,
  ): Promise<boolean> {
    const next = String(index + 1);
    if ("outcome" in result) {
      const [stored, counter] = finishedItem(item, result.outcome);
      return this.move(id, index, "waiting", stored, counter, ttlSeconds, false, next);
    }
    const running: StoredItem = { ...item, status: "running", jobId: result.jobId };
    const counter = result.extracted ? "extracted" : "";
    return this.move(id, index, "waiting", running, counter, ttlSeconds, true, next);
  }

  /** A running item's job has ended; nothing is written when it was not running (already noted). */
  async finished(id: string, index: number, item: StoredItem, outcome: ItemEnd, ttlSeconds: number) {
    const [stored, counter] = finishedItem(item, outcome);
    await this.move(id, index, "running", stored, counter, ttlSeconds, false, "");
  }

  /** Records how the job ended; it renews the state's life, which now outlives the job's end by its retention. */
  async ended(id: string, end: CollectionEnd, ttlSeconds: number) {
    const write = this.redis.multi().hset(this.keys(id).meta, "end", JSON.stringify(end));
    await this.expire(write, id, ttlSeconds).exec();
  }

  async end(id: string): Promise<CollectionEnd | undefined> {
    const raw = await this.redis.hget(this.keys(id).meta, "end");
    return raw ? (JSON.parse(raw) as CollectionEnd) : undefined;
  }

  /** Moves `next` past items that need no job (unavailable entries). */
  async skipTo(id: string, next: number, ttlSeconds: number) {
    await this.expire(this.redis.multi().hset(this.keys(id).meta, "next", next), id, ttlSeconds).exec();
  }

  private async move(
    id: string,
    index: number,
    from: "waiting" | "running",
    item: StoredItem,
    counter: string,
    ttlSeconds: number,
    running: boolean,
    next: string,
  ): Promise<boolean> {
    const keys = this.keys(id);
    const args = [String(index), from, JSON.stringify(item), counter, ttlSeconds, running ? "1" : "0", next];
    return (await this.redis.eval(MOVE_ITEM, 3, keys.meta, keys.items, keys.running, ...args)) === 1;
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
