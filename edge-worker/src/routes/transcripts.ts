import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import {
  renderTranscript,
  requestHash,
  type Transcript,
  TranscriptQuerySchema,
  toTranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { matchRendered } from "../cache/rendered.js";
import { admitted } from "../rate-limit/middleware.js";
import { resolve } from "../resolve.js";
import { negotiateFormat } from "./format.js";
import { metered, resolveContext, validationHook, videoIdFrom } from "./request.js";
import { respond, sendRendered } from "./respond.js";
import {
  errorResponses,
  JobBodySchema,
  LanguageListSchema,
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

const transcriptRoute = createRoute({
  method: "get",
  path: "/v1/transcripts/{video}",
  summary: "The transcript of a video",
  ...metered(1, "alongside"),
  request: { params: VideoParamSchema, query: TranscriptOptionsSchema },
  responses: {
    200: { description: "The transcript, its track and the video's metadata", content: transcriptContent },
    ...cachedAnswers,
  },
});

const transcriptByUrlRoute = createRoute({
  method: "get",
  path: "/v1/transcripts",
  summary: "The transcript of a video given as ?url=",
  ...metered(1, "alongside"),
  request: { query: TranscriptOptionsSchema.extend(UrlQuerySchema.shape) },
  responses: transcriptRoute.responses,
});

const languagesRoute = createRoute({
  method: "get",
  path: "/v1/transcripts/{video}/languages",
  summary: "The caption tracks of a video and the languages they translate into",
  ...metered(1, "alongside"),
  request: { params: VideoParamSchema },
  responses: {
    200: {
      description: "Tracks and translation languages",
      content: { "application/json": { schema: LanguageListSchema } },
    },
    ...cachedAnswers,
  },
});

type TranscriptOptions = z.output<typeof TranscriptOptionsSchema>;
type Render = Parameters<typeof respond>[2];

/**
 * A cached, metered GET: the Cache API lookup overlaps admission (burst limit, quota), and nothing is
 * answered before admission; a miss goes on to the edge store, then the origin.
 */
async function cachedAnswer(
  c: Context<AppEnv>,
  work: WorkRequest,
  variant: string,
  render: Render,
): Promise<Response> {
  const hash = await requestHash(work);
  const [cached] = await Promise.all([matchRendered(hash, variant), admitted(c)]);
  if (cached) return sendRendered(c, cached, "HIT");
  const resolution = await resolve(resolveContext(c), work, hash);
  return respond(c, resolution, render, { hash, variant });
}

function transcriptAnswer(c: Context<AppEnv>, ref: string, options: TranscriptOptions): Promise<Response> {
  const videoId = videoIdFrom(ref);
  const format = negotiateFormat(options.format, c.req.header("Accept"));
  const timestamps = format === "text" && options.timestamps === "true";
  const work: WorkRequest = { kind: "transcript", request: toTranscriptRequest(videoId, options) };
  return cachedAnswer(c, work, timestamps ? "text-timestamps" : format, (body) =>
    renderTranscript(body as Transcript, format, { timestamps }),
  );
}

const DEFAULT_OPTIONS = TranscriptQuerySchema.parse({});

export const transcripts = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(transcriptRoute, (c) => transcriptAnswer(c, c.req.valid("param").video, c.req.valid("query")))
  .openapi(transcriptByUrlRoute, (c) => {
    const { url, ...options } = c.req.valid("query");
    return transcriptAnswer(c, url, options);
  })
  .openapi(languagesRoute, (c) => {
    const videoId = videoIdFrom(c.req.valid("param").video);
    const work: WorkRequest = { kind: "languages", request: toTranscriptRequest(videoId, DEFAULT_OPTIONS) };
    return cachedAnswer(c, work, "json", (body) => ({
      body: JSON.stringify(body),
      contentType: "application/json; charset=utf-8",
    }));
  });
