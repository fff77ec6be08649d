import { z } from "zod";
import { ERROR_CODES } from "./errors.js";
import { TranscriptSchema } from "./transcript.js";

/**
 * The one call the origin makes to the edge, the reverse of forwarding: a collection's coordinator
 * asks which of its videos the edge's store (KV, answers kept for weeks) already holds, as the
 * origin's own store keeps them a day; a video answered there costs no extraction. Signed as
 * forwarded requests are (signing.ts), with a key of its own (EDGE_LINK_KEY at the origin's worker,
 * ORIGIN_LINK_KEY_ID and ORIGIN_LINK_SECRET at the edge): the worker holding it cannot sign requests
 * to the origin API, and the edge's forwarding key opens nothing here.
 */
export const EDGE_ANSWERS_PATH = "/internal/answers";

/** Request hashes per call, at most: a coordinator reads its items 50 at a time. */
export const MAX_ANSWER_LOOKUP = 50;

/** requestHash's output: 32 lower-case hex digits. */
const RequestHashSchema = z.string().regex(/^[0-9a-f]{32}$/);

export const AnswerLookupSchema = z.strictObject({
  hashes: z.array(RequestHashSchema).min(1).max(MAX_ANSWER_LOOKUP),
});
export type AnswerLookup = z.infer<typeof AnswerLookupSchema>;

/**
 * An answer the edge would serve a request without asking the origin (fresh, or stale while it is
 * refreshed; a remembered permanent failure), in the shape the origin's result store keeps.
 * Only transcripts: collections fetch nothing else.
 */
export const EdgeAnswerSchema = z.object({
  hash: RequestHashSchema,
  outcome: z.discriminatedUnion("ok", [
    z.object({ ok: z.literal(true), value: TranscriptSchema }),
    z.object({
      ok: z.literal(false),
      error: z.object({
        code: z.enum(ERROR_CODES),
        message: z.string(),
        details: z.record(z.string(), z.unknown()).optional(),
      }),
    }),
  ]),
});
export type EdgeAnswer = z.infer<typeof EdgeAnswerSchema>;

/** The answer to a lookup: the hashes found, in no particular order; those not listed are not held. */
export const EdgeAnswersSchema = z.object({ answers: z.array(EdgeAnswerSchema) });
export type EdgeAnswers = z.infer<typeof EdgeAnswersSchema>;
