import { z } from "@hono/zod-openapi";
import {
  ErrorBodySchema,
  JobBodySchema,
  LanguageListSchema,
  TranscriptFormatSchema,
  TranscriptQuerySchema,
  TranscriptSchema,
} from "@ytt/shared";
import { JOB_TOKEN } from "../forward/job-token.js";

/** The same zod schemas validate requests and generate /openapi.json. */

export const VideoParamSchema = z.object({
  video: z.string().openapi({
    param: { name: "video", in: "path" },
    description: "A video ID or any YouTube link form, URL-encoded.",
    example: "dQw4w9WgXcQ",
  }),
});

export const UrlQuerySchema = z.object({
  url: z
    .string()
    .min(1)
    .max(4096)
    .openapi({ description: "A YouTube link or video ID.", example: "https://youtu.be/dQw4w9WgXcQ" }),
});

export const TranscriptOptionsSchema = TranscriptQuerySchema.extend({
  format: TranscriptFormatSchema.optional().openapi({
    description: "Response format; without it the Accept header decides (default json).",
  }),
  timestamps: z.enum(["true", "false"]).optional().openapi({
    description:
      "format=text: prefix each line with its start time; format=markdown: start each paragraph with its time, linked to that moment of the video.",
  }),
});

/**
 * The languages route takes no options: the list does not depend on any. An object schema keeps
 * unknown parameters (tracking tags, stray transcript options) out of the request, the cache key
 * and the origin call; the `?url=` twin adds its validated `url`.
 */
export const LanguagesQuerySchema = z.object({});

export const JobParamSchema = z.object({
  id: z
    .string()
    .regex(JOB_TOKEN, "not a job token")
    .openapi({ param: { name: "id", in: "path" } }),
});

/** Routes under /v1 need an API key, sent either way. */
export const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }];

export const BatchResultSchema = z.object({
  items: z.array(
    z.object({
      status: z.number().int(),
      body: z.union([TranscriptSchema, JobBodySchema, ErrorBodySchema]),
      cache: z.enum(["HIT", "MISS", "STALE"]).optional(),
    }),
  ),
});

export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorBodySchema } } },
  401: {
    description: "Missing or invalid API key",
    content: { "application/json": { schema: ErrorBodySchema } },
  },
  429: {
    description: "Rate limit or quota exceeded",
    content: { "application/json": { schema: ErrorBodySchema } },
  },
  503: { description: "Origin unavailable", content: { "application/json": { schema: ErrorBodySchema } } },
} as const;

export const transcriptContent = {
  "application/json": { schema: TranscriptSchema },
  "text/plain": { schema: z.string() },
  "application/x-subrip": { schema: z.string() },
  "text/vtt": { schema: z.string() },
  "text/markdown": { schema: z.string() },
};

export { ErrorBodySchema, JobBodySchema, LanguageListSchema };
