import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { LanguageList, Transcript } from "@ytt/shared";
import {
  expectedMetadata,
  expectedTrack,
  expectedTranscript,
  startYoutubeDouble,
  VIDEOS,
  type YoutubeDouble,
} from "@ytt/youtube-double";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/extract/index.js";
import { eventually, failureOf, productionEngine, QUICK_POT_DELAY_MS, transcriptWork } from "../helpers.js";

/** The real engine in real Chromium against the YouTube double; one browser for the whole file. */

let double: YoutubeDouble;
let engine: Engine;

beforeAll(async () => {
  double = await startYoutubeDouble({ potDelayMs: QUICK_POT_DELAY_MS });
  engine = productionEngine(double, { navigationTimeoutMs: 5_000, jobTimeoutMs: 20_000 });
});

afterAll(async () => {
  await engine?.close();
  await double?.close();
});

beforeEach(() => double.reset());

/** Until the double has been asked for the video's watch page: the job is under way in the browser. */
const watchPageRequested = (videoId: string) =>
  eventually(async () => (double.stats().watchPages[videoId] ? true : undefined));

describe("transcripts through the player", () => {
  it("takes the manual English track of the captured video in exactly one page load and one caption request", async () => {
    const result = await engine.run(transcriptWork("GJLlxj_dtq8"), { requestId: "req-1" });
    expect(result).toEqual(expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }));
    const stats = double.stats();
    expect(stats.watchPages).toEqual({ GJLlxj_dtq8: 1 });
    expect(stats.timedtext).toEqual({ GJLlxj_dtq8: 1 });
    expect(stats.timedtextServed).toEqual({ GJLlxj_dtq8: 1 });
    expect(stats.innertube).toEqual({});
  });

  it("takes the auto-generated track when asked for that kind (word segments joined)", async () => {
    const result = await engine.run(transcriptWork("GJLlxj_dtq8", { kind: "asr" }));
    expect(result).toEqual(expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "asr" }));
  });

  it("translates through the player (tlang) and names the source track", async () => {
    const result = (await engine.run(transcriptWork("GJLlxj_dtq8", { translateTo: "de" }))) as Transcript;
    expect(result).toEqual(
      expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual", translateTo: "de" }),
    );
    expect(result.track).toEqual({
      languageCode: "de",
      name: "German",
      kind: "manual",
      isTranslatable: true,
      translatedFrom: "en",
    });
  });

  it("follows the order of preferred languages", async () => {
    const result = await engine.run(transcriptWork("GJLlxj_dtq8", { languages: ["fr", "ja", "en"] }));
    expect(result).toEqual(expectedTranscript("GJLlxj_dtq8", { languageCode: "ja", kind: "manual" }));
  });

  it("an ASR-only video: any kind takes it, manual only does not exist", async () => {
    expect(await engine.run(transcriptWork("dblAsrOnly1"))).toEqual(
      expectedTranscript("dblAsrOnly1", { languageCode: "en", kind: "asr" }),
    );
    expect(await failureOf(engine.run(transcriptWork("dblAsrOnly1", { kind: "manual" })))).toEqual({
      code: "LANGUAGE_NOT_AVAILABLE",
      details: {
        requested: ["en"],
        kind: "manual",
        available: [{ languageCode: "en", kind: "asr", name: "English (auto-generated)" }],
      },
    });
  });

  it("a missing language fails with the available ones, or falls back to the first track when asked", async () => {
    const missing = await failureOf(engine.run(transcriptWork("GJLlxj_dtq8", { languages: ["fr"] })));
    expect(missing.code).toBe("LANGUAGE_NOT_AVAILABLE");
    expect(
      (missing.details?.available as { languageCode: string }[] | undefined)?.map((t) => t.languageCode),
    ).toEqual(["zh", "cs", "en", "en", "de", "hi", "ja", "ko", "es"]);
    expect(await engine.run(transcriptWork("GJLlxj_dtq8", { languages: ["fr"], fallback: "any" }))).toEqual(
      expectedTranscript("GJLlxj_dtq8", { languageCode: "zh", kind: "manual" }),
    );
    // A failed selection needs no caption request at all.
    expect(double.stats().timedtext).toEqual({ GJLlxj_dtq8: 1 });
  });

  it("a 3-hour video: all 4320 segments, exact", async () => {
    const result = (await engine.run(transcriptWork("dblLong3hrs"))) as Transcript;
    expect(result.segments).toHaveLength(4320);
    expect(result).toEqual(expectedTranscript("dblLong3hrs", { languageCode: "en", kind: "manual" }));
  });

  it("Unicode (CJK, RTL, emoji) and characters that need escaping come back exact", async () => {
    for (const [languageCode, languages] of [
      ["en", ["en"]],
      ["ja", ["ja"]],
      ["ar", ["ar"]],
      ["he", ["he"]],
    ] as const) {
      expect(await engine.run(transcriptWork("dblUnicode1", { languages: [...languages] }))).toEqual(
        expectedTranscript("dblUnicode1", { languageCode, kind: "manual" }),
      );
    }
    expect(
      (await failureOf(engine.run(transcriptWork("dblUnicode1", { languages: ["ar"], translateTo: "en" }))))
        .code,
    ).toBe("TRANSLATION_NOT_AVAILABLE");
  });

  it("regional variants: exact codes first, then the base language", async () => {
    const cases: [string[], string, string][] = [
      [["zh-Hant"], "dblRegional", "zh-Hant"],
      [["zh-Hans"], "dblRegional", "zh-Hans"],
      [["pt"], "dblRegional", "pt"],
      [["pt-BR"], "dblRegional", "pt-BR"],
      [["pt-PT"], "dblRegional", "pt"],
      [["pt"], "dblPtBrOnly", "pt-BR"],
    ];
    for (const [languages, videoId, languageCode] of cases) {
      expect(await engine.run(transcriptWork(videoId, { languages }))).toEqual(
        expectedTranscript(videoId, { languageCode, kind: "manual" }),
      );
    }
  });

  it("chapters from the description-chapters panel", async () => {
    const result = (await engine.run(transcriptWork("dblChapters"))) as Transcript;
    expect(result.video).toEqual(expectedMetadata(VIDEOS.dblChapters as never));
    expect(result.video.chapters).toHaveLength(4);
  });

  it("a slow video still completes within the timeouts", async () => {
    expect(await engine.run(transcriptWork("dblSlowPage"))).toEqual(
      expectedTranscript("dblSlowPage", { languageCode: "en", kind: "manual" }),
    );
  });
});

