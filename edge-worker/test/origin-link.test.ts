import { env } from "cloudflare:test";
import {
  ApiError,
  EDGE_ANSWERS_PATH,
  EDGE_SETTLE_PATH,
  EdgeAnswerSchema,
  errorBody,
  type JobBody,
  MAX_ANSWERS_BYTES,
  requestHash,
  signRequest,
  TranscriptQuerySchema,
  toTranscriptRequest,
} from "@ytt/shared";
import { describe, expect, it } from "vitest";
import { writeFailure, writeSuccess } from "../src/cache/store.js";
import { type Config, configFrom } from "../src/config.js";
import {
  cannedLanguages,
  cannedTranscript,
  LARGE_TRANSCRIPT_BYTES,
  largeTranscript,
} from "./support/canned.js";
import { TEST_ORIGIN_LINK_SECRET, TEST_SIGNING_KEY_ID, TEST_SIGNING_SECRET } from "./support/constants.js";
import { call, createKey, errorOf, videoId } from "./support/worker.js";

const LINK_KEY = { id: "origin-dev", secret: TEST_ORIGIN_LINK_SECRET };

async function transcriptHash(id: string): Promise<string> {
  return requestHash({
    kind: "transcript",
    request: toTranscriptRequest(id, TranscriptQuerySchema.parse({})),
  });
}

interface SignedCallOptions {
  key?: { id: string; secret: string };
  ip?: string;
  env?: Partial<Env>;
  tamper?: boolean;
}

/** A POST of `body` to the lookup, signed with `key` (the origin workers' own by default). */
function lookup(body: unknown, options: SignedCallOptions = {}): Promise<Response> {
  return signedCall(EDGE_ANSWERS_PATH, body, options);
}

