import {
  type ChargeSettlement,
  EDGE_ANSWERS_PATH,
  EDGE_SETTLE_PATH,
  EdgeAnswersSchema,
  MAX_ANSWER_LOOKUP,
  SettledChargeSchema,
  type SigningKey,
  signRequest,
} from "@ytt/shared";
import type { z } from "zod";
import type { Logger } from "../observability/logger.js";
import type { Outcome } from "../queue/outcome.js";

/** Each call is a few KV reads or one Durable Object call at the edge: one slower than this is given up. */
const CALL_TIMEOUT_MS = 10_000;

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
  ) {}

  /** The outcomes the edge's store holds among these request hashes (asked MAX_ANSWER_LOOKUP at a time). */
  async lookup(hashes: string[]): Promise<Map<string, Outcome>> {
    const held = new Map<string, Outcome>();
    for (let start = 0; start < hashes.length; start += MAX_ANSWER_LOOKUP) {
      const asked = new Set(hashes.slice(start, start + MAX_ANSWER_LOOKUP));
      const answer = await this.call(EDGE_ANSWERS_PATH, { hashes: [...asked] }, EdgeAnswersSchema);
      for (const { hash, outcome } of answer?.answers ?? []) if (asked.has(hash)) held.set(hash, outcome);
    }
    return held;
  }

  /** Gives back the unlisted part of a collection's charge; the units refunded, undefined if not (yet) done. */
  async settleCharge(settlement: ChargeSettlement): Promise<number | undefined> {
    return (await this.call(EDGE_SETTLE_PATH, settlement, SettledChargeSchema))?.refunded;
  }

  private async call<S extends z.ZodType>(
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
      const parsed = response.status === 200 ? schema.safeParse(await response.json()) : undefined;
      if (parsed?.success) return parsed.data;
      this.log.warn({ path, status: response.status }, "the edge did not take the call");
    } catch (err) {
      this.log.warn({ path, err }, "the edge could not be called");
    }
    return undefined;
  }
}
