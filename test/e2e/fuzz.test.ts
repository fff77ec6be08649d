/**
 * Hostile input through the edge: a few thousand malformed video references, query strings and
 * batch bodies, generated from a seeded PRNG (FUZZ_SEED, printed on failure) so any failure replays.
 * Every answer must be a 4xx JSON error (a batch: 200 with a 4xx per item), never a 5xx or a hang.
 */
import { parseVideoRef } from "@ytt/shared";
import { describe, expect, it } from "vitest";
import { type Answer, call, callMany, clientIp, useStack } from "./helpers.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const CONCURRENCY = 16;
const KEYS = 64;

const stack = useStack({
  // Nothing here may reach a worker: no worker, and the queue must stay empty.
  workers: 0,
  keys: Array.from({ length: KEYS }, (_, i) => ({ owner: `fuzz-${i}`, plan: "pro" as const })),
});

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const ALPHABETS = [
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
  "%/?#&=+.:;@!$'()*,~[]{}|\\^`\"<> \t",
  "\u00e9\u00fc\u4e16\u754c\u0645\u0631\u062d\u0628\u{1F600}\u{1F4A5}\u200b\u202e\ufeff",
  "\u0000\u0001\u001f\u007f\ufffd",
];

function junk(r: Rng, maxLength: number): string {
  const length = r.int(maxLength + 1);
  let s = "";
  for (let i = 0; i < length; i++) {
    const chars = [...r.pick(ALPHABETS)];
    s += r.pick(chars);
  }
  return s;
}

const URL_SHAPES = [
  (id: string) => `https://www.youtube.com/watch?v=${id}`,
  (id: string) => `https://youtu.be/${id}`,
  (id: string) => `https://m.youtube.com/shorts/${id}`,
  (id: string) => `https://www.youtube.com/embed/${id}?start=10`,
  (id: string) => `https://evil.example/watch?v=${id}`,
  (id: string) => `javascript:alert('${id}')`,
  (id: string) => `//youtube.com/watch?v=${id}`,
  (id: string) => `https://www.youtube.com/watch?${id}`,
  (id: string) => `https://www.youtube.com.evil.example/watch?v=${id}`,
  (id: string) => `file:///etc/passwd#${id}`,
  (id: string) => `https://www.youtube.com/@channel/${id}`,
];

/** A video reference parseVideoRef refuses: junk, near-miss IDs, hostile or broken links. */
function badVideoRef(r: Rng): string {
  for (;;) {
    const nearMiss = r.pick([10, 12, 0, 1, 64]);
    const id = r.next() < 0.5 ? junk(r, 20) : junk(r, 0) + "A".repeat(nearMiss);
    const candidates = [id, r.pick(URL_SHAPES)(id), junk(r, 300), "x".repeat(r.pick([2000, 5000, 9000]))];
    const ref = r.pick(candidates);
    if (!parseVideoRef(ref).ok) return ref;
  }
}

/** A value that no enum or language code accepts. */
function badOptionValue(r: Rng): string {
  return r.pick([
    `zz${junk(r, 8)}!`,
    "",
    "MANUAL ",
    "a".repeat(r.pick([201, 4000])),
    Array.from({ length: 11 }, (_, i) => `l${i}`).join(","),
    `${junk(r, 5)}\u0000`,
    "en,,,;drop",
    "true,false",
  ]);
}

const OPTION_NAMES = ["lang", "kind", "tlang", "fallback", "format", "timestamps"] as const;

/** A query string on a valid video where at least one known option has a value nothing accepts. */
function badQuery(r: Rng): string {
  const params: string[] = [];
  const broken = r.pick(OPTION_NAMES);
  params.push(`${broken}=${encodeURIComponent(badOptionValue(r))}`);
  for (let i = r.int(6); i > 0; i--) {
    const name = r.next() < 0.5 ? junk(r, 12) : r.pick(OPTION_NAMES);
    if (name === broken) continue;
    params.push(`${encodeURIComponent(name)}=${encodeURIComponent(junk(r, 30))}`);
  }
  // Raw, unencoded junk too: stray %, &, =, # and unpaired surrogates must not break parsing.
  if (r.next() < 0.3) params.push(r.pick(["%", "%zz", "=", "&&", "a=%E0%A4%A", "%uD800", "lang"]));
  return params.sort(() => r.next() - 0.5).join("&");
}

