import {
  type ChargeSettlement,
  EDGE_ANSWERS_PATH,
  EDGE_SETTLE_PATH,
  EdgeAnswerSchema,
  EdgeAnswersSchema,
  MAX_ANSWER_LOOKUP,
  SettledChargeSchema,
  type SigningKey,
  signRequest,
} from "@ytt/shared";
import type { z } from "zod";
import type { Logger } from "../observability/logger.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import type { Outcome } from "../queue/outcome.js";

/**
 * Each call is a few KV reads or one Durable Object call at the edge: one slower than this is given
 * up, so an edge that hangs holds a pass (up to four lookups) seconds, not minutes.
 */
const CALL_TIMEOUT_MS = 3_000;

/** What the edge holds for a request: the outcome, and how long the origin may keep its copy. */
export interface HeldAnswer {
  outcome: Outcome;
  freshForSeconds: number;
}

/**
 * A collection coordinator's calls to the edge (shared/src/edge-link.ts), signed with the workers'
 * own key. Neither may hold a collection up: a call that fails (the edge away, slow, answering
 * something else) is logged, and the lookup finds nothing (those videos are extracted), the
 * settlement is made on a later pass.
 */
export class EdgeLink {
  constructor(
    private readonly edgeUrl: string,
    private readonly key: SigningKey,
    private readonly log: Logger,
    /** Each call by outcome: ok, refused (the edge answered, but not 200), failed (no usable answer). */
    private readonly calls?: WorkerMetrics["edgeCalls"],
  ) {}

  /**
   * The answers the edge's store holds fresh among these request hashes (asked MAX_ANSWER_LOOKUP at a
   * time). Each is read on its own: one that is not what we asked for, or not an answer, is left out.
   */
  async lookup(hashes: string[]): Promise<Map<string, HeldAnswer>> {
    const held = new Map<string, HeldAnswer>();
    for (let start = 0; start < hashes.length; start += MAX_ANSWER_LOOKUP) {
      const asked = new Set(hashes.slice(start, start + MAX_ANSWER_LOOKUP));
      const answer = await this.call("lookup", EDGE_ANSWERS_PATH, { hashes: [...asked] }, EdgeAnswersSchema);
      for (const raw of answer?.answers ?? []) {
        const parsed = EdgeAnswerSchema.safeParse(raw);
        if (!parsed.success || !asked.has(parsed.data.hash)) continue;
        const { hash, outcome, freshForSeconds } = parsed.data;
        held.set(hash, { outcome, freshForSeconds });
      }
    }
    return held;
  }

  /** Gives back the unlisted part of a collection's charge; the units refunded, undefined if not (yet) done. */
  async settleCharge(settlement: ChargeSettlement): Promise<number | undefined> {
    return (await this.call("settlement", EDGE_SETTLE_PATH, settlement, SettledChargeSchema))?.refunded;
  }

  private async call<S extends z.ZodType>(
    call: "lookup" | "settlement",
    path: string,
    json: unknown,
    schema: S,
  ): Promise<z.output<S> | undefined> {
    const url = new URL(path, this.edgeUrl);
    const body = JSON.stringify(json);
    try {
      const signed = await signRequest({ method: "POST", pathWithQuery: url.pathname, body, key: this.key });
      const response = await fetch(url, {
        method: "POST",
        headers: { ...signed, "Content-Type": "application/json", Accept: "application/json" },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        this.calls?.inc({ call, outcome: "refused" });
        this.log.warn({ path, status: response.status }, "the edge did not take the call");
        return undefined;
      }
      const parsed = schema.safeParse(await response.json());
      if (parsed.success) {
        this.calls?.inc({ call, outcome: "ok" });
        return parsed.data;
      }
      this.log.warn({ path }, "the edge answered something else");
    } catch (err) {
      this.log.warn({ path, err }, "the edge could not be called");
    }
    this.calls?.inc({ call, outcome: "failed" });
    return undefined;
  }
}
