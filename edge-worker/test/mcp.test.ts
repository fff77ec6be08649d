import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { renderTranscript, requestHash, type Transcript } from "@ytt/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../src/mcp/cursor.js";
import { foldForSearch, matchingSegments } from "../src/mcp/search.js";
import { cannedTranscript, largeTranscript } from "./support/canned.js";
import {
  type CallOptions,
  call,
  createKey,
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

type ToolResult = Awaited<ReturnType<Client["callTool"]>>;
const texts = (result: ToolResult) => (result.content as { text: string }[]).map((c) => c.text);
const errorIn = (result: ToolResult) => {
  expect(result.isError).toBe(true);
  return JSON.parse(texts(result)[0] ?? "") as {
    error: { code: string; message: string; retryable: boolean; details?: Record<string, unknown> };
  };
};

describe("cursor", () => {
  it("round-trips the next segment for the request it was made for, and refuses it for another", async () => {
    const hash = await requestHash({
      kind: "transcript",
      request: { videoId: "dQw4w9WgXcQ", languages: ["en"], kind: "any", fallback: "error" },
    });
    const other = await requestHash({
      kind: "transcript",
      request: { videoId: "dQw4w9WgXcQ", languages: ["de"], kind: "any", fallback: "error" },
    });
    for (const start of [1, 523, 4319, 2_000_000])
      expect(decodeCursor(encodeCursor(hash, start), hash)).toBe(start);
    expect(() => decodeCursor(encodeCursor(hash, 5), other)).toThrow(/another request/);
    for (const forged of [
      "",
      "c1.zz.5",
      `c2.${hash.slice(0, 12)}.5`,
      `c1.${hash.slice(0, 12)}.`,
      `c1.${hash.slice(0, 12)}.-1`,
    ])
      expect(() => decodeCursor(forged, hash)).toThrow(/not a cursor/);
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

  it("answers GET and DELETE with 405: stateless, no event stream, no session", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await call("/mcp", { method, key, headers: { Accept: "text/event-stream" } });
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("POST");
    }
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
        arguments: { video: videoId("ok"), cursor: "c1.000000000000.1" },
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
