import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { Redis } from "ioredis";

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** Serves a fetch handler over Node HTTP; resolves once it listens (port 0 picks a free port). */
export function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
) {
  return new Promise<Listening>((resolve) => {
    const server = serve({ fetch, port, hostname }, () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    );
  });
}

/**
 * BullMQ's graceful shutdown within a grace period: `close()` lets running jobs end; past the grace,
 * `close(true)` leaves them to lose their lock and run again elsewhere. Says whether all ended in time.
 */
export async function drainWithin(
  closeable: { close(force?: boolean): Promise<void> },
  graceMs: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    closeable.close().then(() => true),
    new Promise<false>((r) => {
      timer = setTimeout(() => r(false), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (!drained) await closeable.close(true);
  return drained;
}

/**
 * The probes of a process that runs a BullMQ Worker (its ops port): alive while it answers, ready while
 * the Worker runs and its Redis answers.
 */
export function workerProbes(worker: { isRunning(): boolean }, redis: Redis): Hono {
  const ops = new Hono();
  ops.get("/healthz", (c) => c.json({ ok: true }));
  ops.get("/readyz", async (c) => {
    const ok = worker.isRunning() && (await redis.ping().catch(() => undefined)) === "PONG";
    return c.json({ ok }, ok ? 200 : 503);
  });
  return ops;
}
