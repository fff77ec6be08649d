import { decodeFailure } from "../queue/outcome.js";

/** Back-off never waits longer than this, however many attempts were made. */
export const MAX_RETRY_DELAY_MS = 60_000;

/**
 * Exponential back-off with jitter (a random delay between half and all of base·2^(attempt-1)), so jobs that
 * failed together (YouTube blocked a burst) do not come back together. A block waits 4× longer
 * than a timeout or a browser crash: it lifts slowly.
 */
export function retryDelay(
  attemptsMade: number,
  baseDelayMs: number,
  err?: Error,
  random = Math.random,
): number {
  const factor = err && decodeFailure(err.message).code === "BLOCKED_BY_YOUTUBE" ? 4 : 1;
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseDelayMs * factor * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
