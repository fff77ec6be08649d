import {
  ApiError,
  type ChannelTab,
  type CollectionRef,
  type LanguageList,
  type Transcript,
  type WorkRequest,
} from "@ytt/shared";
import { BrowserHost } from "../browser/browser-host.js";
import type { UpstreamOverride } from "../browser/chromium.js";
import { type CollectionListing, expandCollection } from "../collect/expand.js";
import { EngineConfigSchema } from "../config.js";
import type { Egress, ProxyPool } from "../egress/pool.js";
import { createUpstreamFetch } from "../upstream/fetch.js";
import { innertubeClients } from "./innertube/clients.js";
import type { RouteHealth, RouteOutcome } from "./route-health.js";
import { runRoutes } from "./routes.js";
import { innertubeStrategy } from "./strategies/innertube.js";
import { playerPage } from "./strategies/player-page.js";
import type { Strategy, StrategyJob } from "./strategies/strategy.js";

export interface EngineOptions {
  /** https://www.youtube.com in production; the double's origin in tests. */
  youtubeOrigin?: string;
  /** Found automatically when absent (/usr/bin/chromium, chromium-browser, google-chrome). */
  chromiumPath?: string | undefined;
  /** The proxies jobs go out through (PROXY_URLS), one per job; absent: straight out. */
  proxies?: ProxyPool | undefined;
  userAgent?: string | undefined;
  /** Test-only: where YouTube's hostnames resolve and which extra server key is trusted (the double). */
  upstream?: UpstreamOverride | undefined;
  /** BCP 47, e.g. en-US: the browser's language and the page's hl. */
  locale?: string;
  /** One page load or caption request. */
  navigationTimeoutMs?: number;
  /**
   * How long the player route waits for the player's pot decoration of a track's URL. The real
   * player decorates within a second or two; a page whose BotGuard cannot mint should cost a job
   * this much, not a whole navigation timeout, before the next route gets its turn.
   */
  potTimeoutMs?: number;
  /** A whole job, every route included. */
  jobTimeoutMs?: number;
  recycleAfterJobs?: number;
  /** Bytes of YouTube's versioned static files kept for later jobs (STATIC_CACHE_MAX_BYTES); 0: none. */
  staticCacheMaxBytes?: number;
  /** The innertube fallback clients, in order (INNERTUBE_CLIENTS); default ANDROID, empty: none. */
  innertubeClients?: readonly string[];
  /** Routes in the order they are tried; the default is the player page, then one per innertube client. */
  strategies?: Strategy[];
  /** Circuit breakers over the routes (see route-health.ts); absent: every route is always tried. */
  routeHealth?: RouteHealth;
  /** Called with every route attempt's outcome and its time in ms (metrics, the route trail). */
  onRouteOutcome?: (route: string, outcome: RouteOutcome, ms: number) => void;
}

export interface RunOptions {
  signal?: AbortSignal;
  requestId?: string;
}

export interface Engine {
  run(work: WorkRequest, options?: RunOptions): Promise<Transcript | LanguageList>;
  /** A playlist's or channel tab's videos (collect/expand.ts), through the same exit a job would take. */
  expand(
    ref: CollectionRef,
    request: { limit?: number; tab?: ChannelTab },
    options?: RunOptions,
  ): Promise<CollectionListing>;
  close(): Promise<void>;
  /** The browser host, for memory accounting and tests of relaunch/recycle. */
  readonly browser: BrowserHost;
  readonly proxies: ProxyPool | undefined;
}

/**
 * What a job's failure says of its proxy. A block is the exit's; a definitive answer (private, no
 * captions...) means the proxy worked; any other failure asks the proxy itself (a CONNECT through
 * it): refused credentials or no way through become the job's error, INTERNAL "proxy".
 */
async function blameEgress(
  proxies: ProxyPool,
  egress: Egress,
  origin: string,
  error: unknown,
): Promise<unknown> {
  if (error instanceof ApiError && error.code === "BLOCKED_BY_YOUTUBE") {
    proxies.report(egress.id, "blocked");
    return error;
  }
  if (error instanceof ApiError && !error.retryable) {
    proxies.report(egress.id, "ok");
    return error;
  }
  const health = await proxies.probe(egress, new URL(origin).hostname, 443);
  if (health === "ok") {
    proxies.report(egress.id, "failed");
    return error;
  }
  proxies.report(egress.id, health);
  return new ApiError("INTERNAL", { details: { cause: "proxy", proxy: egress.id, reason: health } });
}

/** The routes in the order they are tried: the player page first (it has the pot), then the app clients. */
export const configuredRoutes = (clients: readonly string[]): Strategy[] => [
  playerPage,
  ...innertubeClients(clients).map(innertubeStrategy),
];