describe("EU consent", () => {
  it("the double, like YouTube, sends a visitor without a consent decision to the interstitial", async () => {
    double.setConsent({ everywhere: true, accepted: "any-decision" });
    const watch = (cookie?: string) =>
      double
        .fetch(`${double.origin}/watch?v=GJLlxj_dtq8`, cookie ? { headers: { cookie } } : {})
        .then((r) => r.status);
    expect(await watch()).toBe(302);
    expect(await watch("SOCS=CAA")).toBe(302);
    expect(await watch("SOCS=garbage")).toBe(302);
    expect(await watch("SOCS=CAI")).toBe(200);
  });

  it("every job's fresh context carries the consent cookie: EU jobs go straight to the watch page", async () => {
    double.setConsent({ everywhere: true, accepted: "any-decision" });
    expect(await engine.run(transcriptWork("GJLlxj_dtq8"))).toEqual(
      expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }),
    );
    expect(await engine.run(transcriptWork("dblConsent1", { languages: ["de"] }))).toEqual(
      expectedTranscript("dblConsent1", { languageCode: "de", kind: "manual" }),
    );
    expect(double.stats()).toMatchObject({
      consentPages: 0,
      consentAccepted: 0,
      watchPages: { GJLlxj_dtq8: 1, dblConsent1: 1 },
    });
  });

  it("for the real YouTube the cookie is a secure one for every youtube.com host", async () => {
    const cookies = await engine.browser.withPage(async ({ page }) => page.browserContext().cookies());
    expect(cookies.map(({ name, value, domain, secure }) => ({ name, value, domain, secure }))).toEqual([
      { name: "SOCS", value: "CAI", domain: ".youtube.com", secure: true },
    ]);
  });

  it("when YouTube ignores the preset cookie, the job accepts the interstitial and goes on", async () => {
    double.setConsent({ everywhere: true, accepted: "issued-only" });
    expect(await engine.run(transcriptWork("dblConsent1", { languages: ["de"] }))).toEqual(
      expectedTranscript("dblConsent1", { languageCode: "de", kind: "manual" }),
    );
    // Today's interstitial, answered with its own "Reject all" button: a decision too.
    expect(double.stats()).toMatchObject({
      consentPages: 1,
      consentRejected: 1,
      consentAccepted: 0,
      watchPages: { dblConsent1: 1 },
    });
  });
});

