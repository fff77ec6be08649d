import { encodeCaller, signRequest } from "@ytt/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RunningApi,
  SIGNING_KEY,
  signedFetch,
  startApi,
  TEST_CALLER,
  uniqueQueueName,
} from "../helpers.js";

const CALLER = encodeCaller(TEST_CALLER);

const PATH = "/v1/transcripts/dQw4w9WgXcQ?lang=en";

describe("origin API refuses what the edge did not sign", () => {
  let api: RunningApi;
  const queued = async () =>
    await api.jobs.queue.getJobCountByTypes(
      "waiting",
      "prioritized",
      "delayed",
      "active",
      "completed",
      "failed",
    );

  beforeAll(async () => {
    // No worker runs here: an accepted request stays queued and answers 202 quickly.
    api = await startApi({ QUEUE_NAME: uniqueQueueName("sig"), WAIT_BUDGET_MS: "200" });
  });
  afterAll(async () => {
    await api.close();
  });

  async function expectRefused(response: Response, reason: string) {
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string; details?: { reason?: string } } };
    expect(body.error.code).toBe("UNAUTHORIZED");
    expect(body.error.details?.reason).toBe(reason);
    expect(await queued()).toBe(0);
  }

  it("refuses an unsigned request", async () => {
    await expectRefused(await fetch(`${api.url}${PATH}`), "missing");
  });

  it("refuses a request signed too long ago", async () => {
    const headers = await signRequest({
      method: "GET",
      pathWithQuery: PATH,
      key: SIGNING_KEY,
      caller: CALLER,
      now: Date.now() - 5 * 60_000,
    });
    await expectRefused(await fetch(`${api.url}${PATH}`, { headers }), "expired");
  });

  it("refuses a request signed with an unknown key or a wrong secret", async () => {
    const unknown = await signRequest({
      method: "GET",
      pathWithQuery: PATH,
      key: { id: "other", secret: SIGNING_KEY.secret },
      caller: CALLER,
    });
    await expectRefused(await fetch(`${api.url}${PATH}`, { headers: unknown }), "unknown-key");
    const wrong = await signRequest({
      method: "GET",
      pathWithQuery: PATH,
      key: { id: SIGNING_KEY.id, secret: "not-the-secret-at-all-but-as-long" },
      caller: CALLER,
    });
    await expectRefused(await fetch(`${api.url}${PATH}`, { headers: wrong }), "bad-signature");
  });

  it("refuses a signed request that names no caller, or one it cannot read", async () => {
    const anonymous = await signRequest({ method: "GET", pathWithQuery: PATH, key: SIGNING_KEY });
    await expectRefused(await fetch(`${api.url}${PATH}`, { headers: anonymous }), "no-caller");
    const unreadable = await signRequest({
      method: "GET",
      pathWithQuery: PATH,
      key: SIGNING_KEY,
      caller: "admin:1",
    });
    await expectRefused(await fetch(`${api.url}${PATH}`, { headers: unreadable }), "no-caller");
  });

  it("refuses a tampered query, path or body", async () => {
    const headers = await signRequest({
      method: "GET",
      pathWithQuery: PATH,
      key: SIGNING_KEY,
      caller: CALLER,
    });
    await expectRefused(
      await fetch(`${api.url}${PATH.replace("lang=en", "lang=de")}`, { headers }),
      "bad-signature",
    );
    await expectRefused(
      await fetch(`${api.url}/v1/transcripts/aaaaaaaaaaa?lang=en`, { headers }),
      "bad-signature",
    );
    const body = JSON.stringify({ items: [{ video: "dQw4w9WgXcQ" }] });
    const batch = await signRequest({
      method: "POST",
      pathWithQuery: "/v1/batch",
      body,
      key: SIGNING_KEY,
      caller: CALLER,
    });
    const tampered = body.replace("dQw4w9WgXcQ", "aaaaaaaaaaa");
    await expectRefused(
      await fetch(`${api.url}/v1/batch`, { method: "POST", headers: batch, body: tampered }),
      "bad-body-hash",
    );
  });

  it("accepts a signed request once and refuses its replay", async () => {
    const headers = await signRequest({
      method: "GET",
      pathWithQuery: PATH,
      key: SIGNING_KEY,
      caller: CALLER,
    });
    const first = await fetch(`${api.url}${PATH}`, { headers });
    expect(first.status).toBe(202);
    await first.body?.cancel();
    const replay = await fetch(`${api.url}${PATH}`, { headers });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe(
      "replayed",
    );
    expect(await queued()).toBe(1);
    await api.jobs.queue.drain();
  });

  it("answers bad input with a stable code, signed or not", async () => {
    const badId = await signedFetch(api.url, "/v1/transcripts/not-an-id");
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { error: { code: string } }).error.code).toBe("INVALID_VIDEO_REFERENCE");
    const badLang = await signedFetch(api.url, "/v1/transcripts/dQw4w9WgXcQ?lang=%3Cscript%3E");
    expect(badLang.status).toBe(400);
    expect(((await badLang.json()) as { error: { code: string } }).error.code).toBe("INVALID_REQUEST");
    const badBatch = await signedFetch(api.url, "/v1/batch", { method: "POST", body: '{"items":[]}' });
    expect(badBatch.status).toBe(400);
    const notJson = await signedFetch(api.url, "/v1/batch", { method: "POST", body: "{nope" });
    expect(notJson.status).toBe(400);
    const unknownJob = await signedFetch(api.url, "/v1/jobs/0123456789abcdef0123456789abcdef");
    expect(unknownJob.status).toBe(404);
    expect(((await unknownJob.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    expect(await queued()).toBe(0);
  });
});

