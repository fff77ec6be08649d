import { expectedTranscript, startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NoEgress, type ProxyOutcome, ProxyPool } from "../../src/egress/pool.js";
import { configuredRoutes, type Engine } from "../../src/extract/engine.js";
import { type ForwardProxy, startForwardProxy } from "../forward-proxy.js";
import { failureOf, productionEngine, QUICK_POT_DELAY_MS, transcriptWork } from "../helpers.js";

/**
 * The proxy pool against real authenticating forward proxies, each with its own exit address
 * (127.0.0.2, 127.0.0.3), and the double seeing which exit every request came from.
 */
describe("a pool of authenticated proxies", () => {
  let double: YoutubeDouble;
  let first: ForwardProxy;
  let second: ForwardProxy;
  const engines: Engine[] = [];
  let outcomes: [string, ProxyOutcome][];

  beforeAll(async () => {
    double = await startYoutubeDouble({ port: 0, potDelayMs: QUICK_POT_DELAY_MS });
    const proxy = (username: string, exitAddress: string) =>
      startForwardProxy({
        username,
        password: `${username}-secret`,
        exitAddress,
        hostRules: double.hostRules,
      });
    [first, second] = await Promise.all([proxy("alice", "127.0.0.2"), proxy("bob", "127.0.0.3")]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close(), double?.close()]);
  });
  beforeEach(() => {
    double.reset();
    outcomes = [];
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  const engineThrough = (urls: string[], routes = configuredRoutes(["ANDROID"])) => {
    const proxies = new ProxyPool(urls, {
      quarantineBaseMs: 60_000,
      quarantineMaxMs: 60_000,
      onOutcome: (proxy, outcome) => outcomes.push([proxy, outcome]),
    });
    const engine = productionEngine(double, { proxies, strategies: routes, potTimeoutMs: 3_000 });
    engines.push(engine);
    return engine;
  };
  const addresses = () => Object.keys(double.stats().requestsByAddress);

  it("sends every request of a job, browser and Node alike, out through one proxy, the next job through the next", async () => {
    // The app route alone: the page is still opened, and the player response comes from the worker's own request.
    const engine = engineThrough([first.url, second.url], configuredRoutes(["ANDROID"]).slice(1));
    const expected = expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" });
    // The app's answer has no publish date or chapters: the track and segments are the point here.
    const { video: _video, ...caption } = expected;
    expect(await engine.run(transcriptWork("GJLlxj_dtq8"))).toMatchObject(caption);
    expect(double.stats().innertube).toEqual({ GJLlxj_dtq8: 1 });
    expect(addresses()).toEqual(["127.0.0.2"]);
    double.reset();
    expect(await engine.run(transcriptWork("GJLlxj_dtq8"))).toMatchObject(caption);
    expect(addresses()).toEqual(["127.0.0.3"]);
    expect(double.stats().requestsByPath["www.youtube.com/youtubei/v1/player"]).toBe(1);
    expect(outcomes).toEqual([
      ["p1", "ok"],
      ["p2", "ok"],
    ]);

    // The player page, every script and caption request of it.
    double.reset();
    const page = engineThrough([second.url]);
    expect(await page.run(transcriptWork("GJLlxj_dtq8"))).toEqual(expected);
    expect(double.stats().timedtextServed).toEqual({ GJLlxj_dtq8: 1 });
    expect(addresses()).toEqual(["127.0.0.3"]);
  });

  it("ends a job whose proxy refuses its credentials with a clear error, and quarantines that proxy", async () => {
    const wrong = first.url.replace("alice-secret", "guessed");
    const engine = engineThrough([wrong]);
    const refusedBefore = first.refused;
    expect(await failureOf(engine.run(transcriptWork("GJLlxj_dtq8")))).toEqual({
      code: "INTERNAL",
      details: { cause: "proxy", proxy: "p1", reason: "auth_failed" },
    });
    expect(first.refused).toBeGreaterThan(refusedBefore);
    expect(outcomes).toEqual([["p1", "auth_failed"]]);
    expect(double.stats().requests).toBe(0);
    // Quarantined: the next job is told to wait, not sent through it again.
    await expect(engine.run(transcriptWork("GJLlxj_dtq8"))).rejects.toBeInstanceOf(NoEgress);
  });

  it("quarantines an exit YouTube refuses; the next jobs go out through the other and succeed", async () => {
    double.setRefusedAddresses(["127.0.0.2"]);
    const engine = engineThrough([first.url, second.url]);
    expect((await failureOf(engine.run(transcriptWork("GJLlxj_dtq8")))).code).toBe("BLOCKED_BY_YOUTUBE");
    expect(outcomes).toEqual([["p1", "blocked"]]);
    double.reset();
    double.setRefusedAddresses(["127.0.0.2"]);
    for (let i = 0; i < 2; i++) {
      expect(await engine.run(transcriptWork("GJLlxj_dtq8"))).toEqual(
        expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }),
      );
    }
    expect(addresses()).toEqual(["127.0.0.3"]);
    expect(outcomes.slice(1)).toEqual([
      ["p2", "ok"],
      ["p2", "ok"],
    ]);
  });
});
