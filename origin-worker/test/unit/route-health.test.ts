import { describe, expect, it } from "vitest";
import { createRouteHealth } from "../../src/extract/route-health.js";

function breakerWithClock() {
  let now = 1_000_000;
  const health = createRouteHealth({ failureThreshold: 3, cooldownMs: 60_000, now: () => now });
  return {
    health,
    advance(ms: number) {
      now += ms;
    },
    fail(times: number, route = "innertube-android") {
      for (let i = 0; i < times; i++) health.record(route, "failed");
    },
  };
}

describe("route circuit breaker", () => {
  it("opens after N consecutive route failures and skips the route for the cool-down", () => {
    const { health, advance, fail } = breakerWithClock();
    fail(2);
    expect(health.admit("innertube-android")).toBe(true);
    fail(1);
    expect(health.admit("innertube-android")).toBe(false);
    advance(59_999);
    expect(health.admit("innertube-android")).toBe(false);
    expect(health.admit("player-page")).toBe(true);
  });

  it("a working answer in between resets the count; blocks and timeouts neither count nor reset", () => {
    const { health, fail } = breakerWithClock();
    fail(2);
    health.record("innertube-android", "refused");
    fail(2);
    expect(health.admit("innertube-android")).toBe(true);
    health.record("innertube-android", "blocked");
    health.record("innertube-android", "timeout");
    fail(1);
    expect(health.admit("innertube-android")).toBe(false);
  });

  it("after the cool-down, one job probes (half-open): success closes, failure re-opens for another cool-down", () => {
    const { health, advance, fail } = breakerWithClock();
    fail(3);
    advance(60_000);
    expect(health.admit("innertube-android")).toBe(true);
    expect(health.admit("innertube-android")).toBe(false);
    fail(1);
    expect(health.admit("innertube-android")).toBe(false);
    advance(60_000);
    expect(health.admit("innertube-android")).toBe(true);
    health.record("innertube-android", "success");
    expect(health.admit("innertube-android")).toBe(true);
    expect(health.admit("innertube-android")).toBe(true);
    // Closed again: it takes the full threshold to open it once more.
    fail(2);
    expect(health.admit("innertube-android")).toBe(true);
  });

  it("a probe that proves nothing (blocked) lets another job probe; a probe that never reports expires", () => {
    const { health, advance, fail } = breakerWithClock();
    fail(3);
    advance(60_000);
    expect(health.admit("innertube-android")).toBe(true);
    health.record("innertube-android", "blocked");
    expect(health.admit("innertube-android")).toBe(true);
    // This probe's job dies without a word: after another cool-down someone else may probe.
    expect(health.admit("innertube-android")).toBe(false);
    advance(60_000);
    expect(health.admit("innertube-android")).toBe(true);
  });

  it("routes are independent", () => {
    const { health, fail } = breakerWithClock();
    fail(3, "player-page");
    expect(health.admit("player-page")).toBe(false);
    expect(health.admit("innertube-android")).toBe(true);
  });
});
