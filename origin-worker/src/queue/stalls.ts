import type { Job } from "bullmq";
import type { Redis } from "ioredis";

/**
 * BullMQ counts a job's stalls over the job's whole life: each time its stalled check finds the job
 * active without a lock (its worker died, or stopped renewing the lock), moveStalledJobsToWait-9.lua
 * (bullmq 6.7, dist/esm/commands) adds one to the job hash's `stc` field, and once `stc` passes the
 * worker's maxStalledCount it sets `defa` ("job stalled more than allowable limit") as it puts the
 * job back in wait. Nothing in BullMQ sets `stc` back. A job run as many passes (a collection's
 * coordinator, collect/coordinator.ts) would fail after a few worker deaths spread over hours; a
 * pass that ends sets the count back, so the bound holds for deaths in a row under one pass.
 *
 * `defa` is left alone: BullMQ sets it only on a job it takes out of active, unlocked, and the next
 * worker to take the job fails it before running it (Worker.processJob, getUnrecoverableErrorMessage),
 * so no pass runs under one; moveToFinished-14.lua clears it as it fails the job.
 *
 * KEYS: the job hash, its lock. ARGV: the token the job was taken with. 1 when the count was set
 * back; 0 when the job is no longer ours (its lock ran out, or another worker took it since): that
 * stall was real, and counts.
 */
const RESET_STALLS = `
if redis.call("GET", KEYS[2]) ~= ARGV[1] then return 0 end
redis.call("HSET", KEYS[1], "stc", 0)
return 1
`;

type ResetStallsCommand = (jobKey: string, lockKey: string, token: string) => Promise<number>;

/**
 * Sets the job's stall count back to 0 while this worker still holds it (before it gives up the lock,
 * by moveToDelayed). `redis`: a client of the queue's Redis. False when it was not (no longer) ours.
 */
export async function resetStalls(redis: Redis, job: Job, token: string | undefined): Promise<boolean> {
  if (!token) return false;
  if (!("ytResetStalls" in redis))
    redis.defineCommand("ytResetStalls", { numberOfKeys: 2, lua: RESET_STALLS });
  // `<prefix>:<queue>:<id>` and its `:lock`, as BullMQ's scripts build them (queueQualifiedName: `<prefix>:<queue>`).
  const jobKey = `${job.queueQualifiedName}:${job.id}`;
  const reset = (redis as unknown as { ytResetStalls: ResetStallsCommand }).ytResetStalls;
  return (await reset.call(redis, jobKey, `${jobKey}:lock`, token)) === 1;
}
