import { z } from "zod";
import { ERROR_CODES } from "./errors.js";
import { TranscriptSchema } from "./transcript.js";

/**
 * The calls a collection's coordinator (at the origin's workers) makes to the edge, the reverse of
 * forwarding. Signed as forwarded requests are (signing.ts), with a key of its own (EDGE_LINK_KEY at
 * the workers, ORIGIN_LINK_KEY_ID and ORIGIN_LINK_SECRET at the edge): the workers holding it cannot
 * sign requests to the origin API, and the edge's forwarding key opens nothing here.
 *
 * Which of its videos the edge's store (KV, answers kept for weeks) already holds, as the origin's
 * own store keeps them a day: a video answered there costs no extraction.
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
 * An answer the edge holds fresh (a transcript, or a remembered permanent failure), in the shape the
 * origin's result store keeps, with how long it stays fresh: the origin keeps its copy no longer, so a
 * later refresh of the edge's entry, which asks the origin, never gets this copy back as new. Only
 * transcripts: collections fetch nothing else.
 */
export const EdgeAnswerSchema = z.object({
  hash: RequestHashSchema,
  freshForSeconds: z.number().int().positive(),
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

/**
 * The answer to a lookup: the hashes found, in no particular order; those not listed are not held (or
 * did not fit in MAX_ANSWERS_BYTES). Read one answer at a time (EdgeAnswerSchema): one the reader
 * cannot take costs only its own video an extraction.
 */
export const EdgeAnswersSchema = z.object({ answers: z.array(z.unknown()) });

/** The transcripts of one lookup's answer, at most: 50 three-hour transcripts would be tens of MB. */
export const MAX_ANSWERS_BYTES = 8 * 1024 * 1024;

/**
 * A collection is charged its `limit` when created (the edge's quota is counted only there, before
 * any work); once it is listed, the units of the entries it did not have come back. Before asking the
 * origin, the edge notes the charge in the key's quota counter under a charge id of its own, and hands
 * the origin `chargeRef`: the counter's Durable Object id (which names no key) and that charge id. The
 * coordinator settles with it once: the counter gives back at most the charge it noted, once, so a
 * forged or repeated call gains nothing more.
 */
export const EDGE_SETTLE_PATH = "/internal/collection-charges";

/** `<Durable Object id, 64 hex>.<charge id, 32 hex>`. */
export const ChargeRefSchema = z.string().regex(/^[0-9a-f]{64}\.[0-9a-f]{32}$/);

export const ChargeSettlementSchema = z.strictObject({
  chargeRef: ChargeRefSchema,
  /** Entries the listing holds (0 for a collection that could not be listed): what it costs, at most its charge. */
  listed: z.number().int().nonnegative(),
});
export type ChargeSettlement = z.infer<typeof ChargeSettlementSchema>;

export const SettledChargeSchema = z.object({ refunded: z.number().int().nonnegative() });
