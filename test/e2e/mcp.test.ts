/**
 * /mcp as an MCP client meets it: the official SDK's Client over Streamable HTTP against the whole
 * chain (edge in workerd → origin → BullMQ → worker → Chromium → the YouTube double).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { renderTranscript, type Transcript } from "@ytt/shared";
import { expectedMetadata, expectedTranscript, VIDEOS } from "@ytt/youtube-double";
import { describe, expect, it } from "vitest";
import { call, callMany, clientIp, errorCode, pollJob, useStack, youtubeTraffic } from "./helpers.js";

/**
 * The origin holds a call this long before its 202, and a tool call then waits this much more at the
 * edge: a cold tool call has both for the extraction, and EXTRACTION_PENDING comes only after both.
 */
const ORIGIN_WAIT_MS = 3000;
const MCP_JOB_WAIT_SECONDS = 7;

const stack = useStack({
  workers: 1,
  originEnv: { WAIT_BUDGET_MS: String(ORIGIN_WAIT_MS) },
  edgeVars: { QUOTA_FREE_PER_DAY: "2", MCP_JOB_WAIT_SECONDS: String(MCP_JOB_WAIT_SECONDS) },
  keys: [
    { owner: "quota", plan: "free" },
    { owner: "burst", plan: "pro" },
  ],
});
const key = (owner: "quota" | "burst") => stack().keys[["quota", "burst"].indexOf(owner)] as string;

const SURFACE_GO = "GJLlxj_dtq8";
const LONG = "dblLong3hrs";

interface Session {
  client: Client;
  /** RateLimit-Remaining of each HTTP answer that carried one, in order. */
  remaining: string[];
}

/** A client as Claude Code or Cursor would configure one: the endpoint URL and an Authorization header. */
async function connect(apiKey: string): Promise<Session> {
  const remaining: string[] = [];
  const client = new Client({ name: "e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${stack().edgeUrl}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${apiKey}`, "CF-Connecting-IP": clientIp() } },
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      const left = res.headers.get("ratelimit-remaining");
      if (left !== null) remaining.push(left);
      return res;
    },
  });
  await client.connect(transport);
  return { client, remaining };
}

type ToolResult = Awaited<ReturnType<Client["callTool"]>>;
const texts = (result: ToolResult) => (result.content as { text: string }[]).map((c) => c.text);
function toolError(result: ToolResult) {
  expect(result.isError, JSON.stringify(result)).toBe(true);
  return JSON.parse(texts(result)[0] ?? "") as {
    error: { code: string; message: string; retryable: boolean; details?: Record<string, unknown> };
  };
}
interface PageInfo {
  page: {
    segments: { from: number; to: number; of: number };
    estimatedTokens: number;
    hasMore: boolean;
    nextCursor?: string;
  };
}