/** A POST /v1/batch body: broken JSON, wrong shapes, too many items, or items with bad videos. */
function badBatchBody(r: Rng): { body: string; contentType: string } {
  const item = () => ({ video: badVideoRef(r), ...(r.next() < 0.5 ? { lang: badOptionValue(r) } : {}) });
  const bodies = [
    () => junk(r, 200),
    () => `{"items": [${junk(r, 40)}`,
    () => JSON.stringify({ items: [] }),
    () => JSON.stringify({ items: Array.from({ length: 51 }, item) }),
    () => JSON.stringify({ items: "GJLlxj_dtq8" }),
    () => JSON.stringify({ items: [{ video: 42 }, { video: null }, {}] }),
    () => JSON.stringify({ items: [{ video: "x".repeat(5000) }] }),
    () => JSON.stringify([1, 2, 3]),
    () => JSON.stringify({ items: Array.from({ length: 1 + r.int(5) }, item) }),
    () => JSON.stringify({ items: [{ video: badVideoRef(r), kind: junk(r, 100), fallback: {} }] }),
    () => "null",
    () => "",
  ];
  return {
    body: r.pick(bodies)(),
    contentType: r.pick([
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=utf-16",
    ]),
  };
}

interface FuzzCase {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** false: no key (a 401 is the right answer). */
  authenticated: boolean;
}

function generate(r: Rng, n: number): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (let i = 0; i < n; i++) {
    const authenticated = r.next() > 0.05;
    const roll = r.next();
    if (roll < 0.35) {
      const ref = encodeURIComponent(badVideoRef(r));
      const suffix = r.pick(["", "", "/languages", "?lang=en", "?format=srt"]);
      cases.push({ method: "GET", path: `/v1/transcripts/${ref}${suffix}`, authenticated });
    } else if (roll < 0.5) {
      cases.push({
        method: "GET",
        path: `/v1/transcripts?url=${encodeURIComponent(badVideoRef(r))}`,
        authenticated,
      });
    } else if (roll < 0.75) {
      // (The languages route takes no options: a bad query there is a valid request.)
      cases.push({ method: "GET", path: `/v1/transcripts/GJLlxj_dtq8?${badQuery(r)}`, authenticated });
    } else if (roll < 0.93) {
      const { body, contentType } = badBatchBody(r);
      cases.push({
        method: "POST",
        path: "/v1/batch",
        body,
        headers: { "Content-Type": contentType },
        authenticated,
      });
    } else if (roll < 0.97) {
      const id = r.pick([junk(r, 40), "0".repeat(200), "../../etc/passwd", "%00"]);
      cases.push({ method: "GET", path: `/v1/jobs/${encodeURIComponent(id)}`, authenticated });
    } else {
      const method = r.pick(["PUT", "DELETE", "PATCH"]);
      cases.push({
        method,
        path: `/v1/transcripts/${encodeURIComponent(junk(r, 20))}`,
        body: junk(r, 50),
        authenticated,
      });
    }
  }
  return cases;
}

/** What was wrong with an answer, or undefined when it is a clean client error. */
function problem(c: FuzzCase, a: Answer): string | undefined {
  const isError = (body: unknown) =>
    typeof (body as { error?: { code?: unknown } } | null)?.error?.code === "string";
  if (!(a.headers.get("content-type") ?? "").startsWith("application/json")) return "not JSON";
  if (c.path === "/v1/batch" && a.status === 200) {
    const items = (a.json as { items?: { status: number; body: unknown }[] }).items ?? [];
    if (!items.length) return "a 200 batch without items";
    const bad = items.find((item) => item.status < 400 || item.status >= 500 || !isError(item.body));
    return bad ? `batch item answered ${bad.status}` : undefined;
  }
  if (a.status < 400 || a.status >= 500) return `status ${a.status}`;
  if (a.status === 429) return "rate limited: the fuzz did not reach validation";
  if (!isError(a.json)) return "no error code";
  if (!c.authenticated && a.status !== 401) return `${a.status} without a key`;
  return undefined;
}

describe("hostile input through the edge", () => {
  it(`answers ${CASES} malformed requests (seed ${SEED}) with 4xx JSON only`, async () => {
    const s = stack();
    const cases = generate(prng(SEED), CASES);
    const failures: string[] = [];
    const runOne = async (c: FuzzCase, index: number) => {
      try {
        const answer = await call(s, c.path, {
          method: c.method,
          key: c.authenticated ? s.keys[index % KEYS] : undefined,
          ip: clientIp(),
          headers: c.headers ?? {},
          timeoutMs: 15_000,
          ...(c.body === undefined ? {} : { body: c.body }),
        });
        const wrong = problem(c, answer);
        if (wrong)
          failures.push(
            `#${index} ${c.method} ${c.path.slice(0, 200)}: ${wrong}: ${answer.text.slice(0, 200)}`,
          );
      } catch (error) {
        failures.push(`#${index} ${c.method} ${c.path.slice(0, 200)}: ${(error as Error).message}`);
      }
    };
    await callMany(cases.length, (index) => runOne(cases[index] as FuzzCase, index), CONCURRENCY);
    expect(failures.slice(0, 20), `seed ${SEED}: ${failures.length} bad answers`).toEqual([]);

    // Nothing malformed became a job.
    const depth = (await (await fetch(`${s.opsUrl}/queue-depth`)).json()) as { depth: number };
    expect(depth.depth).toBe(0);
  });
});
