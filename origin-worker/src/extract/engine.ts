import { ApiError, type LanguageList, type Transcript, type WorkRequest } from "@ytt/shared";
import { BrowserHost } from "../browser/browser-host.js";
import type { UpstreamOverride } from "../browser/chromium.js";
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
  /** Outbound proxy for the browser (--proxy-server), e.g. http://proxy:3128. */
  proxy?: string | undefined;
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
  close(): Promise<void>;
  /** The browser host, for memory accounting and tests of relaunch/recycle. */
  readonly browser: BrowserHost;
}

/** The routes in the order they are tried: the player page first (it has the pot), then the app clients. */
export const configuredRoutes = (clients: readonly string[] = ["ANDROID"]): Strategy[] => [
  playerPage,
  ...innertubeClients(clients).map(innertubeStrategy),
];

export function createEngine(options: EngineOptions = {}): Engine {
  const origin = new URL(options.youtubeOrigin ?? "https://www.youtube.com").origin;
  const locale = options.locale ?? "en-US";
  const navigationTimeoutMs = options.navigationTimeoutMs ?? 20_000;
  const jobTimeoutMs = options.jobTimeoutMs ?? 60_000;
  const strategies = options.strategies ?? configuredRoutes(options.innertubeClients);
  const fetchUpstream = createUpstreamFetch(options.upstream?.hostRules);
  const browser = new BrowserHost({
    youtubeOrigin: origin,
    chromiumPath: options.chromiumPath,
    proxy: options.proxy,
    userAgent: options.userAgent,
    upstream: options.upstream,
    locale,
    navigationTimeoutMs,
    recycleAfterJobs: options.recycleAfterJobs ?? 100,
  });

  async function run(work: WorkRequest, { signal }: RunOptions = {}): Promise<Transcript | LanguageList> {
    signal?.throwIfAborted();
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
    const extraction = browser.withPage(async (jobPage) => {
      const job: StrategyJob = {
        work,
        jobPage,
        origin,
        locale,
        stepTimeoutMs: navigationTimeoutMs,
        potTimeoutMs: options.potTimeoutMs ?? 5_000,
        fetchUpstream,
        signal: jobSignal,
        shared: {},
      };
      return runRoutes(strategies, job, {
        health: options.routeHealth,
        onOutcome: options.onRouteOutcome,
        signal: jobSignal,
      });
    }, jobSignal);
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

  return { run, close: () => browser.close(), browser };
}