async function signedCall(path: string, body: unknown, options: SignedCallOptions = {}): Promise<Response> {
  const json = JSON.stringify(body);
  const headers = await signRequest({
    method: "POST",
    pathWithQuery: path,
    body: json,
    key: options.key ?? LINK_KEY,
  });
  return call(path, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: options.tamper ? json.replace(/"]/, '0"]') : json,
    ...(options.ip ? { ip: options.ip } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
}

/** The config with other windows: stored entries written through it are as old as asked. */
function aged(freshSeconds: number, swrSeconds: number): Config {
  const config = configFrom(env);
  return { ...config, ttl: { ...config.ttl, freshSeconds, swrSeconds, keepSeconds: 3600 } };
}

describe("POST /internal/answers (the origin asking what the edge holds)", () => {
  it("answers what it holds fresh, with how long it stays so, and nothing else", async () => {
    const [fresh, revalidating, stale, failed, languagesOnly, absent] = [
      "ok",
      "ok",
      "ok",
      "nt",
      "ok",
      "ok",
    ].map((b) => videoId(b as "ok")) as [string, string, string, string, string, string];
    const hashes = await Promise.all(
      [fresh, revalidating, stale, failed, languagesOnly, absent].map(transcriptHash),
    );
    // The sixth, never stored, is not answered either.
    const [hFresh, hRevalidating, hStale, hFailed, hLanguages] = hashes as [
      string,
      string,
      string,
      string,
      string,
    ];
    await writeSuccess(env.TRANSCRIPTS, configFrom(env), hFresh, "transcript", cannedTranscript(fresh));
    // Past fresh, inside stale-while-revalidate: a request is served it and it is refreshed behind,
    // from the origin's store; a copy handed to the origin now would be that refresh's answer.
    await writeSuccess(
      env.TRANSCRIPTS,
      aged(-60, 3600),
      hRevalidating,
      "transcript",
      cannedTranscript(revalidating),
    );
    // Past both: a request asks the origin first.
    await writeSuccess(env.TRANSCRIPTS, aged(-7200, 3600), hStale, "transcript", cannedTranscript(stale));
    const disabled = errorBody(new ApiError("TRANSCRIPTS_DISABLED"), "req-1");
    await writeFailure(env.TRANSCRIPTS, configFrom(env), hFailed, "transcript", 404, disabled);
    // Another kind under the hash (not a transcript): never handed over as one.
    await writeSuccess(
      env.TRANSCRIPTS,
      configFrom(env),
      hLanguages,
      "languages",
      cannedLanguages(languagesOnly),
    );

    const res = await lookup({ hashes });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const answers = ((await res.json()) as { answers: unknown[] }).answers.map((a) =>
      EdgeAnswerSchema.parse(a),
    );
    const byHash = new Map(answers.map((a) => [a.hash, a]));
    expect([...byHash.keys()].sort()).toEqual([hFresh, hFailed].sort());
    const { freshSeconds, failureSeconds } = configFrom(env).ttl;
    expect(byHash.get(hFresh)).toEqual({
      hash: hFresh,
      freshForSeconds: expect.any(Number),
      outcome: { ok: true, value: cannedTranscript(fresh) },
    });
    expect(byHash.get(hFresh)?.freshForSeconds).toBeGreaterThan(freshSeconds - 60);
    expect(byHash.get(hFresh)?.freshForSeconds).toBeLessThanOrEqual(freshSeconds);
    expect(byHash.get(hFailed)?.outcome).toEqual({
      ok: false,
      error: { code: "TRANSCRIPTS_DISABLED", message: disabled.error.message },
    });
    expect(byHash.get(hFailed)?.freshForSeconds).toBeLessThanOrEqual(failureSeconds);
  });

  it("hands over no more than MAX_ANSWERS_BYTES of transcripts in one answer", async () => {
    const ids = Array.from({ length: 6 }, () => videoId("ok"));
    const hashes = await Promise.all(ids.map(transcriptHash));
    for (const [i, hash] of hashes.entries()) {
      await writeSuccess(
        env.TRANSCRIPTS,
        configFrom(env),
        hash,
        "transcript",
        largeTranscript(ids[i] as string),
      );
    }
    const res = await lookup({ hashes });
    const text = await res.text();
    const { answers } = JSON.parse(text) as { answers: unknown[] };
    // Each is about LARGE_TRANSCRIPT_BYTES: some fit, the rest are left to be extracted.
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.length).toBeLessThan(ids.length);
    expect(text.length).toBeLessThanOrEqual(MAX_ANSWERS_BYTES + 64);
    expect(MAX_ANSWERS_BYTES).toBeLessThan(ids.length * LARGE_TRANSCRIPT_BYTES);
  });

  it("refuses calls the origin's link key did not sign: unsigned, the edge's own forwarding key, a changed body", async () => {
    const hashes = [await transcriptHash(videoId("ok"))];
    const unsigned = await call(EDGE_ANSWERS_PATH, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ hashes }),
    });
    expect(unsigned.status).toBe(401);
    expect(await errorOf(unsigned)).toMatchObject({ code: "UNAUTHORIZED", details: { reason: "missing" } });

    const forwardingKey = await lookup(
      { hashes },
      { key: { id: TEST_SIGNING_KEY_ID, secret: TEST_SIGNING_SECRET } },
    );
    expect(forwardingKey.status).toBe(401);
    expect(await errorOf(forwardingKey)).toMatchObject({ details: { reason: "unknown-key" } });

    const tampered = await lookup({ hashes }, { tamper: true });
    expect(tampered.status).toBe(401);
    expect(await errorOf(tampered)).toMatchObject({ details: { reason: "bad-body-hash" } });
  });

  it("does not exist without ORIGIN_LINK_SECRET", async () => {
    const res = await lookup(
      { hashes: [await transcriptHash(videoId("ok"))] },
      { env: { ORIGIN_LINK_SECRET: "" } },
    );
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("NOT_FOUND");
  });

  it("takes lookups of 1 to 50 request hashes only, as a clear 400", async () => {
    const hash = await transcriptHash(videoId("ok"));
    for (const body of [
      { hashes: [] },
      { hashes: Array(51).fill(hash) },
      { hashes: ["not-a-hash"] },
      { hash },
    ]) {
      const res = await lookup(body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect((await errorOf(res)).code).toBe("INVALID_REQUEST");
    }
    expect((await lookup({ hashes: Array(50).fill(hash) })).status).toBe(200);
  });

  it("is not held to the per-address limit: a large collection's lookups all come from the origin's address", async () => {
    const hashes = [await transcriptHash(videoId("ok"))];
    const ip = "192.0.2.77";
    // IP_LIMITER allows 120 a minute per address.
    const statuses = new Set<number>();
    for (let i = 0; i < 130; i++) statuses.add((await lookup({ hashes }, { ip })).status);
    expect([...statuses]).toEqual([200]);
  });
});

