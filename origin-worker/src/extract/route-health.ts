/**
 * Route health: what each route's attempts came to, and a circuit breaker per route. A route that
 * YouTube has broken (N consecutive route failures) is skipped for a cool-down, so it costs jobs
 * nothing once detected; after the cool-down one job probes it (half-open) and its outcome closes
 * or re-opens the breaker. Only route failures count: a block says something about our IP, a
 * definitive answer proves the route works.
 */

export type RouteOutcome =
  /** The route produced the result. */
  | "success"
  /** A definitive answer that ends the job (private, unavailable, no such language...). */
  | "refused"
  /** A playable answer without captions: definitive only when the routes agree. */
  | "no_captions"
  /** Bot check, captcha, rate limit. */
  | "blocked"
  /** RouteFailed: the route did not work for this video. */
  | "failed"
  | "timeout"
  /** Something outside the route broke (the browser, the engine). */
  | "error"
  /** Not tried in its turn: its breaker is open. */
  | "skipped";

export interface RouteHealth {
  /** Whether to try the route in its turn now. Half-open: true for one caller until it reports. */
  admit(route: string): boolean;
  record(route: string, outcome: RouteOutcome): void;
}

export interface RouteHealthOptions {
  /** Consecutive route failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker skips the route before one job probes it. */
  cooldownMs: number;
  now?: () => number;
}

interface Breaker {
  consecutiveFailures: number;
  openedAt?: number;
  /** When the half-open probe started; another job may probe if it never reports. */
  probeStartedAt?: number;
}

/** Outcomes that show the route works. */
const WORKING: ReadonlySet<RouteOutcome> = new Set(["success", "refused", "no_captions"]);

export function createRouteHealth({
  failureThreshold,
  cooldownMs,
  now = Date.now,
}: RouteHealthOptions): RouteHealth {
  const breakers = new Map<string, Breaker>();
  const breaker = (route: string) => {
    let b = breakers.get(route);
    if (!b) {
      b = { consecutiveFailures: 0 };
      breakers.set(route, b);
    }
    return b;
  };
  return {
    admit(route) {
      const b = breaker(route);
      if (b.openedAt === undefined) return true;
      const at = now();
      if (at - b.openedAt < cooldownMs) return false;
      if (b.probeStartedAt !== undefined && at - b.probeStartedAt < cooldownMs) return false;
      b.probeStartedAt = at;
      return true;
    },
    record(route, outcome) {
      const b = breaker(route);
      if (WORKING.has(outcome)) {
        breakers.set(route, { consecutiveFailures: 0 });
        return;
      }
      if (outcome !== "failed") {
        // Neither proof nor disproof: let another job probe.
        b.probeStartedAt = undefined;
        return;
      }
      b.consecutiveFailures++;
      if (
        b.probeStartedAt !== undefined ||
        (b.openedAt === undefined && b.consecutiveFailures >= failureThreshold)
      ) {
        b.openedAt = now();
        b.probeStartedAt = undefined;
      }
    },
  };
}