describe("languages", () => {
  it("lists every track and translation language with the metadata", async () => {
    const video = VIDEOS.GJLlxj_dtq8 as never as Parameters<typeof expectedMetadata>[0];
    const result = (await engine.run({
      kind: "languages",
      request: transcriptWork("GJLlxj_dtq8").request,
    })) as LanguageList;
    expect(result).toEqual({
      video: expectedMetadata(video),
      tracks: (video.tracks ?? []).map((t) => expectedTrack(video, t)),
      translationLanguages: video.translationLanguages,
    });
    expect(double.stats().timedtext).toEqual({});
  });
});

describe("refusals end in their error code", () => {
  const refused = Object.values(VIDEOS).filter((v) => v.expectedError);

  it.each(refused.map((v) => [v.videoId, v.expectedError, v.case] as const))(
    "%s → %s (%s)",
    async (videoId, code) => {
      expect((await failureOf(engine.run(transcriptWork(videoId)))).code).toBe(code);
    },
  );

  it("details say why: YouTube's reason, live streams, reCAPTCHA", async () => {
    expect((await failureOf(engine.run(transcriptWork("dblUnplay01")))).details).toEqual({
      status: "UNPLAYABLE",
      reason: "Video unavailable",
      subreasons: ["The uploader has not made this video available in your country"],
    });
    expect((await failureOf(engine.run(transcriptWork("dblLiveNow1")))).details).toEqual({ isLive: true });
    expect((await failureOf(engine.run(transcriptWork("dblBotCheck")))).details).toEqual({
      reason: "Sign in to confirm you\u2019re not a bot",
    });
    expect((await failureOf(engine.run(transcriptWork("dblCaptcha1")))).details).toEqual({
      reason: "unusual traffic (reCAPTCHA)",
    });
  });

  it("an ID the double does not know is unavailable", async () => {
    expect((await failureOf(engine.run(transcriptWork("zzzzzzzzzzz")))).code).toBe("VIDEO_UNAVAILABLE");
  });
});

