/**
 * The MCP tools: each a zod input schema (its JSON Schema is what tools/list shows), a description a
 * model can act on, and a handler that asks the edge's one result service (resolve.ts) exactly as
 * the REST routes do: edge store first, the origin on a miss, the daily quota spent only there.
 */

import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  ApiError,
  invalidRequest,
  type LanguageList,
  LanguageListSchema,
  languagesWork,
  MAX_VIDEO_REF_LENGTH,
  momentUrl,
  requestHash,
  TrackSchema,
  type Transcript,
  TranscriptQuerySchema,
  toTranscriptRequest,
  transcriptPage,
  type WorkRequest,
  watchUrl,
} from "@ytt/shared";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.js";
import { chargeQuota } from "../rate-limit/middleware.js";
import { type Resolution, resolve } from "../resolve.js";
import { resolveContext, videoIdFrom } from "../routes/request.js";
import { decodeCursor, encodeCursor, startIn } from "./cursor.js";
import { MCP_MAX_TOKENS } from "./limits.js";
import { matchingSegments } from "./search.js";

/**
 * A job that outlasted the tool's wait. REST answers 202 with the job instead; a tool result cannot
 * hand back a job to poll, so it is this refusal, with the job token for GET /v1/jobs/{id}.
 */
function stillPending(jobToken: string, retryAfterSeconds: number): ApiError {
  return new ApiError("EXTRACTION_PENDING", {
    message: `The video is still being fetched from YouTube. Call this tool again with the same arguments in about ${retryAfterSeconds} seconds: once the fetch is done, the answer comes from the cache at no quota.`,
    details: { retryAfterSeconds, job: jobToken, statusUrl: `/v1/jobs/${jobToken}` },
  });
}

type Answered = Extract<Resolution, { type: "ok" }>;

/**
 * The answer to one request from the result service, as REST gets it, but with the origin's 202
 * waited out for up to MCP_JOB_WAIT_SECONDS (a tool result cannot hand back a job to poll).
 */
async function answer(c: Context<AppEnv>, work: WorkRequest, hash?: string): Promise<Answered> {
  const resolution = await resolve(
    resolveContext(c),
    work,
    hash ?? (await requestHash(work)),
    () => chargeQuota(c, 1),
    c.var.config.mcp.jobWaitSeconds * 1000,
  );
  if (resolution.type === "error") throw resolution.error;
  if (resolution.type === "pending") throw stillPending(resolution.job.job.id, resolution.retryAfter);
  return resolution;
}

const VideoArg = z
  .string()
  .min(1)
  .max(MAX_VIDEO_REF_LENGTH)
  .describe(
    "The video: its 11-character ID (e.g. dQw4w9WgXcQ) or any YouTube link to it (watch, youtu.be, shorts, embed, live).",
  );
const LangArg = z
  .string()
  .max(200)
  .optional()
  .describe(
    'Caption languages to prefer, best first: comma-separated language codes such as "en" or "de,en". Default "en". When the video has none of them the call fails with LANGUAGE_NOT_AVAILABLE, whose details list the languages it has.',
  );
const TlangArg = z
  .string()
  .max(64)
  .optional()
  .describe(
    'Translate the captions into this language (a code such as "fr"), with YouTube\'s machine translation. list_languages says which languages a video translates into.',
  );

/** lang and tlang as the REST API reads them (the same validation, the same request key and cache entry). */
function transcriptWork(args: {
  video: string;
  lang?: string | undefined;
  tlang?: string | undefined;
}): WorkRequest {
  const query = TranscriptQuerySchema.safeParse({ lang: args.lang, tlang: args.tlang });
  if (!query.success) throw invalidRequest(query.error.issues);
  return { kind: "transcript", request: toTranscriptRequest(videoIdFrom(args.video), query.data) };
}

/** A tool whose result is JSON: the same object as structured content and as text, for clients that read only text. */
function jsonResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

