import {
  AnswerLookupSchema,
  ApiError,
  ChargeSettlementSchema,
  EDGE_ANSWERS_PATH,
  EDGE_SETTLE_PATH,
  type EdgeAnswer,
  type ErrorBody,
  type Transcript,
  verifyRequest,
} from "@ytt/shared";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import type { AppEnv } from "../app-env.js";
import { freshness, readAnswer, type StoredAnswer } from "../cache/store.js";
import { bodyUpTo } from "./request.js";

/** Fifty hashes and their JSON: anything near this size is not one of these calls. */
const MAX_BODY_BYTES = 8 * 1024;

/**
 * Lets through only calls the origin's workers signed with their own key (shared/src/edge-link.ts),
 * refused as the origin refuses unsigned requests; without ORIGIN_LINK_SECRET the routes do not
 * exist. No nonce store: a lookup is read-only, and a settlement is made once by the quota counter,
 * so a replay inside the signature's minute gains nothing.
 */
const originSigned = createMiddleware<AppEnv & { Variables: { linkBody: unknown } }>(async (c, next) => {
  const key = c.var.config.originLinkKey;
  if (!key) throw new ApiError("NOT_FOUND");
  const body = new Uint8Array(await c.req.arrayBuffer());
  const url = new URL(c.req.url);
  const verdict = await verifyRequest({
    method: c.req.method,
    pathWithQuery: url.pathname + url.search,
    headers: c.req.raw.headers,
    body,
    secretFor: (id) => (id === key.id ? key.secret : undefined),
  });
  if (!verdict.ok) {
    throw new ApiError("UNAUTHORIZED", {
      message: "The request is not signed by the origin.",
      details: { reason: verdict.reason },
    });
  }
  try {
    c.set("linkBody", JSON.parse(new TextDecoder().decode(body)));
  } catch {
    throw new ApiError("INVALID_REQUEST", { message: "The body is not JSON." });
  }
  await next();
});

function parsed<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ApiError("INVALID_REQUEST", { message: `The body is not ${what}.` });
  return result.data;
}

/** The outcome the origin's result store would hold, when a request now would be answered from this entry. */
function servedOutcome(entry: StoredAnswer, now: number): EdgeAnswer["outcome"] | undefined {
  if (entry.kind !== "transcript") return undefined;
  if (entry.outcome === "error") {
    if (now >= entry.freshUntil) return undefined;
    const { code, message, details } = (entry.body as ErrorBody).error;
    return { ok: false, error: { code, message, ...(details ? { details } : {}) } };
  }
  // Past its stale-while-revalidate window a request asks the origin first: so does the collection.
  if (freshness(entry, now) === "stale-if-error") return undefined;
  return { ok: true, value: entry.body as Transcript };
}

/**
 * The origin's workers' calls to the edge. Mounted before the per-address limiter: every call comes
 * from the origin's few addresses.
 */
export const originLink = new Hono<AppEnv & { Variables: { linkBody: unknown } }>()
  .use("/internal/*", bodyUpTo(MAX_BODY_BYTES), originSigned)
  /** Which of these request hashes the edge's store would answer, with the answers. */
  .post(EDGE_ANSWERS_PATH, async (c) => {
    const { hashes } = parsed(AnswerLookupSchema, c.var.linkBody, "a lookup of request hashes");
    const now = Date.now();
    const found = await Promise.all(
      hashes.map(async (hash) => {
        const entry = await readAnswer(c.env.TRANSCRIPTS, hash);
        const outcome = entry && servedOutcome(entry, now);
        return outcome ? { hash, outcome } : undefined;
      }),
    );
    const answers: EdgeAnswer[] = found.filter((answer) => answer !== undefined);
    return c.json({ answers }, 200, { "Cache-Control": "no-store" });
  })
  /** A listed collection's charge settled: the units of the entries it did not have come back. */
  .post(EDGE_SETTLE_PATH, async (c) => {
    const { chargeRef, collectionId, listed } = parsed(
      ChargeSettlementSchema,
      c.var.linkBody,
      "a collection's settlement",
    );
    let counter: DurableObjectId;
    try {
      counter = c.env.QUOTA.idFromString(chargeRef);
    } catch {
      throw new ApiError("INVALID_REQUEST", { message: "chargeRef names no quota counter." });
    }
    const settled = await c.env.QUOTA.get(counter).settleCollection(collectionId, listed);
    if (!settled) throw new ApiError("NOT_FOUND", { message: "No charge of this collection (yet)." });
    return c.json(settled, 200, { "Cache-Control": "no-store" });
  });
