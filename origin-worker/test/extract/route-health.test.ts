import type { WorkRequest } from "@ytt/shared";
import { expectedTranscript, startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRouteHealth, type Engine, type RouteOutcome } from "../../src/extract/index.js";
import { productionEngine, QUICK_POT_DELAY_MS } from "../helpers.js";

/**
 * Route outcomes and breakers in the real engine (Chromium, the double under YouTube's hostnames,
 * the app route asked from Node through the host rules), as the worker wires them.
 */

let double: YoutubeDouble;
let engine: Engine;
const outcomes: [string, RouteOutcome][] = [];

beforeAll(async () => {
  double = await startYoutubeDouble({ potDelayMs: QUICK_POT_DELAY_MS });
  engine = productionEngine(double, {
    navigationTimeoutMs: 5_000,
    jobTimeoutMs: 20_000,
    routeHealth: createRouteHealth({ failureThreshold: 1, cooldownMs: 60_000 }),
    onRouteOutcome: (route, outcome) => outcomes.push([route, outcome]),
  });
});

afterAll(async () => {
  await engine?.close();
  await double?.close();
});

beforeEach(() => {
  double.reset();
  outcomes.length = 0;
});

const transcript = (videoId: string): WorkRequest => ({
  kind: "transcript",
  request: { videoId, languages: ["en"], kind: "any", fallback: "error" },
});

describe("route health in the engine", () => {
  it("'no captions' from both routes is an agreed TRANSCRIPTS_DISABLED", async () => {
    await expect(engine.run(transcript("dblNoCapts1"))).rejects.toMatchObject({
      code: "TRANSCRIPTS_DISABLED",
    });
    expect(outcomes).toEqual([
      ["player-page", "no_captions"],
      ["innertube-android", "no_captions"],
    ]);
    expect(double.stats().innertube).toEqual({ dblNoCapts1: 1 });
  });

  it("a route that failed (threshold 1 here) is skipped by the next job, which costs it no page load", async () => {
    expect(await engine.run(transcript("dblFallback"))).toEqual(
      expectedTranscript("dblFallback", { languageCode: "en", kind: "manual" }),
    );
    expect(outcomes).toEqual([
      ["player-page", "failed"],
      ["innertube-android", "success"],
    ]);
    outcomes.length = 0;
    double.reset();
    const { video: _, ...fromTheApp } = expectedTranscript("GJLlxj_dtq8", {
      languageCode: "en",
      kind: "manual",
    });
    expect(await engine.run(transcript("GJLlxj_dtq8"))).toMatchObject(fromTheApp);
    expect(outcomes).toEqual([
      ["player-page", "skipped"],
      ["innertube-android", "success"],
    ]);
    expect(double.stats()).toMatchObject({ watchPages: {}, innertube: { GJLlxj_dtq8: 1 } });
  });
});