const GetTranscriptInput = z.object({
  video: VideoArg,
  lang: LangArg,
  tlang: TlangArg,
  format: z
    .enum(["text", "markdown", "json"])
    .default("text")
    .describe(
      "text: one caption per line (the fewest tokens). markdown: front matter, chapters as headings, paragraphs. json: every caption with startMs and durationMs, plus video and track metadata.",
    ),
  timestamps: z
    .boolean()
    .default(false)
    .describe(
      "text: start each line with its time [mm:ss]; markdown: start each paragraph with its time, linked to that moment.",
    ),
  maxTokens: z
    .number()
    .int()
    .min(MCP_MAX_TOKENS.min)
    .max(MCP_MAX_TOKENS.max)
    .optional()
    .describe(
      `Largest page to return, in (estimated) tokens, from ${MCP_MAX_TOKENS.min} to ${MCP_MAX_TOKENS.max}. Default 20000 (the server's setting). Longer transcripts come in pages.`,
    ),
  cursor: z
    .string()
    .max(64)
    .optional()
    .describe(
      "nextCursor of the previous page, to get the next one; pass the same video, lang and tlang with it.",
    ),
});

async function getTranscript(
  c: Context<AppEnv>,
  args: z.output<typeof GetTranscriptInput>,
): Promise<CallToolResult> {
  const work = transcriptWork(args);
  const hash = await requestHash(work);
  // The cursor is checked before any work: a bad one costs nothing.
  const cursor = args.cursor === undefined ? undefined : decodeCursor(args.cursor, hash);
  const { body, storedAt } = await answer(c, work, hash);
  const transcript = body as Transcript;
  const start = cursor ? startIn(cursor, storedAt) : 0;
  const total = transcript.segments.length;
  if (start > 0 && start >= total)
    throw new ApiError("INVALID_REQUEST", { message: "cursor: it points past the end of the transcript." });
  const page = transcriptPage(transcript, start, {
    format: args.format,
    timestamps: args.timestamps,
    maxTokens: args.maxTokens ?? c.var.config.mcp.pageTokens,
  });
  const hasMore = page.end < total;
  const first = transcript.segments[page.start];
  const last = transcript.segments[page.end - 1];
  const info = {
    page: {
      segments: { from: page.start, to: page.end, of: total },
      ...(first && last ? { fromMs: first.startMs, toMs: last.startMs + last.durationMs } : {}),
      estimatedTokens: page.tokens,
      hasMore,
      ...(hasMore
        ? {
            nextCursor: encodeCursor(hash, { start: page.end, storedAt }),
            next: "Call get_transcript again with the same video, lang and tlang and this nextCursor for the rest.",
          }
        : {}),
    },
  };
  return {
    content: [
      { type: "text", text: page.body },
      { type: "text", text: JSON.stringify(info) },
    ],
  };
}

const VideoOnlyInput = z.object({ video: VideoArg });

const ListLanguagesOutput = LanguageListSchema.omit({ video: true }).extend({ videoId: z.string() });

async function listLanguages(
  c: Context<AppEnv>,
  args: z.output<typeof VideoOnlyInput>,
): Promise<CallToolResult> {
  const { video, tracks, translationLanguages } = (await answer(c, languagesWork(videoIdFrom(args.video))))
    .body as LanguageList;
  return jsonResult({ videoId: video.videoId, tracks, translationLanguages });
}

const ChapterOutput = z.object({ title: z.string(), startMs: z.number(), url: z.string() });
const VideoInfoOutput = LanguageListSchema.shape.video.extend({
  url: z.string(),
  chapters: z.array(ChapterOutput),
});

async function getVideoInfo(
  c: Context<AppEnv>,
  args: z.output<typeof VideoOnlyInput>,
): Promise<CallToolResult> {
  const { video } = (await answer(c, languagesWork(videoIdFrom(args.video)))).body as LanguageList;
  return jsonResult({
    ...video,
    url: watchUrl(video.videoId),
    chapters: video.chapters.map((ch) => ({ ...ch, url: momentUrl(video.videoId, ch.startMs) })),
  });
}

