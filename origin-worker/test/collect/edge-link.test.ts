/** The worker's side of calling the edge (collect/edge-link.ts), against a signed stand-in edge. */
import { sha256Hex } from "@ytt/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EdgeLink } from "../../src/collect/edge-link.js";
import { createLogger } from "../../src/observability/logger.js";
import { createWorkerMetrics, type WorkerMetrics } from "../../src/observability/metrics.js";
import { type EdgeStandIn, LINK_KEY, startEdgeStandIn } from "./edge-stand-in.js";

const log = createLogger("silent", { service: "edge-link-test" });
const hashOf = async (n: number) => (await sha256Hex(`video-${n}`)).slice(0, 32);
const disabled = { ok: false as const, error: { code: "TRANSCRIPTS_DISABLED" as const, message: "none" } };

let edge: EdgeStandIn;
let link: EdgeLink;
let metrics: WorkerMetrics;
beforeAll(async () => {
  edge = await startEdgeStandIn();
});
beforeEach(() => {
  edge.calls.length = 0;
  edge.held.clear();
  edge.misbehave = "no";
  metrics = createWorkerMetrics();
  link = new EdgeLink(edge.url, LINK_KEY, log, metrics.edgeCalls);
});

/** ytt_edge_calls_total by "call/outcome", as the worker's /metrics shows it. */
async function edgeCalls(): Promise<Record<string, number>> {
  const { values } = await metrics.edgeCalls.get();
  return Object.fromEntries(values.map((v) => [`${v.labels.call}/${v.labels.outcome}`, v.value]));
}
afterAll(() => edge.close());

describe("EdgeLink.lookup (a collection asking the edge's store)", () => {
  it("asks in signed calls of at most 50 hashes and hands back what the edge holds", async () => {
    const hashes = await Promise.all(Array.from({ length: 120 }, (_, n) => hashOf(n)));
    edge.held.set(hashes[3] as string, disabled);
    edge.held.set(hashes[117] as string, disabled);

    const found = await link.lookup(hashes);
    expect([...found.keys()].sort()).toEqual([hashes[3], hashes[117]].sort());
    expect(found.get(hashes[3] as string)).toEqual({
      outcome: disabled,
      freshForSeconds: edge.freshForSeconds,
    });
    expect(edge.calls.map((c) => [(c.body as { hashes: string[] }).hashes.length, c.verified])).toEqual([
      [50, true],
      [50, true],
      [20, true],
    ]);
    expect(await edgeCalls()).toEqual({ "lookup/ok": 3 });
  });

  it("finds nothing, and throws nothing, when the edge refuses, fails, answers nonsense or is away", async () => {
    const hashes = [await hashOf(3)];
    edge.held.set(hashes[0] as string, disabled);
    const wrongKey = new EdgeLink(
      edge.url,
      { id: LINK_KEY.id, secret: "another-secret-0123456789abcdef-0123" },
      log,
      metrics.edgeCalls,
    );
    expect((await wrongKey.lookup(hashes)).size).toBe(0);
    for (const mode of ["500", "not-ours"] as const) {
      edge.misbehave = mode;
      expect((await link.lookup(hashes)).size, mode).toBe(0);
    }
    const away = new EdgeLink("http://127.0.0.1:9", LINK_KEY, log, metrics.edgeCalls);
    expect((await away.lookup(hashes)).size).toBe(0);
    // Counted: the wrong key's 401 and the 500 refused; the nonsense an answer whose one entry was
    // dropped (the call itself went through); the edge away failed.
    expect(await edgeCalls()).toEqual({ "lookup/refused": 2, "lookup/ok": 1, "lookup/failed": 1 });
  });

  it("takes nothing it did not ask for, and drops an answer it cannot read without the others", async () => {
    edge.misbehave = "extra";
    const [first, second] = [await hashOf(3), await hashOf(4)];
    edge.held.set(first, disabled);
    edge.held.set(second, disabled);
    // The stand-in adds an answer not asked for, and a malformed one for the first hash.
    const found = await link.lookup([first, second]);
    expect([...found.keys()].sort()).toEqual([first, second].sort());
  });
});

describe("EdgeLink.settleCharge", () => {
  it("answers the units given back, or nothing while the edge cannot take it", async () => {
    const settlement = { chargeRef: `${"ab".repeat(32)}.${"cd".repeat(16)}`, listed: 3 };
    edge.charge = 10;
    edge.settlementsRefused = 1;
    expect(await link.settleCharge(settlement)).toBeUndefined();
    expect(await link.settleCharge(settlement)).toBe(7);
    expect(await edgeCalls()).toEqual({ "settlement/refused": 1, "settlement/ok": 1 });
    expect(edge.calls.map((c) => [c.status, c.verified, c.body])).toEqual([
      [404, true, settlement],
      [200, true, settlement],
    ]);
  });
});
