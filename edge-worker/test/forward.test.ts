import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { configFrom } from "../src/config.js";
import { issueJobToken, JOB_TOKEN, readJobToken } from "../src/forward/job-token.js";
import { cannedLanguages, cannedTranscript } from "./support/canned.js";
import { TEST_ACCESS } from "./support/constants.js";
import { call, createKey, errorOf, originRequests, videoId } from "./support/worker.js";

/** One batch result item, loosely typed for assertions. */
interface BatchItem {
  status: number;
  cache?: string;
  body: { error?: { code: string }; job?: { statusUrl: string }; video?: { videoId: string } };
}

let key: string;
beforeAll(async () => {
  key = await createKey("pro");
});

describe("signed forwarding to the origin", () => {
  it("signs every call so the real verifier accepts it, and passes the request id and Access token", async () => {
    const id = videoId("ok");
    const res = await call(`/v1/transcripts/${id}?lang=de,en&tlang=fr`, {
      key,
      headers: { "X-Request-Id": "client-chosen-id-123" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Request-Id")).toBe("client-chosen-id-123");
    const [seen] = await originRequests(id);
    expect(seen).toMatchObject({
      method: "GET",
      path: `/v1/transcripts/${id}?lang=de%2Cen&kind=any&tlang=fr&fallback=error`,
      verified: true,
      requestId: "client-chosen-id-123",
      // The key behind the request, signed: the origin bounds each key's jobs in flight by it.
      caller: expect.stringMatching(/^pro:[0-9a-f]{16}$/),
      accessClientId: TEST_ACCESS.clientId,
      accessClientSecret: TEST_ACCESS.clientSecret,
    });
  });

  it("replaces an insane request id with a generated one", async () => {
    const res = await call("/health", { headers: { "X-Request-Id": "bad id\twith spaces" } });
    expect(res.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("turns an origin refusing our signature into ORIGIN_UNAVAILABLE, not a 401 for the client", async () => {
    const id = videoId("ok");
    const res = await call(`/v1/transcripts/${id}`, {
      key,
      env: { SIGNING_SECRET: "a-different-secret-0123456789-abcdefgh" },
    });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe("ORIGIN_UNAVAILABLE");
    const [seen] = await originRequests(id);
    expect(seen).toMatchObject({ verified: false, reason: "bad-signature" });
  });

  it("answers an unreachable origin with 503 ORIGIN_UNAVAILABLE and Retry-After", async () => {
    const res = await call(`/v1/transcripts/${videoId("ok")}`, {
      key,
      env: { ORIGIN_URL: "http://127.0.0.1:9" },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const error = await errorOf(res);
    expect(error).toMatchObject({
      code: "ORIGIN_UNAVAILABLE",
      retryable: true,
      details: { reason: "unreachable" },
    });
  });

  it("answers a dropped connection, a timeout and a non-JSON answer with clean 503s", async () => {
    const dropped = await call(`/v1/transcripts/${videoId("dn")}`, { key });
    const slow = await call(`/v1/transcripts/${videoId("sl")}`, { key, env: { ORIGIN_TIMEOUT_MS: "300" } });
    const garbage = await call(`/v1/transcripts/${videoId("gb")}`, { key });
    const reasons = [];
    for (const res of [dropped, slow, garbage]) {
      expect(res.status).toBe(503);
      reasons.push((await errorOf(res)).details?.reason);
    }
    expect(reasons).toEqual(["unreachable", "timeout", "bad-response"]);
  });

  it("passes origin errors through with their catalogue code", async () => {
    const res = await call(`/v1/transcripts/${videoId("bk")}`, { key });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("30");
    expect((await errorOf(res)).code).toBe("BLOCKED_BY_YOUTUBE");
  });
});

describe("pending jobs", () => {
  const TOKEN = /^t\.[0-9a-f]{32}\.[0-9a-z]+\.[\w-]{43}$/;
  type JobAnswer = { job: { id: string; status: string; statusUrl: string }; result?: unknown };

  it("turns an origin 202 into a client 202 with an unguessable job token, Location and Retry-After", async () => {
    const id = videoId("jb");
    const accepted = await call(`/v1/transcripts/${id}`, { key });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("Retry-After")).toBe("3");
    expect(accepted.headers.get("Cache-Control")).toBe("no-store");
    const { job } = (await accepted.json()) as JobAnswer;
    expect(job.id).toMatch(TOKEN);
    expect(job).toEqual({ id: job.id, status: "queued", statusUrl: `/v1/jobs/${job.id}` });
    expect(accepted.headers.get("Location")).toBe(job.statusUrl);
    // The origin's id (the request hash, which anyone can compute) is inside, but is not the token.
    const [originJob] = (await originRequests(`/v1/transcripts/${id}`)).map((r) => r.path);
    expect(originJob).toBeDefined();
    expect(job.id.split(".")[1]).toMatch(/^[0-9a-f]{32}$/);
  });

  it("serves a finished job from the edge store: polls call no origin and write nothing to KV", async () => {
    const id = videoId("jb");
    const accepted = await call(`/v1/transcripts/${id}`, { key });
    const { job } = (await accepted.json()) as JobAnswer;
    const jobId = job.id.split(".")[1] as string;
    // After the 202, one background call waited at the origin for the job and stored its answer.
    expect((await originRequests(`/v1/jobs/${jobId}`)).map((r) => r.path)).toEqual([
      `/v1/jobs/${jobId}?wait=1`,
    ]);
    const stored = await env.TRANSCRIPTS.get(`answer:${jobId}`);
    expect(stored).not.toBeNull();

    for (let i = 0; i < 3; i++) {
      const polled = await call(job.statusUrl, { key });
      expect(polled.status).toBe(200);
      const done = (await polled.json()) as JobAnswer;
      expect(done.job).toEqual({ id: job.id, status: "completed", statusUrl: job.statusUrl });
      expect(done.result).toEqual(cannedTranscript(id));
    }
    expect(await originRequests(`/v1/jobs/${jobId}`)).toHaveLength(1);
    expect(await env.TRANSCRIPTS.get(`answer:${jobId}`)).toBe(stored);

    // And the request itself is now an edge hit, in any format.
    const after = await call(`/v1/transcripts/${id}?format=text`, { key });
    expect(after.status).toBe(200);
    expect(after.headers.get("X-Cache")).toBe("HIT");
    expect(await originRequests(`/v1/transcripts/${id}`)).toHaveLength(1);
  });

  it("asks the origin while the job is not in the edge store, and stores nothing then either", async () => {
    const id = videoId("jb");
    const accepted = await call(`/v1/transcripts/${id}`, { key });
    const { job } = (await accepted.json()) as JobAnswer;
    const jobId = job.id.split(".")[1] as string;
    await env.TRANSCRIPTS.delete(`answer:${jobId}`);
    const polled = await call(job.statusUrl, { key });
    expect(((await polled.json()) as JobAnswer).job.status).toBe("completed");
    expect((await originRequests(`/v1/jobs/${jobId}`)).map((r) => r.path)).toEqual([
      `/v1/jobs/${jobId}?wait=1`,
      `/v1/jobs/${jobId}`,
    ]);
    expect(await env.TRANSCRIPTS.get(`answer:${jobId}`)).toBeNull();
  });

  it("belongs to the key that got it: another key, a changed token or a bare job id is a 404", async () => {
    const accepted = await call(`/v1/transcripts/${videoId("jb")}`, { key });
    const { job } = (await accepted.json()) as JobAnswer;
    const other = await createKey("pro");
    const stranger = await call(job.statusUrl, { key: other });
    expect(stranger.status).toBe(404);
    expect((await errorOf(stranger)).code).toBe("NOT_FOUND");

    const mac = job.id.slice(-43);
    const flipped = `${job.id.slice(0, -43)}${mac[0] === "A" ? "B" : "A"}${mac.slice(1)}`;
    expect((await call(`/v1/jobs/${flipped}`, { key })).status).toBe(404);
    // A later expiry cannot be written in: the MAC covers it.
    const [kind, id, , sig] = job.id.split(".");
    expect((await call(`/v1/jobs/${kind}.${id}.zzzzzzzz.${sig}`, { key })).status).toBe(404);
    // The origin's id alone (what the API handed out before tokens) is not a job id here.
    const bare = await call(`/v1/jobs/${id}`, { key });
    expect(bare.status).toBe(400);
    expect((await errorOf(bare)).code).toBe("INVALID_REQUEST");
  });

  it("refuses job ids that are not tokens", async () => {
    for (const bad of [
      "nope-123",
      encodeURIComponent("../../etc/passwd"),
      `t.${"a".repeat(32)}.1.${"x".repeat(44)}`,
    ]) {
      const answer = await call(`/v1/jobs/${bad}`, { key });
      expect(answer.status, bad).toBe(400);
    }
  });
});

describe("signing configuration", () => {
  it("refuses a signing secret under 32 bytes", () => {
    expect(() => configFrom({ ...env, SIGNING_SECRET: "x".repeat(31) })).toThrow(/SIGNING_SECRET/);
    expect(configFrom({ ...env, SIGNING_SECRET: "x".repeat(32) }).signingKey.secret).toHaveLength(32);
    // The origin workers' link secret may not be the forwarding one: they would sign as the edge.
    expect(() => configFrom({ ...env, ORIGIN_LINK_SECRET: env.SIGNING_SECRET })).toThrow(
      /ORIGIN_LINK_SECRET/,
    );
  });
});

describe("job tokens", () => {
  const caller = { keyHash: "ab".repeat(32), owner: "t", plan: "pro" as const };
  const config = () => configFrom(env);

  it("read back only for the caller they were issued to, and only until they expire", async () => {
    const now = Date.UTC(2026, 10, 30);
    const token = await issueJobToken(config(), caller, { jobId: "0".repeat(32), kind: "languages" }, now);
    expect(token).toMatch(JOB_TOKEN);
    expect(await readJobToken(config(), caller, token, now + 3_599_000)).toEqual({
      jobId: "0".repeat(32),
      kind: "languages",
      issuedAt: Math.floor(now / 1000) * 1000,
    });
    expect(await readJobToken(config(), caller, token, now + 3_601_000)).toBeUndefined();
    expect(await readJobToken(config(), { ...caller, keyHash: "cd".repeat(32) }, token, now)).toBeUndefined();
  });
});

describe("languages", () => {
  it("lists tracks and translation languages, cached like transcripts", async () => {
    const id = videoId("ok");
    const first = await call(`/v1/transcripts/${id}/languages`, { key });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual(cannedLanguages(id));
    const second = await call(`/v1/transcripts/${id}/languages`, { key });
    expect(second.headers.get("X-Cache")).toBe("HIT");
    expect(await originRequests(`${id}/languages`)).toHaveLength(1);
  });

  it("ignores unknown and transcript-only parameters: one cache entry, nothing extra sent to the origin", async () => {
    const id = videoId("ok");
    const first = await call(`/v1/transcripts/${id}/languages?lang=de&utm_source=x`, { key });
    expect(first.status).toBe(200);
    const second = await call(`/v1/transcripts/${id}/languages?zzz=1&kind=asr`, { key });
    expect(second.headers.get("X-Cache")).toBe("HIT");
    const seen = await originRequests(`${id}/languages`);
    expect(seen.map((r) => r.path)).toEqual([`/v1/transcripts/${id}/languages`]);
  });

  it("takes the video as ?url= too, sharing the cache with the path form", async () => {
    const id = videoId("ok");
    await call(`/v1/transcripts/${id}/languages`, { key });
    const link = encodeURIComponent(`https://www.youtube.com/watch?v=${id}&t=1s`);
    const byUrl = await call(`/v1/transcripts/languages?url=${link}`, { key });
    expect(byUrl.status).toBe(200);
    expect(byUrl.headers.get("X-Cache")).toBe("HIT");
    expect(await byUrl.json()).toEqual(cannedLanguages(id));
    expect(await originRequests(`${id}/languages`)).toHaveLength(1);
  });

  it("refuses a missing or unusable ?url= with a 400", async () => {
    const missing = await call("/v1/transcripts/languages", { key });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).code).toBe("INVALID_REQUEST");
    const bad = await call(`/v1/transcripts/languages?url=${encodeURIComponent("https://example.com/x")}`, {
      key,
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe("INVALID_VIDEO_REFERENCE");
  });
});

describe("batch", () => {
  it("answers each item in order: hits from the store, misses in one origin call, bad items as 400", async () => {
    const cached = videoId("ok");
    await call(`/v1/transcripts/${cached}`, { key });
    const fresh = videoId("ok");
    const none = videoId("nt");
    const pending = videoId("jb");
    const res = await call("/v1/batch", {
      key,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        items: [
          { video: cached },
          { video: `https://youtu.be/${fresh}`, lang: "de" },
          { video: "not a video" },
          { video: none },
          { video: pending },
          { video: fresh, lang: "??" },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: BatchItem[] };
    expect(items.map((i) => i.status)).toEqual([200, 200, 400, 404, 202, 400]);
    expect(items[0]).toMatchObject({ cache: "HIT", body: cannedTranscript(cached) });
    expect(items[1]).toMatchObject({ cache: "MISS", body: cannedTranscript(fresh, "de") });
    expect(items[2]?.body.error?.code).toBe("INVALID_VIDEO_REFERENCE");
    expect(items[3]?.body.error?.code).toBe("TRANSCRIPTS_DISABLED");
    expect(items[4]?.body.job?.statusUrl).toMatch(/^\/v1\/jobs\/t\.[0-9a-f]{32}\.[0-9a-z]+\.[\w-]{43}$/);
    expect(items[5]?.body.error?.code).toBe("INVALID_REQUEST");

    const batches = (await originRequests("/v1/batch")).filter((r) => r.body.includes(fresh));
    expect(batches).toHaveLength(1);
    expect(batches[0]?.verified).toBe(true);
    expect(JSON.parse(batches[0]?.body ?? "{}").items.map((i: { video: string }) => i.video)).toEqual([
      fresh,
      none,
      pending,
    ]);
    // Batch results land in the edge store too.
    const single = await call(`/v1/transcripts/${fresh}?lang=de`, { key });
    expect(single.headers.get("X-Cache")).toBe("HIT");
  });

  it("asks the origin once for items that are the same request, answers each, and counts each", async () => {
    const own = await createKey("pro");
    const id = videoId("ok");
    const other = videoId("ok");
    const res = await call("/v1/batch", {
      key: own,
      env: { QUOTA_PRO_PER_DAY: "100" },
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        items: [
          { video: id, lang: "de,en" },
          { video: `https://www.youtube.com/watch?v=${id}`, lang: "DE,en", kind: "any" },
          { video: other },
          { video: `https://youtu.be/${id}`, lang: "de,en,de", fallback: "error" },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit-Remaining")).toBe("96");
    const { items } = (await res.json()) as { items: BatchItem[] };
    expect(items.map((i) => i.status)).toEqual([200, 200, 200, 200]);
    for (const i of [0, 1, 3]) expect(items[i]).toMatchObject({ body: cannedTranscript(id, "de") });
    expect(items[2]).toMatchObject({ body: cannedTranscript(other) });
    const [batch, ...more] = (await originRequests("/v1/batch")).filter((r) => r.body.includes(id));
    expect(more).toHaveLength(0);
    const sent = JSON.parse(batch?.body ?? "{}").items.map((i: { video: string }) => i.video);
    expect(sent).toEqual([id, other]);
  });

  it("streams a batch larger than one window in order, repeating answers from windows before, each asked once", async () => {
    const ids = Array.from({ length: 8 }, () => videoId("ok"));
    const none = videoId("nt");
    const videos = [...ids, none, ids[0], "not a video", ids[6], none, ids[1]] as string[];
    const res = await call("/v1/batch", {
      key: await createKey("pro"),
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ items: videos.map((video) => ({ video })) }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/json");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const { items } = (await res.json()) as { items: BatchItem[] };
    expect(items.map((i) => i.status)).toEqual([...ids.map(() => 200), 404, 200, 400, 200, 404, 200]);
    const answered = (i: number) => items[i]?.body.video?.videoId;
    expect([...ids.keys(), 9, 11, 13].map(answered)).toEqual([...ids, ids[0], ids[6], ids[1]]);
    const calls = (await originRequests("/v1/batch")).filter((r) =>
      [...ids, none].some((id) => r.body.includes(id)),
    );
    const asked = (r: { body: string }) => JSON.parse(r.body).items.map((i: { video: string }) => i.video);
    // First one call that queues every miss at once (their extractions run side by side)...
    expect(calls[0]?.path).toBe("/v1/batch?wait=0");
    expect(asked(calls[0] as { body: string }).sort()).toEqual([...ids, none].sort());
    // ...then the answers, a window at a time, each request asked for once.
    const windows = calls.slice(1);
    expect(windows.map((r) => r.path)).toEqual(windows.map(() => "/v1/batch"));
    expect(windows.length).toBeGreaterThan(1);
    expect(windows.flatMap(asked).sort()).toEqual([...ids, none].sort());
  });

  it("queues nothing ahead when the misses fit one window", async () => {
    const cached = Array.from({ length: 6 }, () => videoId("ok"));
    for (const id of cached) await call(`/v1/transcripts/${id}`, { key });
    const fresh = Array.from({ length: 3 }, () => videoId("ok"));
    const res = await call("/v1/batch", {
      key,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ items: [...cached, ...fresh].map((video) => ({ video })) }),
    });
    expect(((await res.json()) as { items: BatchItem[] }).items.map((i) => i.status)).toEqual(
      Array(9).fill(200),
    );
    const calls = (await originRequests("/v1/batch")).filter((r) => fresh.some((id) => r.body.includes(id)));
    expect(calls.map((r) => r.path)).toEqual(["/v1/batch"]);
  });

  it("gives every miss ORIGIN_UNAVAILABLE when the origin is down, still answering hits", async () => {
    const cached = videoId("ok");
    await call(`/v1/transcripts/${cached}`, { key });
    const res = await call("/v1/batch", {
      key,
      env: { ORIGIN_URL: "http://127.0.0.1:9" },
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ items: [{ video: cached }, { video: videoId("ok") }] }),
    });
    const { items } = (await res.json()) as { items: BatchItem[] };
    expect(items.map((i) => i.status)).toEqual([200, 503]);
    expect(items[1]?.body.error?.code).toBe("ORIGIN_UNAVAILABLE");
  });
});
