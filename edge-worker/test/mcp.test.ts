import { env } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import {
  RETRY_AFTER_SECONDS,
  renderTranscript,
  requestHash,
  type Transcript,
  TranscriptQuerySchema,
  toTranscriptRequest,
} from "@ytt/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../src/auth/keys.js";
import { writeSuccess } from "../src/cache/store.js";
import { configFrom } from "../src/config.js";
import { decodeCursor, encodeCursor, startIn } from "../src/mcp/cursor.js";
import { MCP_MAX_BODY_BYTES } from "../src/mcp/limits.js";
import { foldForSearch, matchingSegments } from "../src/mcp/search.js";
import { cannedTranscript, largeTranscript } from "./support/canned.js";
import {
  type CallOptions,
  call,
  createKey,
  errorOf,
  originRequests,
  videoId,
  WORKER_ORIGIN,
} from "./support/worker.js";

let key: string;
beforeAll(async () => {
  key = await createKey("pro");
});

/** The SDK's own client, talking to the Worker in workerd through call(). */
async function connect(options: Omit<CallOptions, "key"> & { key?: string } = {}): Promise<Client> {
  const client = new Client(
    { name: "edge-test", version: "1.0.0" },
    // Ajv, the client's default validator, compiles to code, which workerd refuses.
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  const transport = new StreamableHTTPClientTransport(new URL(`${WORKER_ORIGIN}/mcp`), {
    fetch: (url, init) => call(new URL(url).pathname, { ...init, ...options, key: options.key ?? key }),
  });
  await client.connect(transport);
  return client;
}

/** A hand-made POST /mcp, as a client that does not use the SDK would send it. */
function post(body: string, options: Omit<CallOptions, "body" | "method"> = {}): Promise<Response> {
  return call("/mcp", {
    key,
    ...options,
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...(options.headers as Record<string, string>),
    },
    body,
  });
}

