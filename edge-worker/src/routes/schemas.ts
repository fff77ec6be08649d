import { z } from "@hono/zod-openapi";
import {
  BatchRequestSchema,
  CHUNK_LIMITS,
  COLLECTION_PAGE,
  CollectionRequestSchema,
  ERROR_CODES,
  ERRORS,
  ErrorBodySchema,
  type ErrorCode,
  JobBodySchema,
  LanguageListSchema,
  TranscriptChunkSchema,
  TranscriptFormatSchema,
  TranscriptQuerySchema,
  TranscriptSchema,
} from "@ytt/shared";
import { JOB_TOKEN } from "../forward/job-token.js";

/** The same zod schemas validate requests and generate /openapi.json. */

// Named, so the document defines each body once and generated clients get these names. Zod's own
// .meta, not .openapi: shared's schemas may be built before @hono/zod-openapi extends zod.
export const Transcript = TranscriptSchema.meta({ id: "Transcript" });
export const LanguageList = LanguageListSchema.meta({ id: "LanguageList" });
export const JobBody = JobBodySchema.meta({ id: "JobBody" });
export const ErrorBody = ErrorBodySchema.meta({ id: "ErrorBody" });
export const CollectionRequest = CollectionRequestSchema.meta({
  id: "CollectionRequest",
  example: {
    collection: "https://www.youtube.com/playlist?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
    limit: 200,
    lang: "en",
  },
});
export const BatchRequest = BatchRequestSchema.meta({
  id: "BatchRequest",
  example: { items: [{ video: "dQw4w9WgXcQ", lang: "en" }, { video: "https://youtu.be/jNQXAC9IVRw" }] },
});

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
  chunkChars: z.coerce
    .number()
    .int()
    .min(CHUNK_LIMITS.chars.min)
    .max(CHUNK_LIMITS.chars.max)
    .optional()
    .openapi({
      description:
        "Also split the transcript into `chunks` of at most this many characters (UTF-16 code units), ending at sentence ends where they can, else between cues; for feeding a language model or an index in pieces. JSON only (the answer is JSON when no format is given); not with chunkTokens.",
      example: 4000,
    }),
  chunkTokens: z.coerce
    .number()
    .int()
    .min(CHUNK_LIMITS.tokens.min)
    .max(CHUNK_LIMITS.tokens.max)
    .optional()
    .openapi({
      description:
        "Like chunkChars, with the budget in tokens as a conservative estimate counts them (about four Latin letters, or one CJK or other non-Latin character, per token), so a chunk fits a model's context whatever its tokenizer. Not with chunkChars.",
      example: 1000,
    }),
  overlap: z.coerce.number().int().min(0).optional().openapi({
    description:
      "With chunkChars or chunkTokens, in the same unit: each chunk starts with the previous chunk's last cues that fit in this much, for context across the cut. At most half the budget; default 0.",
    example: 200,
  }),
}).superRefine((q, ctx) => {
  const budget = q.chunkChars ?? q.chunkTokens;
  if (q.chunkChars !== undefined && q.chunkTokens !== undefined)
    ctx.addIssue({
      code: "custom",
      path: ["chunkTokens"],
      message: "give chunkChars or chunkTokens, not both",
    });
  if (budget !== undefined && q.format !== undefined && q.format !== "json")
    ctx.addIssue({ code: "custom", path: ["format"], message: "chunks come in the json format only" });
  if (q.overlap !== undefined && budget === undefined)
    ctx.addIssue({ code: "custom", path: ["overlap"], message: "overlap needs chunkChars or chunkTokens" });
  if (q.overlap !== undefined && budget !== undefined && q.overlap * 2 > budget)
    ctx.addIssue({ code: "custom", path: ["overlap"], message: "overlap is at most half the chunk budget" });
});

/**
 * The languages route takes no options: the list does not depend on any. An object schema keeps
 * unknown parameters (tracking tags, stray transcript options) out of the request, the cache key
 * and the origin call; the `?url=` twin adds its validated `url`.
 */
