/**
 * The edge as a collection's coordinator calls it (shared/src/edge-link.ts), as a real HTTP server
 * that checks each call's signature with the shared verifier, as the edge's routes do (those run in
 * workerd in edge-worker/test/origin-link.test.ts; the whole chain in test/e2e/collections.test.ts).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AnswerLookupSchema,
  ChargeSettlementSchema,
  EDGE_ANSWERS_PATH,
  EDGE_SETTLE_PATH,
  type EdgeAnswer,
  verifyRequest,
} from "@ytt/shared";

export const LINK_KEY = { id: "origin-test", secret: "test-origin-link-secret-0123456789abcdef" };

export interface EdgeCall {
  /** When it came (ms since the epoch). */
  at: number;
  path: string;
  verified: boolean;
  body: unknown;
  status: number;
}

export interface EdgeStandIn {
  url: string;
  /** The edge's store: request hash → the outcome it would serve. */
  held: Map<string, EdgeAnswer["outcome"]>;
  /** Every call, in order. */
  calls: EdgeCall[];
  /** What the next lookups answer: the store, a 500, or a body that is not the edge's. */
  misbehave: "no" | "500" | "not-ours" | "extra";
  /** Settlements answered 404 (the edge's note of the charge not landed yet) before one is taken. */
  settlementsRefused: number;
  /** What a settlement taken gives back: the charge less what was listed. */
  charge: number;
  /** How long the answers held stay fresh at the edge. */
  freshForSeconds: number;
  close(): Promise<void>;
}

export async function startEdgeStandIn(): Promise<EdgeStandIn> {
  const edge: Omit<EdgeStandIn, "url" | "close"> = {
    held: new Map(),
    calls: [],
    misbehave: "no",
    settlementsRefused: 0,
    charge: 0,
    freshForSeconds: 3600,
  };
  const answer = async (path: string, body: Buffer, verified: boolean): Promise<[number, unknown]> => {
    if (!verified) return [401, {}];
    const json: unknown = JSON.parse(body.toString("utf8"));
    if (path === EDGE_SETTLE_PATH) {
      const { listed } = ChargeSettlementSchema.parse(json);
      if (edge.settlementsRefused-- > 0) return [404, {}];
      return [200, { refunded: Math.max(0, edge.charge - listed) }];
    }
    const { hashes } = AnswerLookupSchema.parse(json);
    if (edge.misbehave === "500") return [500, {}];
    if (edge.misbehave === "not-ours") return [200, { answers: [{ hash: "x", outcome: 1 }] }];
    const answers: unknown[] = hashes.flatMap((hash) => {
      const outcome = edge.held.get(hash);
      return outcome ? [{ hash, freshForSeconds: edge.freshForSeconds, outcome }] : [];
    });
    if (edge.misbehave === "extra") {
      // One not asked for, and one that is no answer at all: each is left out alone.
      const internal = { ok: false, error: { code: "INTERNAL", message: "x" } };
      answers.push({ hash: "f".repeat(32), freshForSeconds: 60, outcome: internal });
      answers.push({ hash: hashes[0], outcome: "not an outcome" });
    }
    return [200, { answers }];
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? "";
      const verdict = await verifyRequest({
        method: req.method ?? "",
        pathWithQuery: path,
        headers: new Headers(req.headers as Record<string, string>),
        body,
        secretFor: (id) => (id === LINK_KEY.id ? LINK_KEY.secret : undefined),
      });
      const verified = verdict.ok && (path === EDGE_ANSWERS_PATH || path === EDGE_SETTLE_PATH);
      const [status, reply] = await answer(path, body, verified);
      edge.calls.push({
        at: Date.now(),
        path,
        verified,
        body: JSON.parse(body.toString("utf8") || "null"),
        status,
      });
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(edge, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