/** A signed settlement of a collection's charge, as the coordinator sends it once the collection is listed. */
function settle(settlement: unknown, env?: Partial<Env>) {
  return signedCall(EDGE_SETTLE_PATH, settlement, env ? { env } : {});
}

/** Creates a collection of `limit` through the edge (the origin stand-in takes it), answering the chargeRef it was handed. */
async function collection(key: string, limit: number, env: Partial<Env>) {
  const created = await call("/v1/collections", {
    method: "POST",
    key,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      collection: "https://www.youtube.com/playlist?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
      limit,
    }),
    env,
  });
  expect(created.status).toBe(202);
  const token = ((await created.json()) as JobBody).job.id;
  const page = (await (await call(`/v1/jobs/${token}`, { key, env })).json()) as JobBody;
  const { chargeRef } = JSON.parse(page.collection?.title ?? "") as { chargeRef: string };
  return { chargeRef };
}

const usedToday = async (key: string, env: Partial<Env>) =>
  ((await (await call("/v1/usage", { key, env })).json()) as { quotas: { used: number }[] }).quotas[0]?.used;

describe("POST /internal/collection-charges (a listed collection's charge settled)", () => {
  it("gives back the units of the entries the collection did not have, to its key's day, once", async () => {
    const key = await createKey("free");
    const env = { QUOTA_FREE_PER_DAY: "20" };
    const { chargeRef } = await collection(key, 15, env);
    expect(await usedToday(key, env)).toBe(15);

    const first = await settle({ chargeRef, listed: 4 });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ refunded: 11 });
    expect(await usedToday(key, env)).toBe(4);
    // Once: a repeat (a pass run again, a replay) gives nothing more.
    expect(await (await settle({ chargeRef, listed: 0 })).json()).toEqual({ refunded: 0 });
    expect(await usedToday(key, env)).toBe(4);
  });

  it("gives back nothing past the charge, nothing for a collection its counter never charged, nothing to a forged counter", async () => {
    const key = await createKey("free");
    const env = { QUOTA_FREE_PER_DAY: "20" };
    const { chargeRef } = await collection(key, 5, env);
    expect(await (await settle({ chargeRef, listed: 9 })).json()).toEqual({ refunded: 0 });
    expect(await usedToday(key, env)).toBe(5);

    // Another key's collection settled against this key's counter: unknown there (404), nothing given.
    const other = await collection(await createKey("free"), 5, env);
    const [counter] = chargeRef.split(".");
    const crossed = await settle({ chargeRef: `${counter}.${other.chargeRef.split(".")[1]}`, listed: 0 });
    expect(crossed.status).toBe(404);
    expect(await usedToday(key, env)).toBe(5);

    // 64 hex digits that are no id of this namespace's.
    const forged = await settle({
      chargeRef: `${"ab".repeat(32)}.${other.chargeRef.split(".")[1]}`,
      listed: 0,
    });
    expect(forged.status).toBe(400);
    expect((await errorOf(forged)).code).toBe("INVALID_REQUEST");
  });

  it("refuses a settlement not signed with the origin's link key, or malformed", async () => {
    const key = await createKey("free");
    const env = { QUOTA_FREE_PER_DAY: "20" };
    const { chargeRef } = await collection(key, 6, env);
    const body = { chargeRef, listed: 0 };
    const forwardingKey = await signedCall(EDGE_SETTLE_PATH, body, {
      key: { id: TEST_SIGNING_KEY_ID, secret: TEST_SIGNING_SECRET },
    });
    expect(forwardingKey.status).toBe(401);
    for (const bad of [
      { ...body, listed: -1 },
      { ...body, chargeRef: chargeRef.split(".")[0] },
      { ...body, extra: 1 },
    ]) {
      expect((await settle(bad)).status).toBe(400);
    }
    expect(await usedToday(key, env)).toBe(6);
  });
});