/** What an option left out means: the configuration's defaults (config.ts owns them, the README lists them). */
const DEFAULTS = EngineConfigSchema.parse({});

export function createEngine(options: EngineOptions = {}): Engine {
  const origin = new URL(options.youtubeOrigin ?? DEFAULTS.YOUTUBE_ORIGIN).origin;
  const locale = options.locale ?? DEFAULTS.BROWSER_LOCALE;
  const navigationTimeoutMs = options.navigationTimeoutMs ?? DEFAULTS.NAVIGATION_TIMEOUT_MS;
  const jobTimeoutMs = options.jobTimeoutMs ?? DEFAULTS.JOB_TIMEOUT_MS;
  const potTimeoutMs = options.potTimeoutMs ?? DEFAULTS.POT_TIMEOUT_MS;
  const strategies =
    options.strategies ?? configuredRoutes(options.innertubeClients ?? DEFAULTS.INNERTUBE_CLIENTS);
  const direct = createUpstreamFetch(options.upstream?.hostRules);
  const { proxies } = options;
  const browser = new BrowserHost({
    youtubeOrigin: origin,
    chromiumPath: options.chromiumPath,
    userAgent: options.userAgent,
    upstream: options.upstream,
    locale,
    navigationTimeoutMs,
    recycleAfterJobs: options.recycleAfterJobs ?? DEFAULTS.BROWSER_RECYCLE_AFTER_JOBS,
    staticCacheMaxBytes: options.staticCacheMaxBytes ?? DEFAULTS.STATIC_CACHE_MAX_BYTES,
  });

  /** A job through one proxy (every request of it), or straight out without a pool. */
  async function throughEgress<T>(
    signal: AbortSignal | undefined,
    task: (egress: Egress | undefined) => Promise<T>,
  ): Promise<T> {
    signal?.throwIfAborted();
    if (!proxies) return task(undefined);
    const egress = await proxies.acquire();
    try {
      const result = await task(egress);
      proxies.report(egress.id, "ok");
      return result;
    } catch (error) {
      throw await blameEgress(proxies, egress, origin, error);
    }
  }

  const run = (work: WorkRequest, runOptions: RunOptions = {}) =>
    throughEgress(runOptions.signal, (egress) => attempt(work, runOptions, egress));

  // A listing is plain HTTP, as the website's own requests: the browser only lends its User-Agent.
  const expand: Engine["expand"] = (ref, request, { signal } = {}) =>
    throughEgress(signal, async (egress) =>
      expandCollection(ref, request, {
        origin,
        fetchUpstream: egress ? createUpstreamFetch(options.upstream?.hostRules, egress.proxyServer) : direct,
        userAgent: await browser.userAgent(),
        stepTimeoutMs: navigationTimeoutMs,
        ...(signal ? { signal } : {}),
      }),
    );

  async function attempt(
    work: WorkRequest,
    { signal }: RunOptions,
    egress: Egress | undefined,
  ): Promise<Transcript | LanguageList> {
    const fetchUpstream = egress
      ? createUpstreamFetch(options.upstream?.hostRules, egress.proxyServer)
      : direct;
    const deadline = AbortSignal.timeout(jobTimeoutMs);
    const jobSignal = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () =>
        reject(
          deadline.aborted
            ? new ApiError("UPSTREAM_TIMEOUT", { details: { step: "job", timeoutMs: jobTimeoutMs } })
            : signal?.reason,
        );
      if (jobSignal.aborted) onAbort();
      else jobSignal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    const extraction = browser.withPage(
      async (jobPage) => {
        const job: StrategyJob = {
          work,
          jobPage,
          origin,
          locale,
          stepTimeoutMs: navigationTimeoutMs,
          potTimeoutMs,
          fetchUpstream,
          signal: jobSignal,
          shared: {},
        };
        return runRoutes(strategies, job, {
          health: options.routeHealth,
          onOutcome: options.onRouteOutcome,
          signal: jobSignal,
        });
      },
      jobSignal,
      egress?.proxyServer,
    );
    return Promise.race([extraction, aborted]).catch((error: unknown) => {
      if (deadline.aborted)
        throw new ApiError("UPSTREAM_TIMEOUT", { details: { step: "job", timeoutMs: jobTimeoutMs } });
      if (signal?.aborted) throw signal.reason;
      if (error instanceof ApiError) throw error;
      throw new ApiError("INTERNAL", {
        details: { cause: "extraction", reason: String(error).slice(0, 300) },
      });
    });
  }

  const close = async () => {
    await Promise.all([browser.close(), proxies?.close()]);
  };
  return { run, expand, close, browser, proxies };
}
