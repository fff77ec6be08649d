import { z } from "zod";
import { callbackUrlOf, MAX_CALLBACK_URL_LENGTH } from "./callback-url.js";
import { CollectionInfoSchema, CollectionItemSchema, CollectionProgressSchema } from "./collection-job.js";
import {
  CHANNEL_TABS,
  COLLECTION_LIMIT,
  type CollectionRef,
  MAX_COLLECTION_REF_LENGTH,
  parseCollectionRef,
} from "./collection-ref.js";
import { ApiError, ERRORS } from "./errors.js";
import { sha256Hex } from "./signing.js";
import { LanguageListSchema, TranscriptSchema } from "./transcript.js";
import { WebhookDeliverySchema } from "./webhooks.js";

/**
 * A transcript request after normalisation. Two requests that must give the same answer
 * normalise to the same value, so `requestKey` can key the edge cache and the origin's job.
 */
export interface TranscriptRequest {
  videoId: string;
  /** Preferred language codes, best first, canonical BCP 47 casing, no duplicates. */
  languages: string[];
  /** "any" takes a manual track before an auto-generated one for each language. */
  kind: "manual" | "asr" | "any";
  /** Translate the chosen track into this language. */
  translateTo?: string;
  /** "error": fail with LANGUAGE_NOT_AVAILABLE when no preferred language exists; "any": take the best track there is. */
  fallback: "error" | "any";
}

export type JobKind = "transcript" | "languages";

/** A unit of origin work: what a job extracts. Languages jobs ignore everything but videoId. */
export interface WorkRequest {
  kind: JobKind;
  request: TranscriptRequest;
}

/** Canonical BCP 47 casing: language lower, script title, region upper (zh-hans → zh-Hans, pt-br → pt-BR). */
export function canonicalLanguage(code: string): string {
  return code
    .trim()
    .split(/[-_]/)
    .map((part, i) => {
      if (i === 0) return part.toLowerCase();
      if (part.length === 4) return part[0]?.toUpperCase() + part.slice(1).toLowerCase();
      if (part.length === 2 || /^\d{3}$/.test(part)) return part.toUpperCase();
      return part.toLowerCase();
    })
    .join("-");
}

const LANGUAGE_CODE = /^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8}){0,3}$/;
const LanguageCodeSchema = z
  .string()
  .regex(LANGUAGE_CODE, "not a language code")
  .transform(canonicalLanguage);

/** The query parameters both the edge and the origin accept, validated and normalised. */
export const TranscriptQuerySchema = z.object({
  lang: z
    .string()
    .max(200, "lang is longer than 200 characters")
    .optional()
    .transform((v, ctx) => {
      const codes = (v ?? "en")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (codes.length === 0 || codes.length > 10) {
        ctx.addIssue({ code: "custom", message: "lang takes 1 to 10 comma-separated language codes" });
        return z.NEVER;
      }
      const parsed: string[] = [];
      for (const code of codes) {
        const r = LanguageCodeSchema.safeParse(code);
        if (!r.success) {
          ctx.addIssue({ code: "custom", message: `lang: "${code.slice(0, 20)}" is not a language code` });
          return z.NEVER;
        }
        if (!parsed.includes(r.data)) parsed.push(r.data);
      }
      return parsed;
    })
    .describe(
      "Languages wanted, most preferred first: 1 to 10 comma-separated codes (e.g. en,de); default en.",
    ),
  kind: z
    .enum(["manual", "asr", "any"])
    .default("any")
    .describe("Which tracks may answer: manual (uploaded captions), asr (auto-generated) or any."),
  tlang: LanguageCodeSchema.optional().describe(
    "Translate the transcript into this language (YouTube's machine translation), e.g. de.",
  ),
  fallback: z
    .enum(["error", "any"])
    .default("error")
    .describe(
      "No track in a wanted language: error answers LANGUAGE_NOT_AVAILABLE (details.available lists the tracks); any takes the best track.",
    ),
});