export const LanguagesQuerySchema = z.object({});

/** A collection job's page of items (JSON) or of results (format=jsonl); other jobs ignore them. */
export const JobQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,7}$/, "cursor is the nextCursor of a previous page")
    .optional()
    .openapi({ description: "Collections: the nextCursor of the previous page (default: the first item)." }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(COLLECTION_PAGE.max)
    .optional()
    .openapi({
      description: `Collections: items per page (default ${COLLECTION_PAGE.default}, at most ${COLLECTION_PAGE.max}); with format=jsonl, how many items to look at (default ${COLLECTION_PAGE.jsonl}; the X-Next-Cursor header names the next page).`,
    }),
  format: z
    .enum(["json", "jsonl"])
    .optional()
    .openapi({ description: "Collections: jsonl streams the finished items' results, one JSON line each." }),
});

export const JobParamSchema = z.object({
  id: z
    .string()
    .regex(JOB_TOKEN, "not a job token")
    .openapi({
      param: { name: "id", in: "path" },
      description: "The job token of a 202 answer (its job.id), valid for the key it was given to.",
      // Well-formed, yet no key's: the example call answers NOT_FOUND.
      example: "t.5d41402abc4b2a76b9719d911017c592.mfx2k1.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE",
    }),
});

/** Routes under /v1 need an API key, sent either way. */
export const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }];

export const BatchResult = z
  .object({
    items: z.array(
      z.object({
        status: z.number().int(),
        body: z.union([Transcript, JobBody, ErrorBody]),
        cache: z.enum(["HIT", "MISS", "STALE"]).optional(),
      }),
    ),
    webhook: z
      .union([
        z.object({ id: z.string(), statusUrl: z.string() }),
        z.object({ error: ErrorBodySchema.shape.error }),
      ])
      .optional()
      .openapi({
        description:
          "With callbackUrl: the batch's webhook (GET its statusUrl for its deliveries), or why it could not be set up.",
      }),
  })
  .meta({ id: "BatchResult" });

/** What any route under /v1 may refuse with before its own work: validation, the key, the limits, ourselves. */
export const KEYED_ERRORS = [
  "INVALID_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "INTERNAL",
] as const satisfies readonly ErrorCode[];

/**
 * A GET the origin may answer: its codes pass through, so every code but the body limit (there is
 * no body) and MCP's own (the method refusal of /mcp, a tool's wait for a job).
 */
export const ORIGIN_GET_ERRORS = ERROR_CODES.filter(
  (code) => !["PAYLOAD_TOO_LARGE", "METHOD_NOT_ALLOWED", "EXTRACTION_PENDING"].includes(code),
);

/**
 * An operation's error answers, one per status, each naming the catalogue codes it may carry: the
 * statuses and messages come from the catalogue, so the document cannot drift from it.
 */
export function errorResponses(codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  const responses: Record<
    number,
    { description: string; content: { "application/json": { schema: typeof ErrorBody } } }
  > = {};
  for (const [status, those] of byStatus) {
    responses[status] = {
      description: those.map((code) => `${code}: ${ERRORS[code].message}`).join(" "),
      content: { "application/json": { schema: ErrorBody } },
    };
  }
  return responses;
}

/** The JSON transcript answer: with `chunks` when chunkChars or chunkTokens asked for them. */
export const TranscriptWithChunks = Transcript.extend({
  chunks: z
    .array(TranscriptChunkSchema.meta({ id: "TranscriptChunk" }))
    .optional()
    .openapi({
      description: "With chunkChars or chunkTokens: the transcript in chunks within that budget, in order.",
    }),
}).openapi("TranscriptWithChunks");

export const transcriptContent = {
  "application/json": { schema: TranscriptWithChunks },
  "text/plain": { schema: z.string() },
  "application/x-subrip": { schema: z.string() },
  "text/vtt": { schema: z.string() },
  "text/markdown": { schema: z.string() },
};
