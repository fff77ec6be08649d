import { createRoute, OpenAPIHono, type RouteConfig, type z } from "@hono/zod-openapi";
import {
  renderTranscript,
  requestHash,
  type Transcript,
  TranscriptQuerySchema,
  toTranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import type { Context } from "hono";
import { wrapTime } from "hono/timing";
import type { AppEnv } from "../app-env.js";
import { matchRendered } from "../cache/rendered.js";
import { chargeQuota } from "../rate-limit/middleware.js";
import { resolve } from "../resolve.js";
import { negotiateFormat } from "./format.js";
import { keyed, resolveContext, validationHook, videoIdFrom } from "./request.js";
import { respond, sendRendered } from "./respond.js";
import {
  errorResponses,
  JobBodySchema,
  LanguageListSchema,
  LanguagesQuerySchema,
  TranscriptOptionsSchema,
  transcriptContent,
  UrlQuerySchema,
  VideoParamSchema,
} from "./schemas.js";

/** What every cached, key-metered GET may also answer besides its 200. */
const cachedAnswers = {
  202: {
    description: "The origin is still working: poll the job at Location.",
    content: { "application/json": { schema: JobBodySchema } },
  },
  304: { description: "Not modified (If-None-Match)" },
  ...errorResponses,
};

type Query = z.ZodObject<z.ZodRawShape>;
/** Answers one video (`ref`: an ID or link) with the route's validated options. */
type VideoAnswer<Q extends Query> = (
  c: Context<AppEnv>,
  ref: string,
  options: z.output<Q>,
) => Promise<Response>;

/**
 * A video resource served twice, as `/v1/transcripts/{video}<suffix>` and as
 * `/v1/transcripts<suffix>?url=`, with one query schema and one answer function.
 */
function videoRoutes<Q extends Query>(
  app: OpenAPIHono<AppEnv>,
  spec: { suffix: "" | "/languages"; summary: string; query: Q; ok: RouteConfig["responses"][number] },
  answer: VideoAnswer<Q>,
): void {
  const shared = {
    method: "get",
    description:
      "Only origin work counts towards the daily quota: an answer from the edge (X-Cache HIT or STALE, or 304) counts towards the burst limit only, and carries no RateLimit-* headers.",
    ...keyed,
    responses: { 200: spec.ok, ...cachedAnswers },
  };
  const byId = createRoute({
    ...shared,
    method: "get",
    path: `/v1/transcripts/{video}${spec.suffix}`,
    summary: spec.summary,
    request: { params: VideoParamSchema, query: spec.query },
  });
  const byUrl = createRoute({
    ...shared,
    method: "get",
    path: `/v1/transcripts${spec.suffix}`,
    summary: `${spec.summary}, the video given as ?url=`,
    request: { query: spec.query.extend(UrlQuerySchema.shape) },
  });
  // The ?url= form first: `/v1/transcripts/languages` must not be read as a video called "languages".
  app.openapi(byUrl, (c) => {
    const { url, ...options } = validated<{ url: string }>(c, "query");
    return answer(c, url, options as z.output<Q>);
  });
  app.openapi(byId, (c) =>
    answer(c, validated<{ video: string }>(c, "param").video, validated<z.output<Q>>(c, "query")),
  );
}

/** What the validators passed; the generic twin routes are too deep for TypeScript to type `valid` itself. */
function validated<T>(c: { req: { valid: (target: never) => unknown } }, target: "param" | "query"): T {
  return c.req.valid(target as never) as T;
}

type Render = Parameters<typeof respond>[2];

/**
 * A cached GET, past the burst limit: the Cache API, else the edge store, else the origin; only the
 * origin's work spends a unit of the daily quota.
 */
async function cachedAnswer(
  c: Context<AppEnv>,
  work: WorkRequest,
  variant: string,
  render: Render,
): Promise<Response> {
  const hash = await requestHash(work);
  const cached = await wrapTime(c, "cache", matchRendered(hash, variant));
  if (cached) return sendRendered(c, cached, "HIT");
  const resolution = await resolve(resolveContext(c), work, hash, () => chargeQuota(c, 1));
  return respond(c, resolution, render, { hash, variant });
}

const transcriptAnswer: VideoAnswer<typeof TranscriptOptionsSchema> = (c, ref, options) => {
  const videoId = videoIdFrom(ref);
  const format = negotiateFormat(options.format, c.req.header("Accept"));
  const timestamps = format === "text" && options.timestamps === "true";
  const work: WorkRequest = { kind: "transcript", request: toTranscriptRequest(videoId, options) };
  return cachedAnswer(c, work, timestamps ? "text-timestamps" : format, (body) =>
    renderTranscript(body as Transcript, format, { timestamps }),
  );
};

/** The language list does not depend on transcript options: every request for a video shares one entry. */
const DEFAULT_OPTIONS = TranscriptQuerySchema.parse({});

const languagesAnswer: VideoAnswer<typeof LanguagesQuerySchema> = (c, ref) => {
  const work: WorkRequest = {
    kind: "languages",
    request: toTranscriptRequest(videoIdFrom(ref), DEFAULT_OPTIONS),
  };
  return cachedAnswer(c, work, "json", (body) => ({
    body: JSON.stringify(body),
    contentType: "application/json; charset=utf-8",
  }));
};

export const transcripts = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

// Languages first: `/v1/transcripts/{video}` would otherwise also match `/v1/transcripts/languages`.
videoRoutes(
  transcripts,
  {
    suffix: "/languages",
    summary: "The caption tracks of a video and the languages they translate into",
    query: LanguagesQuerySchema,
    ok: {
      description: "Tracks and translation languages",
      content: { "application/json": { schema: LanguageListSchema } },
    },
  },
  languagesAnswer,
);
videoRoutes(
  transcripts,
  {
    suffix: "",
    summary: "The transcript of a video",
    query: TranscriptOptionsSchema,
    ok: { description: "The transcript, its track and the video's metadata", content: transcriptContent },
  },
  transcriptAnswer,
);
