import {
  AnswerLookupSchema,
  ApiError,
  ChargeSettlementSchema,
  EDGE_ANSWERS_PATH,
  EDGE_SETTLE_PATH,
  type EdgeAnswer,
  type ErrorBody,
  MAX_ANSWERS_BYTES,
  type Transcript,
  verifyRequest,
} from "@ytt/shared";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import type { AppEnv } from "../app-env.js";
import { readAnswer, type StoredAnswer } from "../cache/store.js";
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

/**
 * The answer the origin may take from this entry: a fresh transcript or remembered failure. One a
 * request would be served stale (and refreshed) is not handed over: the origin's copy would outlive
 * the refresh, and be what the refresh is served.
 */
function freshAnswer(hash: string, entry: StoredAnswer, now: number): EdgeAnswer | undefined {
  if (entry.kind !== "transcript" || now >= entry.freshUntil) return undefined;
  const freshForSeconds = Math.ceil((entry.freshUntil - now) / 1000);
  if (entry.outcome === "error") {
    const { code, message, details } = (entry.body as ErrorBody).error;
    return {
      hash,
      freshForSeconds,
      outcome: { ok: false, error: { code, message, ...(details ? { details } : {}) } },
    };
  }
  return { hash, freshForSeconds, outcome: { ok: true, value: entry.body as Transcript } };
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
        return entry && freshAnswer(hash, entry, now);
      }),
    );
    // Answers past MAX_ANSWERS_BYTES are left out: their videos are extracted, as if not held.
    const lines: string[] = [];
    let bytes = 0;
    for (const answer of found) {
      if (!answer) continue;
      const line = JSON.stringify(answer);
      if (bytes + line.length > MAX_ANSWERS_BYTES) continue;
      bytes += line.length;
      lines.push(line);
    }
    return c.body(`{"answers":[${lines.join(",")}]}`, 200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-store",
    });
  })
  /** A listed collection's charge settled: the units of the entries it did not have come back. */
  .post(EDGE_SETTLE_PATH, async (c) => {
    const { chargeRef, listed } = parsed(ChargeSettlementSchema, c.var.linkBody, "a collection's settlement");
    const [counterId = "", chargeId = ""] = chargeRef.split(".");
    let counter: DurableObjectId;
    try {
      counter = c.env.QUOTA.idFromString(counterId);
    } catch {
      throw new ApiError("INVALID_REQUEST", { message: "chargeRef names no quota counter." });
    }
    const settled = await c.env.QUOTA.get(counter).settleCollection(chargeId, listed);
    if (!settled) throw new ApiError("NOT_FOUND", { message: "No such charge." });
    return c.json(settled, 200, { "Cache-Control": "no-store" });
  });