export function toTranscriptRequest(
  videoId: string,
  query: z.output<typeof TranscriptQuerySchema>,
): TranscriptRequest {
  return {
    videoId,
    languages: query.lang,
    kind: query.kind,
    ...(query.tlang ? { translateTo: query.tlang } : {}),
    fallback: query.fallback,
  };
}

/** Hostile input can make thousands of issues: this many are reported, each message cut short. */
const MAX_ISSUES = 10;
const MAX_ISSUE_MESSAGE = 200;

/**
 * A video's language list: it does not depend on transcript options, so every request for it (REST
 * or MCP) is this one work request and shares one stored entry.
 */
export function languagesWork(videoId: string): WorkRequest {
  return { kind: "languages", request: toTranscriptRequest(videoId, TranscriptQuerySchema.parse({})) };
}

/** zod issues as the error body lists them: path and message, bounded. */
export function requestIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): { path: string; message: string }[] {
  return issues
    .slice(0, MAX_ISSUES)
    .map((i) => ({ path: i.path.map(String).join("."), message: i.message.slice(0, MAX_ISSUE_MESSAGE) }));
}

/**
 * A 400 INVALID_REQUEST naming each bad parameter, in its message and in `details.issues`: the one
 * form the edge's routes, the batch items and the origin API answer a bad request with.
 */
export function invalidRequest(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): ApiError {
  const listed = requestIssues(issues);
  return new ApiError("INVALID_REQUEST", {
    message: listed.map((i) => `${i.path ? `${i.path}: ` : ""}${i.message}`).join("; "),
    details: { issues: listed },
  });
}

/** X-Request-Id values a client may choose: short, and free of anything that could inject into logs or headers. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The offered X-Request-Id when it is sane, else a new one: the same rule at the edge and the origin. */
export function requestIdFrom(offered: string | undefined): string {
  return offered && REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
}

export const MAX_BATCH_ITEMS = 50;
/** 50 items with long URLs fit easily; a bigger body is not a batch request (413 at the edge and the origin). */
export const MAX_BATCH_BODY_BYTES = 256 * 1024;

/**
 * POST /v1/batch body. Item fields are only typed here, not validated: each item is checked on
 * its own (parseVideoRef, TranscriptQuerySchema) so one bad item gets its own error, not the batch.
 */
export const BatchRequestSchema = z.object({
  items: z
    .array(
      z.object({
        video: z.string().max(4096),
        lang: z.string().max(4096).optional(),
        kind: z.string().max(64).optional(),
        tlang: z.string().max(64).optional(),
        fallback: z.string().max(64).optional(),
      }),
    )
    .min(1)
    .max(MAX_BATCH_ITEMS),
  // Only bounded here: callbackUrlOf refuses a bad one with INVALID_CALLBACK_URL and its reason.
  callbackUrl: z
    .string()
    .max(8192)
    .optional()
    .describe(
      "An https URL (port 443, public host) that gets a signed batch.completed webhook once every item has finished.",
    ),
});
export type BatchRequest = z.infer<typeof BatchRequestSchema>;
export type BatchItem = BatchRequest["items"][number];

/** Each item: the status and body the single endpoint would have answered, in request order. */
export const BatchResponseSchema = z.object({
  items: z.array(z.object({ status: z.number().int(), body: z.unknown() })),
});
export type BatchResponse = z.infer<typeof BatchResponseSchema>;

/**
 * POST /v1/collections body: the collection, how much of it, and the transcript options every video
 * is asked with. `collection` is only typed here; parseCollectionRef says why a reference is not one.
 */
