import { type Forwarder, startForwarder } from "./forwarder.js";
import { openTunnel, TunnelRefused } from "./tunnel.js";

/** How a job went for its proxy: "failed" blames neither (the video, the engine), the others do. */
export type ProxyOutcome = "ok" | "blocked" | "auth_failed" | "unreachable" | "failed";

/** The proxy a job goes out through, every request of it (browser and Node alike). */
export interface Egress {
  /** p1, p2… in PROXY_URLS order: what logs and metrics name, never the URL (it holds credentials). */
  id: string;
  /** The local forwarder in front of it: http://127.0.0.1:<port>, no credentials. */
  proxyServer: string;
}

/** Every proxy is quarantined: the job should wait until `retryAt` (ms since the epoch), not fail. */
export class NoEgress extends Error {
  constructor(readonly retryAt: number) {
    super("every proxy is quarantined");
    this.name = "NoEgress";
  }
}

export interface ProxyPoolOptions {
  /** The first quarantine; each further strike in a row doubles it. */
  quarantineBaseMs: number;
  quarantineMaxMs: number;
  onOutcome?: (proxy: string, outcome: ProxyOutcome) => void;
}

interface Entry {
  id: string;
  upstream: string;
  forwarder?: Promise<Forwarder>;
  /** Strikes in a row (reset by a success) and the end of the current quarantine. */
  strikes: number;
  until: number;
}

/** The status proxy-chain answers a CONNECT with when the upstream proxy refused its credentials. */
const UPSTREAM_AUTH_FAILED = 597;

/**
 * The worker's proxies. A job takes one (round robin over those not quarantined) for all of its
 * requests; a proxy that refuses its credentials, cannot be reached, or whose job YouTube blocks is
 * quarantined with exponential back-off while the others take the work. Quarantines are per worker
 * process: each learns of a burnt exit by its own jobs.
 */
export class ProxyPool {
  private readonly entries: Entry[];
  private turn = 0;

  constructor(
    upstreams: readonly string[],
    private readonly options: ProxyPoolOptions,
  ) {
    this.entries = upstreams.map((upstream, i) => ({ id: `p${i + 1}`, upstream, strikes: 0, until: 0 }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Each proxy's id and where it goes (host:port), for the start-up log: never its credentials. */
  describe(): { id: string; proxy: string }[] {
    return this.entries.map(({ id, upstream }) => {
      const url = new URL(upstream);
      return { id, proxy: `${url.protocol}//${url.host}` };
    });
  }

  /** The next proxy not quarantined, its forwarder started on first use; NoEgress when there is none. */
  async acquire(now = Date.now()): Promise<Egress> {
    const available = this.entries.filter((e) => e.until <= now);
    if (available.length === 0) throw new NoEgress(Math.min(...this.entries.map((e) => e.until)));
    const entry = available[this.turn++ % available.length] as Entry;
    entry.forwarder ??= startForwarder(entry.upstream);
    try {
      return { id: entry.id, proxyServer: (await entry.forwarder).url };
    } catch (error) {
      entry.forwarder = undefined;
      throw error;
    }
  }

  report(id: string, outcome: ProxyOutcome, now = Date.now()): void {
    const entry = this.entries.find((e) => e.id === id);
    if (!entry) return;
    if (outcome === "ok") {
      entry.strikes = 0;
      entry.until = 0;
    } else if (outcome !== "failed") {
      const { quarantineBaseMs, quarantineMaxMs } = this.options;
      entry.until = now + Math.min(quarantineMaxMs, quarantineBaseMs * 2 ** entry.strikes);
      entry.strikes++;
    }
    this.options.onOutcome?.(id, outcome);
  }

  /** Whether the proxy itself works: a CONNECT to host:port through it (after a job failed without a clear cause). */
  async probe(egress: Egress, host: string, port: number): Promise<"ok" | "auth_failed" | "unreachable"> {
    try {
      const socket = await openTunnel(egress.proxyServer, host, port, AbortSignal.timeout(10_000));
      socket.destroy();
      return "ok";
    } catch (error) {
      return error instanceof TunnelRefused && error.status === UPSTREAM_AUTH_FAILED
        ? "auth_failed"
        : "unreachable";
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.entries.map(async (e) => (await e.forwarder?.catch(() => undefined))?.close()));
  }
}