const SearchInput = z.object({
  video: VideoArg,
  query: z
    .string()
    .min(1)
    .max(200)
    .describe(
      "The words or phrase to find. Case, accents and spacing do not matter; a phrase split across two captions is found.",
    ),
  lang: LangArg,
  tlang: TlangArg,
  maxResults: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .describe("At most this many captions (1-100, default 20)."),
});

const SearchOutput = z.object({
  videoId: z.string(),
  track: TrackSchema,
  query: z.string(),
  total: z.number().int().describe("Every caption that matches; matches lists the first maxResults."),
  matches: z.array(
    z.object({ startMs: z.number(), durationMs: z.number(), text: z.string(), url: z.string() }),
  ),
});

async function searchTranscript(
  c: Context<AppEnv>,
  args: z.output<typeof SearchInput>,
): Promise<CallToolResult> {
  const { video, track, segments } = (await answer(c, transcriptWork(args))).body as Transcript;
  const found = matchingSegments(segments, args.query);
  return jsonResult({
    videoId: video.videoId,
    track,
    query: args.query,
    total: found.length,
    matches: found.slice(0, args.maxResults).map((i) => {
      const s = segments[i] as Transcript["segments"][number];
      return { ...s, url: momentUrl(video.videoId, s.startMs) };
    }),
  });
}

type JsonSchema = Record<string, unknown>;

export interface Tool {
  name: string;
  title: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  /** Validates the arguments (INVALID_REQUEST naming each bad one) and runs the tool. */
  call(c: Context<AppEnv>, args: unknown): Promise<CallToolResult>;
}

/** MCP's dialect of JSON Schema is draft 7, as the SDK's own zod conversion writes it. */
const jsonSchema = (schema: z.ZodObject, io: "input" | "output"): JsonSchema =>
  z.toJSONSchema(schema, { target: "draft-7", io });

function defineTool<I extends z.ZodObject>(spec: {
  name: string;
  title: string;
  description: string;
  input: I;
  output?: z.ZodObject;
  run(c: Context<AppEnv>, args: z.output<I>): Promise<CallToolResult>;
}): Tool {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    inputSchema: jsonSchema(spec.input, "input"),
    ...(spec.output ? { outputSchema: jsonSchema(spec.output, "output") } : {}),
    async call(c, args) {
      const parsed = spec.input.safeParse(args ?? {});
      if (!parsed.success) throw invalidRequest(parsed.error.issues);
      return spec.run(c, parsed.data);
    },
  };
}

const NOTE =
  "Answers from the edge cache are free; a video not fetched before costs one request of the API key's daily quota.";

export const TOOLS: Tool[] = [
  defineTool({
    name: "get_transcript",
    title: "Get a YouTube transcript",
    description: `The captions of a YouTube video as text, markdown or JSON. A long transcript comes in pages of at most maxTokens: the second content part says which captions the page holds, whether more remain (hasMore) and the nextCursor to pass for the next page. ${NOTE}`,
    input: GetTranscriptInput,
    run: getTranscript,
  }),
  defineTool({
    name: "list_languages",
    title: "List a video's caption languages",
    description: `The caption tracks of a YouTube video (language code, name, manual or auto-generated, translatable) and the languages YouTube can translate them into: what lang and tlang may ask for. ${NOTE}`,
    input: VideoOnlyInput,
    output: ListLanguagesOutput,
    run: listLanguages,
  }),
  defineTool({
    name: "get_video_info",
    title: "Get a video's metadata and chapters",
    description: `A YouTube video's title, channel, duration, publish date and chapters, each chapter with a link to its start. ${NOTE}`,
    input: VideoOnlyInput,
    output: VideoInfoOutput,
    run: getVideoInfo,
  }),
  defineTool({
    name: "search_transcript",
    title: "Search a video's transcript",
    description: `Finds a word or phrase in a YouTube video's captions and returns the matching captions with their times and links to those moments (https://youtu.be/ID?t=seconds); total counts every matching caption. ${NOTE}`,
    input: SearchInput,
    output: SearchOutput,
    run: searchTranscript,
  }),
];