describe("an MCP client through the whole chain", () => {
  it("initialises, lists the four tools and calls each", async () => {
    const { client } = await connect(stack().apiKey);
    expect(client.getServerVersion()?.name).toBe("yt-transcript-headless");
    expect(client.getInstructions()).toContain("get_transcript");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "get_transcript",
      "get_video_info",
      "list_languages",
      "search_transcript",
    ]);
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(80);
      expect(tool.inputSchema.required, tool.name).toContain("video");
    }

    // A first request: extracted by the worker (the origin's 202 waited out by the edge), rendered as markdown.
    const expected = expectedTranscript(SURFACE_GO, { languageCode: "en", kind: "manual" });
    const transcript = await client.callTool({
      name: "get_transcript",
      arguments: {
        video: `https://youtu.be/${SURFACE_GO}?t=42`,
        lang: "en",
        format: "markdown",
        timestamps: true,
      },
    });
    expect(transcript.isError).toBeFalsy();
    const [body, info] = texts(transcript);
    expect(body).toBe(renderTranscript(expected, "markdown", { timestamps: true }).body);
    expect((JSON.parse(info ?? "") as PageInfo).page).toMatchObject({
      segments: { from: 0, to: expected.segments.length, of: expected.segments.length },
      hasMore: false,
    });

    const languages = await client.callTool({ name: "list_languages", arguments: { video: SURFACE_GO } });
    const list = languages.structuredContent as {
      videoId: string;
      tracks: { languageCode: string; kind: string }[];
    };
    expect(list.videoId).toBe(SURFACE_GO);
    expect(list.tracks.map((t) => `${t.languageCode}/${t.kind}`)).toEqual(
      (VIDEOS[SURFACE_GO]?.tracks ?? []).map((t) => `${t.languageCode}/${t.kind}`),
    );
    expect(JSON.parse(texts(languages)[0] ?? "")).toEqual(list);

    const info2 = await client.callTool({ name: "get_video_info", arguments: { video: "dblChapters" } });
    const chapters = expectedMetadata(
      VIDEOS.dblChapters as NonNullable<(typeof VIDEOS)["dblChapters"]>,
    ).chapters;
    expect(info2.structuredContent).toMatchObject({
      videoId: "dblChapters",
      title: "A video with chapters",
      url: "https://www.youtube.com/watch?v=dblChapters",
      chapters: chapters.map((ch) => ({ ...ch, url: `https://youtu.be/dblChapters?t=${ch.startMs / 1000}` })),
    });

    // Answered from the transcript the first call stored: case, accents and a caption break do not matter.
    const search = await client.callTool({
      name: "search_transcript",
      arguments: { video: SURFACE_GO, query: "GOOD.  let's" },
    });
    expect(search.structuredContent).toMatchObject({
      videoId: SURFACE_GO,
      total: 2,
      matches: [1, 2].map((i) => {
        const s = expected.segments[i] as Transcript["segments"][number];
        return { ...s, url: `https://youtu.be/${SURFACE_GO}?t=${Math.floor(s.startMs / 1000)}` };
      }),
    });
    const czech = await client.callTool({
      name: "search_transcript",
      arguments: { video: SURFACE_GO, lang: "cs", query: "je MALY" },
    });
    expect((czech.structuredContent as { matches: { text: string }[] }).matches.map((m) => m.text)).toEqual([
      "Je malý.",
    ]);
    await client.close();
  });

  it("pages through a three-hour transcript with cursors, every page within the budget, for one unit of quota", async () => {
    const { client, remaining } = await connect(key("quota"));
    const expected = expectedTranscript(LONG, { languageCode: "en", kind: "manual" });
    const before = await youtubeTraffic(stack());
    const pages: string[] = [];
    let nextFrom = 0;
    let cursor: string | undefined;
    do {
      const result = await client.callTool({
        name: "get_transcript",
        arguments: { video: LONG, maxTokens: 5000, ...(cursor ? { cursor } : {}) },
      });
      expect(result.isError, JSON.stringify(result).slice(0, 300)).toBeFalsy();
      const [body = "", info = ""] = texts(result);
      const { page } = JSON.parse(info) as PageInfo;
      expect(page.segments.of).toBe(expected.segments.length);
      expect(page.segments.from).toBe(nextFrom);
      expect(page.estimatedTokens).toBeLessThanOrEqual(5000);
      const slice = { ...expected, segments: expected.segments.slice(page.segments.from, page.segments.to) };
      expect(body).toBe(renderTranscript(slice, "text").body);
      expect(page.hasMore).toBe(page.segments.to < page.segments.of);
      pages.push(body);
      nextFrom = page.segments.to;
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(pages.join("")).toBe(renderTranscript(expected, "text").body);
    // YouTube was asked once, and only that first call spent quota: the later pages came from the edge.
    const after = await youtubeTraffic(stack());
    expect((after.timedtextServed[LONG] ?? 0) - (before.timedtextServed[LONG] ?? 0)).toBe(1);
    expect(remaining).toEqual(["1"]);

    // The second unit of this free key's two, then the quota refuses, as a tool error saying when to come back.
    expect(
      (await client.callTool({ name: "list_languages", arguments: { video: LONG } })).isError,
    ).toBeFalsy();
    const refused = toolError(
      await client.callTool({ name: "get_video_info", arguments: { video: "dblRegional" } }),
    );
    expect(refused.error.code).toBe("QUOTA_EXCEEDED");
    expect(refused.error.retryable).toBe(true);
    expect(refused.error.details?.retryAfterSeconds).toBeGreaterThan(0);
    expect(remaining).toEqual(["1", "0", "0"]);
    // What the edge has is still free.
    const again = await client.callTool({
      name: "search_transcript",
      arguments: { video: LONG, query: "line 4320 of" },
    });
    expect((again.structuredContent as { total: number }).total).toBe(1);
    await client.close();
  });

  it("tells a refusal from a temporary failure by our error codes", async () => {
    const { client } = await connect(stack().apiKey);
    const disabled = toolError(
      await client.callTool({ name: "get_transcript", arguments: { video: "dblNoCapts1" } }),
    );
    expect([disabled.error.code, disabled.error.retryable]).toEqual(["TRANSCRIPTS_DISABLED", false]);
    const language = toolError(
      await client.callTool({ name: "get_transcript", arguments: { video: "dblAsrOnly1", lang: "sw" } }),
    );
    expect(language.error.code).toBe("LANGUAGE_NOT_AVAILABLE");
    expect(JSON.stringify(language.error.details)).toContain('"en"');
    const badRef = toolError(
      await client.callTool({ name: "get_transcript", arguments: { video: "https://vimeo.com/123" } }),
    );
    expect(badRef.error.code).toBe("INVALID_VIDEO_REFERENCE");
    const badArgs = toolError(
      await client.callTool({ name: "search_transcript", arguments: { video: SURFACE_GO, query: "" } }),
    );
    expect(badArgs.error.code).toBe("INVALID_REQUEST");
    await client.close();
  });

  it("refuses a bad key with our 401 before any MCP, and a key over its burst limit with our 429", async () => {
    const s = stack();
    await expect(connect("ytt_test_nope")).rejects.toSatisfy(
      (e) => e instanceof StreamableHTTPError && e.code === 401 && e.message.includes("UNAUTHORIZED"),
    );
    const rpc = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
    const unauthorized = await call(s, "/mcp", { method: "POST", headers, body: JSON.stringify(rpc) });
    expect([unauthorized.status, errorCode(unauthorized)]).toEqual([401, "UNAUTHORIZED"]);

    // 60 per minute per key, in windows aligned to the minute: 130 requests exceed it even across a boundary.
    const answers = await callMany(130, () =>
      call(s, "/mcp", { method: "POST", key: key("burst"), headers, body: JSON.stringify(rpc) }),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429).map((a) => a.status)).toEqual([]);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(60);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    for (const answer of limited) {
      expect(errorCode(answer)).toBe("RATE_LIMITED");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  it("answers EXTRACTION_PENDING with the job when the job outlasts the wait, then the transcript once done", async () => {
    const s = stack();
    const [worker] = s.workers;
    if (!worker) throw new Error("the stack has no worker");
    // With no worker the job only queues: the origin holds the call for its wait budget before its
    // 202, the tool then waits its MCP_JOB_WAIT_SECONDS, and only then says so. A wait counted from
    // the call instead would end MCP_JOB_WAIT_SECONDS after it, the origin's budget included.
    await s.stopWorker(worker);
    const { client } = await connect(s.apiKey);
    const started = Date.now();
    const pending = toolError(
      await client.callTool({ name: "get_transcript", arguments: { video: "dblChapters" } }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(ORIGIN_WAIT_MS + MCP_JOB_WAIT_SECONDS * 1000);
    expect(pending.error.code).toBe("EXTRACTION_PENDING");
    expect(pending.error.retryable).toBe(true);
    expect(pending.error.details?.retryAfterSeconds).toBeGreaterThan(0);
    // The job is the REST API's own: pollable with the same key, and once done the tool answers from the edge.
    await s.startWorker();
    const job = await pollJob(s, String(pending.error.details?.statusUrl), s.apiKey);
    expect(job.job.status).toBe("completed");
    const done = await client.callTool({
      name: "get_transcript",
      arguments: { video: "dblChapters", format: "json" },
    });
    expect(JSON.parse(texts(done)[0] ?? "")).toEqual(
      expectedTranscript("dblChapters", { languageCode: "en", kind: "manual" }),
    );
    await client.close();
  });
});
