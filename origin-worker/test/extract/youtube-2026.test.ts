import type { Transcript } from "@ytt/shared";
import { expectedTranscript, startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/extract/index.js";
import { failureOf, productionEngine, transcriptWork } from "../helpers.js";

/**
 * The engine's right answer on each behaviour of the 2026 site the double models (issue 11, a–g),
 * in the production configuration: BotGuard on www.google.com, asynchronous pot decoration,
 * captions on by default, dubbed audio tracks, WEB and app clients that differ, refusals, weight.
 */

let double: YoutubeDouble;
let engine: Engine;
/** The player page alone: shows what that route makes of a video, without the app route's rescue. */
let pageOnly: Engine;

beforeAll(async () => {
  double = await startYoutubeDouble();
  const timeouts = { navigationTimeoutMs: 5_000, potTimeoutMs: 5_000, jobTimeoutMs: 30_000 };
  engine = productionEngine(double, timeouts);
  pageOnly = productionEngine(double, { ...timeouts, innertubeClients: [] });
});

afterAll(async () => {
  await Promise.all([engine?.close(), pageOnly?.close()]);
  await double?.close();
});

beforeEach(() => double.reset());

describe("a. BotGuard on its own host", () => {
  it("the player fetches the interpreter from www.google.com, mints through GenerateIT, and the engine takes the pot'd answer", async () => {
    expect(await engine.run(transcriptWork("GJLlxj_dtq8"))).toEqual(
      expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }),
    );
    const stats = double.stats();
    expect(stats.interpreterLoads).toBe(1);
    expect(stats.generateIt).toEqual({ issued: 1, refused: 0 });
    expect(stats.timedtextServed).toEqual({ GJLlxj_dtq8: 1 });
    expect(stats.innertube).toEqual({});
  });

  it("an older player that calls jnn-pa.googleapis.com mints too (that WAA host is allowed)", async () => {
    expect(await pageOnly.run(transcriptWork("dblOldPlayr"))).toEqual(
      expectedTranscript("dblOldPlayr", { languageCode: "en", kind: "manual" }),
    );
    expect(double.stats().generateIt.issued).toBe(1);
  });

  it.each([
    ["the interpreter script fails", { interpreter: "fail" }],
    ["GenerateIT fails", { generateIt: "fail" }],
  ] as const)(
    "%s: no pot, the player route fails clearly and the app route answers",
    async (_case, switches) => {
      double.setBotguard(switches);
      expect(await failureOf(pageOnly.run(transcriptWork("GJLlxj_dtq8")))).toMatchObject({
        code: "INTERNAL",
        details: { routes: [{ route: "player-page", reason: "no pot minted" }] },
      });
      // The engine never asked for the track without the pot it needs.
      expect(double.stats().timedtext).toEqual({});
      expect(await engine.run(transcriptWork("GJLlxj_dtq8"))).toEqual(
        expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }),
      );
      expect(double.stats().innertube).toEqual({ GJLlxj_dtq8: 1 });
    },
  );
});

describe("b. asynchronous pot decoration", () => {
  it("the engine waits for the decorated URL: not one pot-less caption request, even at the slow end", async () => {
    double.setPotDelay(1_400, 1_500);
    for (const kind of ["manual", "asr"] as const) {
      expect(await pageOnly.run(transcriptWork("GJLlxj_dtq8", { kind }))).toEqual(
        expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind }),
      );
    }
    expect(double.stats().timedtextEmpty).toEqual({});
    expect(double.stats().timedtextServed).toEqual({ GJLlxj_dtq8: 2 });
  });
});

describe("c. captions on by default", () => {
  it("the default track, which the player loads by itself, the other tracks, and a translation", async () => {
    expect(await pageOnly.run(transcriptWork("dblCaptsOn1"))).toEqual(
      expectedTranscript("dblCaptsOn1", { languageCode: "en", kind: "manual" }),
    );
    // The player's own request was the answer: the engine asked for nothing more.
    expect(double.stats().timedtext).toEqual({ dblCaptsOn1: 1 });
    expect(await pageOnly.run(transcriptWork("dblCaptsOn1", { languages: ["de"] }))).toEqual(
      expectedTranscript("dblCaptsOn1", { languageCode: "de", kind: "manual" }),
    );
    expect(await pageOnly.run(transcriptWork("dblCaptsOn1", { translateTo: "fr" }))).toEqual(
      expectedTranscript("dblCaptsOn1", { languageCode: "en", kind: "manual", translateTo: "fr" }),
    );
    expect(double.stats().timedtextEmpty).toEqual({});
  });

  it("waits for the player's own request of the default track when its pot comes late, instead of asking twice", async () => {
    double.setPotDelay(1_400, 1_500);
    expect(await pageOnly.run(transcriptWork("dblCaptsOn1"))).toEqual(
      expectedTranscript("dblCaptsOn1", { languageCode: "en", kind: "manual" }),
    );
    expect(double.stats().timedtext).toEqual({ dblCaptsOn1: 1 });
    expect(double.stats().timedtextEmpty).toEqual({});
  });
});

