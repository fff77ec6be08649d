import { type EngineConfig, proxyUrls } from "../config.js";
import { ProxyPool } from "../egress/pool.js";
import { createEngine, type Engine, type EngineOptions } from "./engine.js";
import { createRouteHealth } from "./route-health.js";

/** What the configuration does not say: who hears of route and proxy outcomes and, for the canary, which routes run. */
export type EngineFromConfigOptions = Pick<EngineOptions, "onRouteOutcome" | "strategies"> & {
  onProxyOutcome?: ConstructorParameters<typeof ProxyPool>[1]["onOutcome"];
};

/**
 * The engine exactly as the worker runs it, from the environment's settings. The worker, the extract
 * CLI and the canary all build it here, so an operator's tool never drifts from what production does.
 */
export function createEngineFromConfig(
  config: EngineConfig,
  { onProxyOutcome, ...options }: EngineFromConfigOptions = {},
): Engine {
  const upstreams = proxyUrls(config);
  const proxies = upstreams.length
    ? new ProxyPool(upstreams, {
        quarantineBaseMs: config.PROXY_QUARANTINE_BASE_MS,
        quarantineMaxMs: config.PROXY_QUARANTINE_MAX_MS,
        ...(onProxyOutcome ? { onOutcome: onProxyOutcome } : {}),
      })
    : undefined;
  return createEngine({
    youtubeOrigin: config.YOUTUBE_ORIGIN,
    ...(config.CHROMIUM_PATH ? { chromiumPath: config.CHROMIUM_PATH } : {}),
    proxies,
    ...(config.BROWSER_USER_AGENT ? { userAgent: config.BROWSER_USER_AGENT } : {}),
    upstream: { hostRules: config.UPSTREAM_HOST_RULES, trustedSpki: config.UPSTREAM_TRUSTED_SPKI },
    locale: config.BROWSER_LOCALE,
    navigationTimeoutMs: config.NAVIGATION_TIMEOUT_MS,
    potTimeoutMs: config.POT_TIMEOUT_MS,
    jobTimeoutMs: config.JOB_TIMEOUT_MS,
    recycleAfterJobs: config.BROWSER_RECYCLE_AFTER_JOBS,
    staticCacheMaxBytes: config.STATIC_CACHE_MAX_BYTES,
    innertubeClients: config.INNERTUBE_CLIENTS,
    routeHealth: createRouteHealth({
      failureThreshold: config.ROUTE_FAILURE_THRESHOLD,
      cooldownMs: config.ROUTE_COOLDOWN_MS,
    }),
    ...options,
  });
}

/** Said at start-up by every process that builds the engine, when YouTube's hostnames go elsewhere. */
export function upstreamOverrideWarning(config: EngineConfig): string | undefined {
  if (!config.UPSTREAM_HOST_RULES && !config.UPSTREAM_TRUSTED_SPKI) return undefined;
  return "UPSTREAM_HOST_RULES / UPSTREAM_TRUSTED_SPKI are set: YouTube's hostnames go to a test double, not YouTube";
}