describe("routes and failover", () => {
  it("when the player's pot is rejected, the ANDROID innertube route gets the captions", async () => {
    expect(await engine.run(transcriptWork("dblFallback"))).toEqual(
      expectedTranscript("dblFallback", { languageCode: "en", kind: "manual" }),
    );
    expect(double.stats()).toMatchObject({
      watchPages: { dblFallback: 1 },
      innertube: { dblFallback: 1 },
      timedtext: { dblFallback: 2 },
      timedtextServed: { dblFallback: 1 },
    });
  });

  it("a rate-limited watch page fails over to innertube, whose metadata says what it lacks", async () => {
    double.failNext(1, "rateLimit", { on: "watch", retryAfterSeconds: 30 });
    const { publishDate: _, ...known } = expectedMetadata(VIDEOS.GJLlxj_dtq8 as never);
    expect(await engine.run(transcriptWork("GJLlxj_dtq8"))).toEqual({
      ...expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }),
      // The app's player response has no microformat, and the auto-chapters live on the page.
      video: { ...known, chapters: [], incomplete: ["publishDate", "chapters"] },
    });
    expect(double.stats()).toMatchObject({ forcedFailures: 1, innertube: { GJLlxj_dtq8: 1 } });

    // Description chapters are in the app's videoDetails too: only the date is missing.
    double.failNext(1, "rateLimit", { on: "watch" });
    const { publishDate: __, ...described } = expectedMetadata(VIDEOS.dblChapters as never);
    expect(((await engine.run(transcriptWork("dblChapters"))) as Transcript).video).toEqual({
      ...described,
      incomplete: ["publishDate"],
    });
  });

  it("blocked on every route: BLOCKED_BY_YOUTUBE with the Retry-After YouTube gave", async () => {
    double.failNext(2, "rateLimit", { retryAfterSeconds: 30 });
    expect(await failureOf(engine.run(transcriptWork("GJLlxj_dtq8")))).toEqual({
      code: "BLOCKED_BY_YOUTUBE",
      details: { reason: "unusual traffic (reCAPTCHA)", retryAfterSeconds: 30 },
    });
    double.failNext(2, "botCheck");
    expect((await failureOf(engine.run(transcriptWork("GJLlxj_dtq8")))).code).toBe("BLOCKED_BY_YOUTUBE");
  });
});

describe("the browser", () => {
  it("may reach nothing but the configured origin", async () => {
    let hits = 0;
    const other = createServer((_req, res) => {
      hits++;
      res.end("secret");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
    try {
      const outcome = await engine.browser.withPage(async ({ page }) => {
        await page.goto(`${double.origin}/watch?v=GJLlxj_dtq8`);
        const fetched = await page.evaluate(
          (url) =>
            fetch(url, { mode: "no-cors" }).then(
              () => "reached",
              () => "refused",
            ),
          otherUrl,
        );
        const navigated = await page.goto(otherUrl).then(
          () => "reached",
          () => "refused",
        );
        return { fetched, navigated };
      });
      expect(outcome).toEqual({ fetched: "refused", navigated: "refused" });
      expect(hits).toBe(0);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it("a crash fails the job with INTERNAL (browser), not with a later route's answer; the next job gets a new browser", async () => {
    await engine.browser.withPage(async () => undefined);
    const launches = engine.browser.launches;
    const pid = engine.browser.pid();
    const running = failureOf(engine.run(transcriptWork("dblSlowPage")));
    await watchPageRequested("dblSlowPage");
    process.kill(pid as number, "SIGKILL");
    expect(await running).toMatchObject({ code: "INTERNAL", details: { cause: "browser" } });
    expect(double.stats().innertube).toEqual({});
    expect(await engine.run(transcriptWork("dblAsrOnly1"))).toEqual(
      expectedTranscript("dblAsrOnly1", { languageCode: "en", kind: "asr" }),
    );
    expect(engine.browser.launches).toBe(launches + 1);
  });

  it("an aborted job rejects with the caller's reason", async () => {
    const controller = new AbortController();
    const running = engine.run(transcriptWork("dblSlowPage"), { signal: controller.signal });
    running.catch(() => {});
    await watchPageRequested("dblSlowPage");
    controller.abort(new Error("client went away"));
    await expect(running).rejects.toThrow("client went away");
  });

  it("times out slow pages, and recycles the browser after a number of jobs", async () => {
    const strict = productionEngine(double, {
      navigationTimeoutMs: 6_000,
      recycleAfterJobs: 2,
    });
    try {
      // Every answer 7 s late: longer than a navigation may take.
      double.setLatency(7_000);
      expect(await failureOf(strict.run(transcriptWork("dblAsrOnly1")))).toMatchObject({
        code: "UPSTREAM_TIMEOUT",
      });
      double.setLatency(0);
      await strict.run(transcriptWork("dblAsrOnly1"));
      expect(strict.browser.launches).toBe(1);
      await strict.run(transcriptWork("dblAsrOnly1"));
      expect(strict.browser.launches).toBe(2);
    } finally {
      await strict.close();
    }
  });
});