describe("d. a dubbed video", () => {
  it.each([
    ["de", "manual"],
    ["fr", "manual"],
    ["en", "asr"],
  ] as const)(
    "%s (%s): the engine switches to the audio track that carries it when needed",
    async (languageCode, kind) => {
      expect(await pageOnly.run(transcriptWork("dblDubbed01", { languages: [languageCode], kind }))).toEqual(
        expectedTranscript("dblDubbed01", { languageCode, kind }),
      );
    },
  );
});

describe("e. WEB and the app clients differ", () => {
  it("translations are chosen against the WEB list (156 languages), not ANDROID's 18", async () => {
    // Polish is on the watch page's list and not in the ANDROID answer's.
    const result = (await engine.run(transcriptWork("GJLlxj_dtq8", { translateTo: "pl" }))) as Transcript;
    expect(result).toEqual(
      expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual", translateTo: "pl" }),
    );
    expect(result.track.name).toBe("Polish");
  });

  it("app caption URLs with exp=xpe are recognised before any fetch; the WEB player still answers", async () => {
    expect(await engine.run(transcriptWork("dblAndrXpe1"))).toEqual(
      expectedTranscript("dblAndrXpe1", { languageCode: "en", kind: "manual" }),
    );
    double.setBotguard({ interpreter: "fail" });
    expect(await failureOf(engine.run(transcriptWork("dblAndrXpe1")))).toMatchObject({
      code: "INTERNAL",
      details: {
        routes: [
          { route: "player-page", reason: "no pot minted" },
          { route: "innertube-android", reason: expect.stringContaining("needs a pot") },
        ],
      },
    });
    // Neither route sent a caption request that could only come back empty.
    expect(double.stats().timedtext).toEqual({ dblAndrXpe1: 1 });
  });

  it("the app clients bot-checked while WEB plays: the WEB answer stands; with WEB broken too, it is a block", async () => {
    expect(await engine.run(transcriptWork("dblAndrBot1"))).toEqual(
      expectedTranscript("dblAndrBot1", { languageCode: "en", kind: "manual" }),
    );
    double.setBotguard({ generateIt: "fail" });
    expect((await failureOf(engine.run(transcriptWork("dblAndrBot1")))).code).toBe("BLOCKED_BY_YOUTUBE");
  });
});

describe("f. refusals as YouTube sends them now", () => {
  it.each(["sessionLimit", "captchaViewModel", "flaggedIp", "botCheck"] as const)(
    "%s on a video that has captions: BLOCKED_BY_YOUTUBE (retryable), never a permanent answer",
    async (kind) => {
      double.failNext(3, kind);
      expect((await failureOf(engine.run(transcriptWork("GJLlxj_dtq8")))).code).toBe("BLOCKED_BY_YOUTUBE");
    },
  );
});

describe("g. the weight of the real page", () => {
  it("a worker's first job fetches the page's versioned scripts, the thumbnail and media hosts never", async () => {
    // A fresh engine: later jobs of a worker take the scripts from its static cache (static-cache.test.ts).
    const fresh = productionEngine(double, { navigationTimeoutMs: 5_000, innertubeClients: [] });
    await fresh.run(transcriptWork("GJLlxj_dtq8")).finally(() => fresh.close());
    const bytes = double.stats().bytesByHost;
    expect(bytes["www.youtube.com"]).toBeGreaterThan(1_000_000);
    expect(bytes["www.google.com"]).toBeGreaterThan(0);
    expect(bytes["i.ytimg.com"] ?? 0).toBe(0);
    expect(bytes["*.googlevideo.com"] ?? 0).toBe(0);
  });
});