const callTool = (id: number, name: string, args: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

type ToolResult = Awaited<ReturnType<Client["callTool"]>>;
const texts = (result: ToolResult) => (result.content as { text: string }[]).map((c) => c.text);
const errorIn = (result: ToolResult) => {
  expect(result.isError).toBe(true);
  return JSON.parse(texts(result)[0] ?? "") as {
    error: { code: string; message: string; retryable: boolean; details?: Record<string, unknown> };
  };
};

describe("cursor", () => {
  it("round-trips the next segment and the stored copy for the request it was made for, and refuses it for another", async () => {
    const hash = await requestHash({
      kind: "transcript",
      request: { videoId: "dQw4w9WgXcQ", languages: ["en"], kind: "any", fallback: "error" },
    });
    const other = await requestHash({
      kind: "transcript",
      request: { videoId: "dQw4w9WgXcQ", languages: ["de"], kind: "any", fallback: "error" },
    });
    const storedAt = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    for (const start of [1, 523, 4319, 2_000_000])
      expect(decodeCursor(encodeCursor(hash, { start, storedAt }), hash)).toEqual({ start, storedAt });
    expect(() => decodeCursor(encodeCursor(hash, { start: 5, storedAt }), other)).toThrow(/another request/);
    for (const forged of [
      "",
      "c2.zz.1.5",
      // The first format, bound to no stored copy.
      `c1.${hash.slice(0, 12)}.5`,
      `c2.${hash.slice(0, 12)}.${storedAt.toString(36)}.`,
      `c2.${hash.slice(0, 12)}.${storedAt.toString(36)}.-1`,
    ])
      expect(() => decodeCursor(forged, hash)).toThrow(/not a cursor/);
  });

  it("gives its segment only in the copy it was cut from", () => {
    const storedAt = 1_767_225_600_000;
    expect(startIn({ start: 40, storedAt }, storedAt)).toBe(40);
    expect(() => startIn({ start: 40, storedAt }, storedAt + 1)).toThrow(/refreshed.*start again/);
  });
});

describe("search matching", () => {
  const seg = (text: string, i: number) => ({ startMs: i * 1000, durationMs: 1000, text });
  const segments = [
    "Welcome to the CAFÉ",
    "",
    "where the quick brown",
    "fox   jumps",
    "Ｆｕｌｌ width and cafe",
  ].map(seg);

  it("ignores case, accents, compatibility forms and spacing", () => {
    expect(foldForSearch("  Ｃａｆé\tCRÈME  ")).toBe("cafe creme");
    expect(matchingSegments(segments, "café")).toEqual([0, 4]);
    expect(matchingSegments(segments, "full WIDTH")).toEqual([4]);
  });

  it("finds a phrase a caption break cuts in two, naming every caption it spans", () => {
    expect(matchingSegments(segments, "brown fox jumps")).toEqual([2, 3]);
    // Across a caption with no text, which is not named.
    expect(matchingSegments(segments, "to the cafe where the quick")).toEqual([0, 2]);
    expect(matchingSegments(segments, "cafe the where")).toEqual([]);
  });

  it("finds nothing for a phrase that is only spacing or marks, or absent", () => {
    expect(matchingSegments(segments, "   ")).toEqual([]);
    expect(matchingSegments(segments, "\u0301")).toEqual([]);
    expect(matchingSegments(segments, "zebra")).toEqual([]);
  });
});

describe("/mcp on the Worker", () => {
  it("refuses a missing or unknown key with our 401 before any MCP", async () => {
    for (const headers of [{}, { Authorization: "Bearer ytt_test_nope" }] as Record<string, string>[]) {
      const res = await call("/mcp", {
        method: "POST",
        headers: {
          ...headers,
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    }
  });

  it("answers GET and DELETE with 405 METHOD_NOT_ALLOWED: stateless, no event stream, no session", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await call("/mcp", { method, key, headers: { Accept: "text/event-stream" } });
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("POST");
      expect((await errorOf(res)).code).toBe("METHOD_NOT_ALLOWED");
    }
  });

  it("refuses a JSON-RPC batch with our 400 before running any of its calls", async () => {
    const ids = [videoId("ok"), videoId("ok"), videoId("ok")];
    const res = await post(
      JSON.stringify(ids.map((video, i) => callTool(i + 1, "get_transcript", { video }))),
    );
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("INVALID_REQUEST");
    expect(error.message).toMatch(/batches are not supported.*one message a request/);
    for (const id of ids) expect(await originRequests(id)).toEqual([]);
  });

  it("refuses a body over its bound with 413 and one that is not JSON with 400, as our errors", async () => {
    const tooLarge = await post(
      JSON.stringify(
        callTool(1, "search_transcript", { video: videoId("ok"), query: "x".repeat(MCP_MAX_BODY_BYTES) }),
      ),
    );
    expect([tooLarge.status, (await errorOf(tooLarge)).code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    const notJson = await post("{");
    expect([notJson.status, (await errorOf(notJson)).code]).toEqual([400, "INVALID_REQUEST"]);
  });

  it("refuses the shared demo key even from the site's page, which does not use MCP", async () => {
    const demoKey = generateApiKey("live");
    const res = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), {
      key: demoKey,
      env: { DEMO_KEY_ENABLED: "true", DEMO_KEY: demoKey } as Partial<Env>,
      headers: { Origin: WORKER_ORIGIN },
    });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: "FORBIDDEN", details: { reason: "demo-key-route" } });
  });

  it("lists four tools, each with an input schema", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "get_transcript",
      "get_video_info",
      "list_languages",
      "search_transcript",
    ]);
    const get = tools.find((t) => t.name === "get_transcript");
    expect(Object.keys(get?.inputSchema.properties ?? {}).sort()).toEqual(
      ["cursor", "format", "lang", "maxTokens", "timestamps", "tlang", "video"].sort(),
    );
    expect(get?.inputSchema.required).toEqual(["video"]);
    await client.close();
  });

  it("pages a large transcript with cursors, each page the shared renderer's output for its cues", async () => {
    const client = await connect();
    const id = videoId("ok").replace(/^ok/, "lg");
    const expected = largeTranscript(id);
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const result = await client.callTool({
        name: "get_transcript",
        arguments: { video: id, maxTokens: 25_000, ...(cursor ? { cursor } : {}) },
      });
      const [body = "", info = ""] = texts(result);
      const { page } = JSON.parse(info) as {
        page: {
          segments: { from: number; to: number; of: number };
          estimatedTokens: number;
          nextCursor?: string;
        };
      };
      expect(page.segments.of).toBe(expected.segments.length);
      expect(page.estimatedTokens).toBeLessThanOrEqual(25_000);
      const slice: Transcript = {
        ...expected,
        segments: expected.segments.slice(page.segments.from, page.segments.to),
      };
      expect(body).toBe(renderTranscript(slice, "text").body);
      pages.push(body);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.length).toBeGreaterThan(5);
    expect(pages.join("")).toBe(renderTranscript(expected, "text").body);
    // Every page after the first came from the edge store: the origin was asked once.
    expect(await originRequests(`/v1/transcripts/${id}`)).toHaveLength(1);
    await client.close();
  });

  it("waits for a job the origin answered 202 for, and says EXTRACTION_PENDING when its wait is spent", async () => {
    const client = await connect();
    const id = videoId("jb");
    const done = await client.callTool({ name: "get_transcript", arguments: { video: id, format: "json" } });
    expect(done.isError).toBeFalsy();
    expect(JSON.parse(texts(done)[0] ?? "")).toEqual(cannedTranscript(id));
    await client.close();

    const impatient = await connect({ env: { MCP_JOB_WAIT_SECONDS: "0" } as Partial<Env> });
    const pending = errorIn(
      await impatient.callTool({ name: "get_transcript", arguments: { video: videoId("jb") } }),
    );
    expect(pending.error.code).toBe("EXTRACTION_PENDING");
    expect(pending.error.retryable).toBe(true);
    expect(pending.error.details?.retryAfterSeconds).toBe(3);
    await impatient.close();
  });

  it("starts its wait when the origin answers 202, however long the origin held the call first", async () => {
    // The stand-in holds "jd" 1.2 s before its 202, as the origin holds a call for its wait budget:
    // longer than this whole 1 s wait, which must therefore be counted from the 202.
    const client = await connect({ env: { MCP_JOB_WAIT_SECONDS: "1" } as Partial<Env> });
    const id = videoId("jd");
    const done = await client.callTool({ name: "get_transcript", arguments: { video: id, format: "json" } });
    expect(done.isError, JSON.stringify(done)).toBeFalsy();
    expect(JSON.parse(texts(done)[0] ?? "")).toEqual(cannedTranscript(id));
    // Waited out with the origin's long poll, not polls every few seconds.
    const polls = await originRequests("/v1/jobs/");
    const hash = await requestHash({
      kind: "transcript",
      request: toTranscriptRequest(id, TranscriptQuerySchema.parse({})),
    });
    expect(polls.filter((r) => r.path.includes(hash)).map((r) => r.path)).toEqual([
      `/v1/jobs/${hash}?wait=1`,
    ]);
    await client.close();
  });

  it("says when to retry a waited-for job that failed retryably, as the origin's own answer would", async () => {
    const client = await connect();
    const failed = errorIn(
      await client.callTool({ name: "get_transcript", arguments: { video: videoId("jf") } }),
    );
    expect(failed.error).toMatchObject({
      code: "BLOCKED_BY_YOUTUBE",
      retryable: true,
      details: { retryAfterSeconds: RETRY_AFTER_SECONDS },
    });
    await client.close();
  });

  it("refuses a cursor cut from a copy of the transcript that has since been refreshed", async () => {
    const client = await connect();
    const id = videoId("ok").replace(/^ok/, "lg");
    const first = await client.callTool({
      name: "get_transcript",
      arguments: { video: id, maxTokens: 25_000 },
    });
    const { page } = JSON.parse(texts(first)[1] ?? "") as { page: { nextCursor: string } };
    // A refresh from YouTube between two pages (as a revalidation stores it), whose captions moved:
    // the old cursor's offset would skip or repeat some of them.
    const refreshed = largeTranscript(id);
    refreshed.segments.shift();
    const hash = await requestHash({
      kind: "transcript",
      request: toTranscriptRequest(id, TranscriptQuerySchema.parse({})),
    });
    await writeSuccess(env.TRANSCRIPTS, configFrom(env), hash, "transcript", refreshed);
    const stale = errorIn(
      await client.callTool({
        name: "get_transcript",
        arguments: { video: id, maxTokens: 25_000, cursor: page.nextCursor },
      }),
    );
    expect(stale.error.code).toBe("INVALID_REQUEST");
    expect(stale.error.message).toMatch(/refreshed.*start again without a cursor/);
    // Starting again pages through the new copy.
    const again = await client.callTool({
      name: "get_transcript",
      arguments: { video: id, maxTokens: 25_000 },
    });
    const next = JSON.parse(texts(again)[1] ?? "") as { page: { nextCursor: string } };
    const second = await client.callTool({
      name: "get_transcript",
      arguments: { video: id, maxTokens: 25_000, cursor: next.page.nextCursor },
    });
    expect(second.isError, JSON.stringify(second).slice(0, 300)).toBeFalsy();
    await client.close();
  });

  it("answers refusals as tool errors carrying our code, message and retry time", async () => {
    const client = await connect();
    const disabled = errorIn(
      await client.callTool({ name: "list_languages", arguments: { video: videoId("nt") } }),
    );
    expect([disabled.error.code, disabled.error.retryable]).toEqual(["TRANSCRIPTS_DISABLED", false]);
    const blocked = errorIn(
      await client.callTool({ name: "get_transcript", arguments: { video: videoId("bk") } }),
    );
    expect([blocked.error.code, blocked.error.details?.retryAfterSeconds]).toEqual([
      "BLOCKED_BY_YOUTUBE",
      30,
    ]);
    const badRef = errorIn(
      await client.callTool({ name: "get_video_info", arguments: { video: "not a video" } }),
    );
    expect(badRef.error.code).toBe("INVALID_VIDEO_REFERENCE");
    const badArgs = errorIn(
      await client.callTool({
        name: "get_transcript",
        arguments: { video: videoId("ok"), lang: "english!", maxTokens: 5 },
      }),
    );
    expect(badArgs.error.code).toBe("INVALID_REQUEST");
    expect(badArgs.error.message).toMatch(/maxTokens/);
    const badCursor = errorIn(
      await client.callTool({
        name: "get_transcript",
        arguments: { video: videoId("ok"), cursor: "c2.000000000000.1.1" },
      }),
    );
    expect(badCursor.error.message).toMatch(/another request/);
    await client.close();
  });

  it("charges the daily quota for origin work only, and refuses past it with QUOTA_EXCEEDED", async () => {
    const client = await connect({
      key: await createKey("pro"),
      env: { QUOTA_PRO_PER_DAY: "1" } as Partial<Env>,
    });
    const id = videoId("ok");
    // The first call is origin work (the one unit); the same answer again and the search come from the edge store.
    for (const request of [
      { name: "get_transcript", arguments: { video: id } },
      { name: "get_transcript", arguments: { video: id, format: "markdown" } },
      { name: "search_transcript", arguments: { video: id, query: "WELCOME" } },
    ]) {
      const result = await client.callTool(request);
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
    }
    const refused = errorIn(
      await client.callTool({ name: "get_transcript", arguments: { video: videoId("ok") } }),
    );
    expect(refused.error.code).toBe("QUOTA_EXCEEDED");
    expect(refused.error.details?.retryAfterSeconds).toBeGreaterThan(0);
    await client.close();
  });
});
