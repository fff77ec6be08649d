import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import type { ErrorBody, errorBody } from "@ytt/shared";
import { generateApiKey, newKeyRecord, type Plan } from "../../src/auth/keys.js";
import worker from "../../src/index.js";
import type { LoggedRequest } from "./origin-stand-in.js";

export interface CallOptions extends RequestInit {
  /** Sent as Authorization: Bearer. */
  key?: string;
  /** CF-Connecting-IP; a fresh random one by default so tests do not share the per-IP limit. */
  ip?: string;
  /** Replaces vars/bindings for this call (e.g. a dead ORIGIN_URL, a tiny quota). */
  env?: Partial<Env>;
}

/** Where the Worker runs in these tests: its web page's origin. */
export const WORKER_ORIGIN = "https://edge.test";

/** One request through the real Worker in workerd, waiting for its background work (ctx.waitUntil). */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const { key, ip, env: overrides, ...init } = options;
  const headers = new Headers(init.headers);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  headers.set("CF-Connecting-IP", ip ?? randomIp());
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${WORKER_ORIGIN}${path}`, { ...init, headers }),
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

export function randomIp(): string {
  const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

/** A fresh IPv6 /64 (documentation range); `address(n)` is its n-th address, all counted as one. */
export function randomIpv6Network(): { address(n: number): string } {
  const [a = 0, b = 0] = crypto.getRandomValues(new Uint16Array(2));
  return { address: (n) => `2001:db8:${a.toString(16)}:${b.toString(16)}::${(n + 1).toString(16)}` };
}

/** A real key stored the way the key CLI stores it. */
export async function createKey(
  plan: Plan = "free",
  status: "active" | "revoked" = "active",
): Promise<string> {
  const key = generateApiKey("test");
  const record = { ...(await newKeyRecord(key, "tests", plan)), status };
  await env.API_KEYS.put(record.hash, JSON.stringify(record));
  return key;
}

/** What the origin stand-in received for paths containing `fragment`. */
export async function originRequests(fragment: string): Promise<LoggedRequest[]> {
  const all = (await (await fetch(`${env.ORIGIN_URL}/__log`)).json()) as LoggedRequest[];
  return all.filter((r) => r.path.includes(fragment));
}

/** A unique 11-character video ID whose first two letters pick the stand-in's behaviour. */
export function videoId(behaviour: "ok" | "jb" | "jd" | "jf" | "nt" | "bk" | "sl" | "gb" | "dn"): string {
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let id = behaviour;
  for (const byte of crypto.getRandomValues(new Uint8Array(9))) id += chars[byte % chars.length];
  return id;
}

export async function errorOf(response: Response): Promise<ErrorBody["error"]> {
  return ((await response.json()) as ReturnType<typeof errorBody>).error;
}

/**
 * The local rate limiters count in wall-clock-aligned windows: a burst test waits for a fresh
 * window when the current one would roll over mid-burst.
 */
export async function awaitFreshLimiterWindow(neededMs = 8_000, periodMs = 60_000): Promise<void> {
  const left = periodMs - (Date.now() % periodMs);
  if (left < neededMs) await new Promise((r) => setTimeout(r, left + 100));
}