describe("origin API bounds what reading a request can cost", () => {
  // Its own API (and so its own connection pool): a streamed body the server stops reading leaves
  // that connection unusable, which must not fail another test's request.
  let own: RunningApi;
  beforeAll(async () => {
    own = await startApi({ QUEUE_NAME: uniqueQueueName("body"), WAIT_BUDGET_MS: "200" });
  });
  afterAll(async () => {
    await own.close();
  });

  it("checks the headers before the body, and refuses a body over 64 KB with 413 without buffering it", async () => {
    // Unsigned, with a 5 MB body streamed in chunks: refused on its headers alone.
    const chunks = (count: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < count; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(32));
          controller.close();
        },
      });
    const unsigned = await fetch(`${own.url}/v1/batch`, {
      method: "POST",
      body: chunks(80),
      duplex: "half",
    } as RequestInit);
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe(
      "missing",
    );

    const tooLarge = async (response: Response) => {
      expect(response.status).toBe(413);
      const body = (await response.json()) as {
        error: { code: string; retryable: boolean };
        requestId: string;
      };
      expect(body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", retryable: false });
      expect(body.requestId).toBeTruthy();
    };
    const big = JSON.stringify({ items: [{ video: "dQw4w9WgXcQ", lang: "x".repeat(70_000) }] });
    await tooLarge(await signedFetch(own.url, "/v1/batch", { method: "POST", body: big }));
    // Without a Content-Length (chunked), the limit applies while reading.
    const streamed = await signRequest({
      method: "POST",
      pathWithQuery: "/v1/batch",
      key: SIGNING_KEY,
      caller: CALLER,
    });
    await tooLarge(
      await fetch(`${own.url}/v1/batch`, {
        method: "POST",
        headers: streamed,
        body: chunks(16),
        duplex: "half",
      } as RequestInit),
    );
    expect(await own.jobs.queue.getJobCountByTypes("waiting", "prioritized")).toBe(0);
  });
});

describe("origin API with Cloudflare Access required", () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({
      QUEUE_NAME: uniqueQueueName("access"),
      WAIT_BUDGET_MS: "200",
      ACCESS_CLIENT_ID: "client.access",
      ACCESS_CLIENT_SECRET: "access-secret-value",
    });
  });
  afterAll(async () => {
    await api.close();
  });

  it("refuses a signed request without the service token, accepts it with", async () => {
    const without = await signedFetch(api.url, "/v1/transcripts/dQw4w9WgXcQ/languages");
    expect(without.status).toBe(401);
    expect(await api.jobs.queue.getJobCountByTypes("waiting")).toBe(0);
    const wrong = await signedFetch(api.url, "/v1/transcripts/dQw4w9WgXcQ/languages", {
      headers: { "CF-Access-Client-Id": "client.access", "CF-Access-Client-Secret": "guess" },
    });
    expect(wrong.status).toBe(401);
    const withToken = await signedFetch(api.url, "/v1/transcripts/dQw4w9WgXcQ/languages", {
      headers: { "CF-Access-Client-Id": "client.access", "CF-Access-Client-Secret": "access-secret-value" },
    });
    expect(withToken.status).toBe(202);
    expect(withToken.headers.get("location")).toMatch(/^\/v1\/jobs\/[0-9a-f]{32}$/);
    expect(await api.jobs.queue.getJobCountByTypes("waiting")).toBe(1);
  });
});
