import {
  AnswerLookupSchema,
  ApiError,
  EDGE_ANSWERS_PATH,
  type EdgeAnswer,
  type ErrorBody,
  type Transcript,
  verifyRequest,
} from "@ytt/shared";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { freshness, readAnswer, type StoredAnswer } from "../cache/store.js";
import { bodyUpTo } from "./request.js";

/** Fifty hashes and their JSON: anything near this size is not a lookup. */
const MAX_BODY_BYTES = 8 * 1024;

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
 * POST /internal/answers: which of these request hashes the edge's store would answer, with the
 * answers (shared/src/edge-link.ts says why). Only the origin's workers may ask (their own signing
 * key, refused as the origin refuses unsigned requests); mounted before the per-address limiter, as
 * every call comes from the origin's few addresses. Without ORIGIN_LINK_SECRET it does not exist.
 * Read-only and idempotent, so a replay inside the signature's minute gains nothing: no nonce store.
 */
export const answers = new Hono<AppEnv>().post(EDGE_ANSWERS_PATH, bodyUpTo(MAX_BODY_BYTES), async (c) => {
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
  let lookup: ReturnType<typeof AnswerLookupSchema.safeParse>;
  try {
    lookup = AnswerLookupSchema.safeParse(JSON.parse(new TextDecoder().decode(body)));
  } catch {
    throw new ApiError("INVALID_REQUEST", { message: "The body is not JSON." });
  }
  if (!lookup.success) {
    throw new ApiError("INVALID_REQUEST", { message: "The body is not a lookup of request hashes." });
  }
  const now = Date.now();
  const found = await Promise.all(
    lookup.data.hashes.map(async (hash) => {
      const entry = await readAnswer(c.env.TRANSCRIPTS, hash);
      const outcome = entry && servedOutcome(entry, now);
      return outcome ? { hash, outcome } : undefined;
    }),
  );
  const held: EdgeAnswer[] = found.filter((answer) => answer !== undefined);
  return c.json({ answers: held }, 200, { "Cache-Control": "no-store" });
});
