import { request } from "node:http";
import { encodeCaller, MAX_BATCH_BODY_BYTES, signRequest } from "@ytt/shared";
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

  /**
   * POSTs `size` bytes, with a Content-Length or chunked, and resolves with the answer as soon as it
   * comes, as a client does whose body the server refuses to read (fetch would report the closed
   * socket instead of the answer).
   */
  function post(headers: Record<string, string>, size: number, chunked: boolean) {
    return new Promise<{
      status: number;
      body: Record<string, never> & {
        error: { code: string; retryable: boolean; details?: { reason?: string } };
        requestId: string;
      };
    }>((resolve, reject) => {
      const { port } = new URL(own.url);
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/v1/batch",
          method: "POST",
          headers: {
            ...headers,
            "content-type": "application/json",
            ...(chunked ? {} : { "content-length": String(size) }),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      // The server may close before the whole body is sent: the answer is what counts.
      req.on("error", () => {});
      const chunk = Buffer.alloc(64 * 1024, 32);
      let sent = 0;
      const write = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", write);
        }
        req.end();
      };
      write();
      setTimeout(() => reject(new Error("no answer")), 10_000).unref();
    });
  }

  it("checks the headers before the body, and refuses a body over the batch limit (256 KB) with 413 without buffering it", async () => {
    // Unsigned, 5 MB streamed: refused on its headers alone.
    const unsigned = await post({}, 5 * 2 ** 20, true);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.details?.reason).toBe("missing");

    const signed = await signRequest({
      method: "POST",
      pathWithQuery: "/v1/batch",
      key: SIGNING_KEY,
      caller: CALLER,
    });
    const tooLarge = (answer: { status: number; body: { error: object; requestId: string } }) => {
      expect(answer.status).toBe(413);
      expect(answer.body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", retryable: false });
      expect(answer.body.requestId).toBeTruthy();
    };
    // A declared length past the limit is refused before the body is read...
    tooLarge(await post(signed, MAX_BATCH_BODY_BYTES + 128 * 1024, false));
    // ...and without one (chunked), while it is read.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < MAX_BATCH_BODY_BYTES / (64 * 1024) + 4; i++)
          controller.enqueue(new Uint8Array(64 * 1024).fill(32));
        controller.close();
      },
    });
    const streamed = await fetch(`${own.url}/v1/batch`, {
      method: "POST",
      headers: signed,
      body: chunks,
      duplex: "half",
    } as RequestInit);
    tooLarge({ status: streamed.status, body: await streamed.json() });
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