export const CollectionRequestSchema = TranscriptQuerySchema.extend({
  collection: z
    .string()
    .max(MAX_COLLECTION_REF_LENGTH)
    .describe(
      "A playlist (link or ID: PL…, UU…, OLAK5uy_…) or a channel (link, @handle or UC… ID; /c/… and /user/… links too).",
    ),
  tab: z
    .enum(CHANNEL_TABS)
    .optional()
    .describe("For a channel: which of its videos (default: the tab its link names, else videos)."),
  limit: z
    .number()
    .int()
    .min(1)
    .max(COLLECTION_LIMIT.max)
    .default(COLLECTION_LIMIT.default)
    .describe(
      `The most videos to list, in the collection's order (default ${COLLECTION_LIMIT.default}, at most ${COLLECTION_LIMIT.max}); this many units of the daily quota are charged when the collection is created, and those of the entries it turns out not to have are given back once it is listed.`,
    ),
  // Only bounded here: callbackUrlOf refuses a bad one with INVALID_CALLBACK_URL and its reason.
  callbackUrl: z
    .string()
    .max(MAX_CALLBACK_URL_LENGTH)
    .optional()
    .describe(
      "An https URL (port 443, public host) that gets a signed collection.completed (or collection.failed) webhook when the job ends; the key needs a webhook secret.",
    ),
});
export type CollectionRequest = z.input<typeof CollectionRequestSchema>;

/**
 * The collection a valid request names, and its callback URL as the WHATWG parser writes it:
 * INVALID_COLLECTION_REFERENCE saying why not, a tab asked of a playlist INVALID_REQUEST, a callback
 * URL that may not be called INVALID_CALLBACK_URL. The edge checks before spending quota, the origin again.
 */
export function checkedCollection(request: {
  collection: string;
  tab?: string | undefined;
  callbackUrl?: string | undefined;
}): { ref: CollectionRef; callbackUrl?: string } {
  const parsed = parseCollectionRef(request.collection);
  if (!parsed.ok) throw new ApiError("INVALID_COLLECTION_REFERENCE", { details: { reason: parsed.reason } });
  if (request.tab !== undefined && parsed.ref.type === "playlist") {
    throw invalidRequest([{ path: ["tab"], message: "tab is for channels; a playlist has none" }]);
  }
  return {
    ref: parsed.ref,
    ...(request.callbackUrl === undefined ? {} : { callbackUrl: callbackUrlOf(request.callbackUrl) }),
  };
}

/** A stable string for a normalised request; equal requests, equal keys. */
export function requestKey(work: WorkRequest): string {
  const r = work.request;
  if (work.kind === "languages") return `languages/${r.videoId}`;
  return `transcript/${r.videoId}/${r.languages.join(",")}/${r.kind}/${r.translateTo ?? "-"}/${r.fallback}`;
}

/** requestKey hashed: safe as a BullMQ job id or a cache key (no ':' or '/'). */
export async function requestHash(work: WorkRequest): Promise<string> {
  return (await sha256Hex(requestKey(work))).slice(0, 32);
}

/** How long an answer stays valid, by outcome: used by the origin's result store and the edge cache. */
export function isPermanentFailure(code: keyof typeof ERRORS): boolean {
  return !ERRORS[code].retryable;
}

export const JobStatusSchema = z.enum(["queued", "active", "completed", "failed"]);

/**
 * The 202 answer, and the body of GET /v1/jobs/{id}. A collection job (`job.kind`) carries the
 * listing, its progress and a page of its items instead of `result`; `error` is then the whole
 * collection's failure (no such playlist), each item's own being in `items`; a collection with a
 * callbackUrl also shows its webhook's `deliveries`.
 */
export const JobBodySchema = z.object({
  job: z.object({
    id: z.string(),
    status: JobStatusSchema,
    statusUrl: z.string(),
    kind: z.literal("collection").optional(),
  }),
  collection: CollectionInfoSchema.optional(),
  progress: CollectionProgressSchema.optional(),
  items: z.array(CollectionItemSchema).optional(),
  /** The cursor of the next page of items, when there is one. */
  nextCursor: z.string().optional(),
  result: z.union([TranscriptSchema, LanguageListSchema]).optional(),
  deliveries: z
    .array(WebhookDeliverySchema)
    .optional()
    .describe(
      "A collection with a callbackUrl: its webhook's deliveries, oldest first, each with every attempt; empty until the collection has ended and the first attempt is made.",
    ),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      retryable: z.boolean(),
      details: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  requestId: z.string(),
});
export type JobBody = z.infer<typeof JobBodySchema>;
