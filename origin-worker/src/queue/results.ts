import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, brotliDecompress, constants } from "node:zlib";
import type { Redis } from "ioredis";
import type { Outcome } from "./outcome.js";

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);
/** Brotli 5: most of quality 11's ratio on caption text at a fraction of its CPU. */
const BROTLI_QUALITY = 5;

/** What a request's key holds: a failure as is, a success as the address of its (shared) body. */
type Pointer = Extract<Outcome, { ok: false }> | { ok: true; body: string };

/** How a job ended, as far as its pointer says: a failure as stored, a success whose body is there. */
export type Peeked = Extract<Outcome, { ok: false }> | { ok: true };

/** A pipeline's replies, or its first error thrown. */
function replies(results: [Error | null, unknown][] | null): unknown[] {
  const failed = results?.find(([error]) => error)?.[0];
  if (failed) throw failed;
  return (results ?? []).map(([, reply]) => reply);
}

/**
 * Where finished outcomes live, by job id (= request hash), so a repeat request is answered without
 * a job. A success body is stored once, compressed and addressed by its SHA-256: every request
 * variant that resolves to the same track (lang=en, lang=xx,en, …) points at one copy.
 *
 * It may live in its own Redis with allkeys-lru (RESULT_REDIS_URL): an evicted pointer or body
 * reads as a miss, and the request runs again.
 */
export class ResultStore {
  constructor(
    readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private pointerKey(id: string): string {
    return `${this.keyPrefix}:result:${id}`;
  }

  private bodyKey(digest: string): string {
    return `${this.keyPrefix}:blob:${digest}`;
  }

  async get(id: string): Promise<Outcome | undefined> {
    const raw = await this.redis.get(this.pointerKey(id));
    if (!raw) return undefined;
    const pointer = JSON.parse(raw) as Pointer;
    if (!pointer.ok) return pointer;
    const body = await this.redis.getBuffer(this.bodyKey(pointer.body));
    if (!body) return undefined;
    return { ok: true, value: JSON.parse((await decompress(body)).toString("utf8")) };
  }

  /**
   * How the job ended, without reading a success's body: a failure as stored, a success as `{ ok:
   * true }` while its body is there (EXISTS), as get() would find it.
   */
  async peek(id: string): Promise<Peeked | undefined> {
    return (await this.peekMany([id]))[0];
  }

  /**
   * peek() of many jobs, in the order asked, in two round trips whatever their number (pipelined
   * GETs, then EXISTS of the successes' bodies): a collection's pass looks at up to 200 videos.
   */
  async peekMany(ids: string[]): Promise<(Peeked | undefined)[]> {
    if (ids.length === 0) return [];
    const gets = this.redis.pipeline();
    for (const id of ids) gets.get(this.pointerKey(id));
    const pointers = replies(await gets.exec()).map((raw) =>
      typeof raw === "string" ? (JSON.parse(raw) as Pointer) : undefined,
    );
    const bodies = pointers.flatMap((pointer) => (pointer?.ok ? [this.bodyKey(pointer.body)] : []));
    const exists = this.redis.pipeline();
    for (const key of bodies) exists.exists(key);
    const present = bodies.length ? replies(await exists.exec()) : [];
    let body = 0;
    return pointers.map((pointer) => {
      if (!pointer) return undefined;
      if (!pointer.ok) return pointer;
      return present[body++] === 1 ? { ok: true } : undefined;
    });
  }

  async put(id: string, outcome: Outcome, ttlSeconds: number): Promise<void> {
    if (!outcome.ok) {
      await this.redis.set(this.pointerKey(id), JSON.stringify(outcome), "EX", ttlSeconds);
      return;
    }
    const json = JSON.stringify(outcome.value);
    const digest = createHash("sha256").update(json).digest("hex");
    const pointer: Pointer = { ok: true, body: digest };
    // A body another variant stored only has its life extended (GT: never shortened), so it lives at
    // least as long as the newest pointer; it is compressed and sent only when it is not there.
    const bodyKey = this.bodyKey(digest);
    // 0 from EXPIRE GT: no such key, or one that already lives longer.
    const kept =
      (await this.redis.expire(bodyKey, ttlSeconds, "GT")) === 1 || (await this.redis.exists(bodyKey)) === 1;
    const write = this.redis.multi();
    if (!kept) {
      const body = await compress(json, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } });
      write.set(bodyKey, body, "EX", ttlSeconds);
    }
    replies(await write.set(this.pointerKey(id), JSON.stringify(pointer), "EX", ttlSeconds).exec());
  }
}
