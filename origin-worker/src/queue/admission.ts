import { type Caller, encodeCaller } from "@ytt/shared";
import type { Redis } from "ioredis";

/** Why a job was not admitted. */
export type Refusal = "backlog" | "caller";

/**
 * Admits a new job only while the whole backlog and the caller's own jobs in flight are under
 * their bounds, checked and counted in one Lua script: concurrent requests cannot both take the
 * last place. A job holds its places until a worker releases them when it finishes, or until its
 * lease runs out (a job BullMQ failed without our worker seeing it: stalled too often).
 *
 * KEYS: the backlog zset, the caller's zset (members: job ids; scores: lease ends, ms).
 * ARGV: job id, now, lease end, backlog bound, caller bound. Returns 0 (admitted), 1, 2.
 */
const ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 1 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 2 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
return 0
`;

export interface AdmissionOptions {
  /** The origin's key prefix (originKeyPrefix). */
  keyPrefix: string;
  /** The longest a job may hold its places without being released. */
  leaseMs: number;
}

export interface AdmissionLimits {
  maxBacklog: number;
  perCaller: number;
}

type AdmitCommand = (
  backlogKey: string,
  callerKey: string,
  jobId: string,
  now: number,
  leaseEnd: number,
  maxBacklog: number,
  perCaller: number,
) => Promise<number>;

export class Admission {
  constructor(
    private readonly redis: Redis,
    private readonly options: AdmissionOptions,
  ) {
    if (!("ytAdmit" in redis)) redis.defineCommand("ytAdmit", { numberOfKeys: 2, lua: ADMIT });
  }

  private backlogKey(): string {
    return `${this.options.keyPrefix}:inflight`;
  }

  private callerKey(caller: Caller): string {
    return `${this.options.keyPrefix}:inflight:${encodeCaller(caller)}`;
  }

  /** Takes a place for the job; undefined when admitted, else which bound refused it. */
  async admit(jobId: string, caller: Caller, limits: AdmissionLimits): Promise<Refusal | undefined> {
    const now = Date.now();
    const admit = (this.redis as unknown as { ytAdmit: AdmitCommand }).ytAdmit;
    const result = await admit.call(
      this.redis,
      this.backlogKey(),
      this.callerKey(caller),
      jobId,
      now,
      now + this.options.leaseMs,
      limits.maxBacklog,
      limits.perCaller,
    );
    return result === 1 ? "backlog" : result === 2 ? "caller" : undefined;
  }

  /** Gives the job's places back: it has finished, for good. */
  async release(jobId: string, caller: Caller): Promise<void> {
    await this.redis.multi().zrem(this.backlogKey(), jobId).zrem(this.callerKey(caller), jobId).exec();
  }

  /** Jobs in flight now (the backlog the bound applies to). */
  async inFlight(): Promise<number> {
    await this.redis.zremrangebyscore(this.backlogKey(), "-inf", Date.now());
    return this.redis.zcard(this.backlogKey());
  }
}
