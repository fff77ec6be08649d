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

/**
 * A collection is charged its `limit` when created (the edge's quota is counted only there, before
 * any work); once it is listed, the units of the entries it did not have come back. The edge hands
 * the origin a reference to the key's quota counter with the order (its Durable Object id, which
 * names no key), and the coordinator settles with it once: the counter itself holds what the
 * collection was charged and refunds at most that, once, so a forged call can gain nothing more.
 */
export const EDGE_SETTLE_PATH = "/internal/collection-charges";

/** A Durable Object id as its string: 64 hex digits. */
export const ChargeRefSchema = z.string().regex(/^[0-9a-f]{64}$/);

export const ChargeSettlementSchema = z.strictObject({
  chargeRef: ChargeRefSchema,
  /** The collection's job id at the origin (the second part of its job token). */
  collectionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** Entries the listing holds: what the collection costs, at most its charge. */
  listed: z.number().int().nonnegative(),
});
export type ChargeSettlement = z.infer<typeof ChargeSettlementSchema>;

export const SettledChargeSchema = z.object({ refunded: z.number().int().nonnegative() });
