import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import {
  chunkTranscript,
  languagesWork,
  renderTranscript,
  requestHash,
  TRANSCRIPT_CONTENT_TYPES,
  type Transcript,
  toTranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import type { Context } from "hono";
import { wrapTime } from "hono/timing";
import type { AppEnv } from "../app-env.js";
import { isolateRenderings } from "../cache/hot.js";
import { matchRendered } from "../cache/rendered.js";
import { chargeQuota } from "../rate-limit/middleware.js";
import { resolve } from "../resolve.js";
import { negotiateFormat } from "./format.js";
import { keyed, resolveContext, validationHook, videoIdFrom } from "./request.js";
import { respond, sendRendered } from "./respond.js";
import {
  errorResponses,
  JobBody,
  LanguageList,
  LanguagesQuerySchema,
  ORIGIN_GET_ERRORS,
  TranscriptOptionsSchema,
  transcriptContent,
  UrlQuerySchema,
  VideoParamSchema,
} from "./schemas.js";

/** What every cached, key-metered GET may also answer besides its 200. */
const cachedAnswers = {
  202: {
    description: "The origin is still working: poll the job at Location.",
    content: { "application/json": { schema: JobBody } },
  },
  304: { description: "Not modified (If-None-Match)" },
  ...errorResponses(ORIGIN_GET_ERRORS),
};

/** What the four routes share: a keyed GET answered from the caches or the origin. */
const cachedGet = {
  method: "get",
  description:
    "Only origin work counts towards the daily quota: an answer from the edge (X-Cache HIT or STALE, or 304) counts towards the burst limit only, and carries no RateLimit-* headers.",
  ...keyed,
} as const;

const transcriptOk = {
  200: { description: "The transcript, its track and the video's metadata", content: transcriptContent },
  ...cachedAnswers,
};
const languagesOk = {
  200: {
    description: "Tracks and translation languages",
    content: { "application/json": { schema: LanguageList } },
  },
  ...cachedAnswers,
};
const TRANSCRIPT_SUMMARY = "The transcript of a video";
const LANGUAGES_SUMMARY = "The caption tracks of a video and the languages they translate into";

// Each resource twice: `/v1/transcripts/{video}…` and `/v1/transcripts…?url=`.
const transcriptByIdRoute = createRoute({
  ...cachedGet,
  path: "/v1/transcripts/{video}",
  operationId: "getTranscript",
  summary: TRANSCRIPT_SUMMARY,
  request: { params: VideoParamSchema, query: TranscriptOptionsSchema },
  responses: transcriptOk,
});
const transcriptByUrlRoute = createRoute({
  ...cachedGet,
  path: "/v1/transcripts",
  operationId: "getTranscriptByUrl",
  summary: `${TRANSCRIPT_SUMMARY}, the video given as ?url=`,
  request: { query: TranscriptOptionsSchema.extend(UrlQuerySchema.shape) },
  responses: transcriptOk,
});
const languagesByIdRoute = createRoute({
  ...cachedGet,
  path: "/v1/transcripts/{video}/languages",
  operationId: "listLanguages",
  summary: LANGUAGES_SUMMARY,
  request: { params: VideoParamSchema, query: LanguagesQuerySchema },
  responses: languagesOk,
});
const languagesByUrlRoute = createRoute({
  ...cachedGet,
  path: "/v1/transcripts/languages",
  operationId: "listLanguagesByUrl",
  summary: `${LANGUAGES_SUMMARY}, the video given as ?url=`,
  request: { query: LanguagesQuerySchema.extend(UrlQuerySchema.shape) },
  responses: languagesOk,
});

type Render = Parameters<typeof respond>[2];

/**
 * A cached GET, past the burst limit: the isolate's memory, else the Cache API (for a rendering kept
 * under `variant`), else the edge store, else the origin; only the origin's work spends a unit of the daily quota.
 */
async function cachedAnswer(
  c: Context<AppEnv>,
  work: WorkRequest,
  variant: string | undefined,
  render: Render,
): Promise<Response> {
  const hash = await requestHash(work);
  if (variant !== undefined) {
    const hot = isolateRenderings(c.var.config.hotCacheBytes);
    const kept = hot.get(hash, variant);
    if (kept) return sendRendered(c, kept, "HIT");
    const cached = await wrapTime(c, "cache", matchRendered(hash, variant));
    if (cached) {
      hot.put(hash, variant, cached);
      return sendRendered(c, cached, "HIT");
    }
  }
  const resolution = await resolve(resolveContext(c), work, hash, () => chargeQuota(c, 1));
  return respond(c, resolution, render, variant === undefined ? undefined : { hash, variant });
}

/** A transcript of the video `ref` names (an ID or a link), in the asked format. */
function transcriptAnswer(
  c: Context<AppEnv>,
  ref: string,
  options: z.output<typeof TranscriptOptionsSchema>,
) {
  const videoId = videoIdFrom(ref);
  const format = negotiateFormat(options.format, c.req.header("Accept"));
  // Only plain text and markdown show times on request; every other format carries them anyway.
  const timestamps = (format === "text" || format === "markdown") && options.timestamps === "true";
  const work: WorkRequest = { kind: "transcript", request: toTranscriptRequest(videoId, options) };
  const { chunkChars, chunkTokens, overlap = 0 } = options;
  if (chunkChars !== undefined || chunkTokens !== undefined) {
    // Chunks are JSON whatever Accept says (schemas.ts refuses another explicit format). They are cut
    // from the edge store's copy on every request and never kept in the Cache API: budgets and
    // overlaps make millions of variants, which free hits could otherwise fill the cache with.
    return cachedAnswer(c, work, undefined, (body) => ({
      body: JSON.stringify({
        ...(body as Transcript),
        chunks: chunkTranscript(body as Transcript, {
          maxChars: chunkChars,
          maxTokens: chunkTokens,
          overlap,
        }),
      }),
      contentType: TRANSCRIPT_CONTENT_TYPES.json,
    }));
  }
  return cachedAnswer(c, work, timestamps ? `${format}-timestamps` : format, (body) =>
    renderTranscript(body as Transcript, format, { timestamps }),
  );
}

function languagesAnswer(c: Context<AppEnv>, ref: string) {
  return cachedAnswer(c, languagesWork(videoIdFrom(ref)), "json", (body) => ({
    body: JSON.stringify(body),
    contentType: "application/json; charset=utf-8",
  }));
}

// The ?url= forms and languages first: `/v1/transcripts/{video}` would also match `/v1/transcripts/languages`.
export const transcripts = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(languagesByUrlRoute, (c) => languagesAnswer(c, c.req.valid("query").url))
  .openapi(languagesByIdRoute, (c) => languagesAnswer(c, c.req.valid("param").video))
  .openapi(transcriptByUrlRoute, (c) => {
    const { url, ...options } = c.req.valid("query");
    return transcriptAnswer(c, url, options);
  })
  .openapi(transcriptByIdRoute, (c) => transcriptAnswer(c, c.req.valid("param").video, c.req.valid("query")));
