/**
 * A client of the edge, as tests and benches use it (no test runner here, so a bench can import it):
 * requests, request fan-out, job polling.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type JobBody, JobBodySchema } from "@ytt/shared";
import type { Stack } from "./index.js";

let ipCounter = 0;
/**
 * A client IP of its own (TEST-NET-2 range) for a test, sent as CF-Connecting-IP: wrangler dev only
 * sets that header when the client did not, so tests do not share 127.0.0.1's IP rate limit.
 */
export function clientIp(): string {
  ipCounter++;
  return `198.51.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface CallOptions {
  key?: string | undefined;
  ip?: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * What wrangler's local dev proxy answers when it drops a connection under load ("Error inside
 * ProxyWorker"): plain text, never a body of ours (the Worker answers JSON or a rendered format).
 */
function droppedByDevProxy(status: number, text: string): boolean {
  return status === 500 && text.startsWith("Network connection lost");
}

/** How often a request the dev proxy dropped is sent again before the drop counts as the answer. */
const DEV_PROXY_RETRIES = 2;

/** One request to the edge, as a client makes it. */
export async function call(stack: Stack, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {
    "CF-Connecting-IP": options.ip ?? clientIp(),
    ...options.headers,
  };
  if (options.key) headers.Authorization = `Bearer ${options.key}`;
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${stack.edgeUrl}${path}`, {
      method: options.method ?? "GET",
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    const text = await res.text();
    if (droppedByDevProxy(res.status, text) && attempt < DEV_PROXY_RETRIES) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }
}

/**
 * `count` requests, at most `concurrency` in flight: wrangler's local dev proxy drops connections
 * (500 "Network connection lost", logged as "Error inside ProxyWorker") when a hundred or more
 * arrive at once, which says nothing about the Worker (the odd one dropped even so is sent again by call()).
 */
export async function callMany<T = Answer>(
  count: number,
  request: (index: number) => Promise<T>,
  concurrency = 20,
): Promise<T[]> {
  const answers: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        answers[index] = await request(index);
      }
    }),
  );
  return answers;
}

/** The error code of an error body `{ error: { code } }`. */
export function errorCode(answer: Answer): string | undefined {
  return (answer.json as { error?: { code?: string } } | undefined)?.error?.code;
}

/** Polls a job's status URL through the edge until it is completed or failed. */
export async function pollJob(
  stack: Stack,
  statusUrl: string,
  key: string,
  {
    timeoutMs = 60_000,
    ip = clientIp(),
    intervalMs = 500,
    // A test fails on a 429 (it polled too fast); a bench waits it out, as a client would.
    waitOutRateLimit = false,
  } = {},
): Promise<JobBody> {
  const path = statusUrl.startsWith("http") ? new URL(statusUrl).pathname : statusUrl;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await call(stack, path, { key, ip });
    if (answer.status === 200) {
      const job = JobBodySchema.parse(answer.json);
      if (job.job.status === "completed" || job.job.status === "failed") return job;
    } else if (answer.status === 429 && waitOutRateLimit) {
      await sleep(Number(answer.headers.get("retry-after") ?? 1) * 1000);
    } else if (answer.status !== 503) {
      throw new Error(`polling ${path}: ${answer.status} ${answer.text}`);
    }
    await sleep(intervalMs);
  }
  throw new Error(`job ${path} not finished after ${timeoutMs} ms`);
}

/** Sums a per-video counter of the double's stats. */
export const total = (counter: Record<string, number>) => Object.values(counter).reduce((a, b) => a + b, 0);
