import { ApiError, type Transcript, type TranscriptRequest, type WorkRequest } from "@ytt/shared";
import { readCapture } from "@ytt/youtube-double";
import { describe, expect, it } from "vitest";
import type { JobPage } from "../../src/browser/browser-host.js";
import { extractPlayerResponse, type PlayerResponse } from "../../src/extract/parse/player-response.js";
import { createRouteHealth, type RouteOutcome } from "../../src/extract/route-health.js";
import { runRoutes } from "../../src/extract/routes.js";
import type { Selection } from "../../src/extract/select.js";
import { RouteFailed, type Strategy, type StrategyJob } from "../../src/extract/strategies/strategy.js";

/**
 * What a job's routes add up to, with routes that answer with the real captures (and constructed
 * variants of them) instead of a browser: the WEB watch page (156 translation languages) and the
 * ANDROID player responses (18), bot checks, unavailable videos, responses without captions.
 */

const capture = (name: string) => readCapture(name);
const json = (name: string): PlayerResponse => JSON.parse(capture(name));

const WEB = extractPlayerResponse(capture("youtube.html"));
const ANDROID = json("youtube.innertube.json");
const NO_CAPTIONS = json("youtube_transcripts_disabled.innertube.json");
const NO_CAPTIONS_2 = json("youtube_transcripts_disabled2.innertube.json");
const BOT_CHECK = json("youtube_request_blocked.innertube.json");
const UNAVAILABLE = json("youtube_video_unavailable.innertube.json");
const TIMEDTEXT = capture("transcript.xml");

/** The session rate limit as yt-dlp's `_video.py` matches it (here with YouTube's U+2019). */
const RATE_LIMITED: PlayerResponse = {
  playabilityStatus: {
    status: "ERROR",
    reason: "Video unavailable",
    errorScreen: {
      playerErrorMessageRenderer: {
        reason: { simpleText: "Video unavailable" },
        subreason: { runs: [{ text: "This content isn\u2019t available, try again later." }] },
      },
    },
  },
};

interface FakeRoute extends Strategy {
  /** The selections this route was asked to fetch. */
  fetched: Selection[];
}

/** A route answering `response`; the WEB one records it as the job's WEB page, as the player page does. */
function route(
  name: string,
  response: PlayerResponse | Error,
  { web = false, timedtext = TIMEDTEXT as string | Error } = {},
): FakeRoute {
  const fetched: Selection[] = [];
  return {
    name,
    fetched,
    async playerResponse(job) {
      if (response instanceof Error) throw response;
      if (web) job.shared.webResponse = response;
      return { response };
    },
    async timedtext(_job, selection) {
      fetched.push(selection);
      if (timedtext instanceof Error) throw timedtext;
      return timedtext;
    },
  };
}

const webPage = (response: PlayerResponse, options: { timedtext?: string | Error } = {}) =>
  route("player-page", response, { web: true, ...options });
const android = (response: PlayerResponse | Error, options: { timedtext?: string | Error } = {}) =>
  route("innertube-android", response, options);

const transcriptOf = (request: Partial<TranscriptRequest> = {}): WorkRequest => ({
  kind: "transcript",
  request: { videoId: "GJLlxj_dtq8", languages: ["en"], kind: "any", fallback: "error", ...request },
});

function jobFor(work: WorkRequest): StrategyJob {
  return {
    work,
    jobPage: { browserGone: () => false } as JobPage,
    origin: "https://www.youtube.com",
    locale: "en-US",
    stepTimeoutMs: 1000,
    potTimeoutMs: 1000,
    fetchUpstream: () => Promise.reject(new Error("no network in unit tests")),
    signal: new AbortController().signal,
    shared: {},
  };
}

/** Runs the routes; returns the result or the error (code, retryable, details) and each route's outcome. */
async function run(
  routes: Strategy[],
  work = transcriptOf(),
  health = createRouteHealth({ failureThreshold: 99, cooldownMs: 1 }),
) {
  const outcomes: [string, RouteOutcome][] = [];
  try {
    const result = await runRoutes(routes, jobFor(work), {
      health,
      onOutcome: (r, outcome) => outcomes.push([r, outcome]),
    });
    return { result, outcomes };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { error: { code: error.code, retryable: error.retryable, details: error.details }, outcomes };
  }
}

describe("a player response without captions is not 'transcripts disabled' by itself", () => {
  it("the WEB page without captions (a flagged IP) passes to ANDROID, which has them", async () => {
    const { result, outcomes } = await run([webPage(NO_CAPTIONS), android(ANDROID)]);
    expect((result as Transcript).track).toMatchObject({ languageCode: "en", kind: "manual" });
    expect(outcomes).toEqual([
      ["player-page", "no_captions"],
      ["innertube-android", "success"],
    ]);
  });

  it("TRANSCRIPTS_DISABLED when every route that got a playable answer saw no captions", async () => {
    const { error, outcomes } = await run([webPage(NO_CAPTIONS), android(NO_CAPTIONS_2)]);
    expect(error).toEqual({ code: "TRANSCRIPTS_DISABLED", retryable: false, details: {} });
    expect(outcomes.map(([, o]) => o)).toEqual(["no_captions", "no_captions"]);
  });

  it("the languages of a video the routes agree has no captions: none, with its metadata", async () => {
    const languages: WorkRequest = { ...transcriptOf({ videoId: "dsMFmonKDD4" }), kind: "languages" };
    const { result } = await run([webPage(NO_CAPTIONS), android(NO_CAPTIONS_2)], languages);
    expect(result).toMatchObject({ tracks: [], translationLanguages: [], video: { videoId: "dsMFmonKDD4" } });
  });

  it("when the other route is bot-checked, the answer is the block (retryable), not 'disabled'", async () => {
    const { error } = await run([webPage(NO_CAPTIONS), android(BOT_CHECK)]);
    expect(error).toMatchObject({ code: "BLOCKED_BY_YOUTUBE", retryable: true });
  });

  it("when the other route fails, the answer is a retryable failure naming both routes", async () => {
    const { error } = await run([
      webPage(NO_CAPTIONS),
      android(new RouteFailed("innertube player answered 500")),
    ]);
    expect(error).toEqual({
      code: "INTERNAL",
      retryable: true,
      details: {
        cause: "extraction",
        routes: [
          { route: "innertube-android", reason: "innertube player answered 500" },
          { route: "player-page", reason: "no captions" },
        ],
      },
    });
  });

  it("with a single route configured its word is final, live streams say so", async () => {
    expect((await run([webPage(NO_CAPTIONS)])).error).toEqual({
      code: "TRANSCRIPTS_DISABLED",
      retryable: false,
      details: {},
    });
    const live = { ...NO_CAPTIONS, videoDetails: { ...NO_CAPTIONS.videoDetails, isLive: true } };
    expect((await run([webPage(live)])).error).toMatchObject({ details: { isLive: true } });
  });
});

describe("after the WEB page said the video plays", () => {
  const webFails = () =>
    webPage(WEB, { timedtext: new RouteFailed("the player's caption request answered 200 with 0 bytes") });

  it("an app client's refusal is a route failure, not a permanent answer", async () => {
    const { error, outcomes } = await run([webFails(), android(UNAVAILABLE)]);
    expect(error).toMatchObject({ code: "INTERNAL", retryable: true });
    expect(outcomes).toEqual([
      ["player-page", "failed"],
      ["innertube-android", "failed"],
    ]);
  });

  it("but a bot check stays a block", async () => {
    const { error, outcomes } = await run([webFails(), android(BOT_CHECK)]);
    expect(error).toMatchObject({ code: "BLOCKED_BY_YOUTUBE", retryable: true });
    expect(outcomes[1]).toEqual(["innertube-android", "blocked"]);
  });

  it("the WEB page's own refusal still ends the job at once", async () => {
    const second = android(ANDROID);
    const { error } = await run([webPage(UNAVAILABLE), second]);
    expect(error).toMatchObject({ code: "VIDEO_UNAVAILABLE", retryable: false });
    expect(second.fetched).toEqual([]);
  });

  it("translations are chosen against the WEB list (156 languages), not ANDROID's (18)", async () => {
    const fallback = android(ANDROID);
    const { result } = await run([webFails(), fallback], transcriptOf({ translateTo: "pl" }));
    expect(fallback.fetched).toEqual([
      expect.objectContaining({
        track: expect.objectContaining({ languageCode: "en", kind: "manual" }),
        translateTo: { languageCode: "pl", name: "Polish" },
      }),
    ]);
    expect((result as Transcript).track).toMatchObject({ languageCode: "pl", translatedFrom: "en" });
    // Without the WEB page, ANDROID's own short list is all there is.
    const { error } = await run([android(ANDROID)], transcriptOf({ translateTo: "pl" }));
    expect(error).toMatchObject({ code: "TRANSLATION_NOT_AVAILABLE" });
  });
});

describe("without the WEB page's word", () => {
  it("an app client's refusal is not the video's answer: the job fails retryably", async () => {
    const { error, outcomes } = await run([
      webPage(new RouteFailed("watch page answered 502")),
      android(UNAVAILABLE),
    ]);
    expect(error).toMatchObject({ code: "INTERNAL", retryable: true });
    expect(outcomes).toEqual([
      ["player-page", "failed"],
      ["innertube-android", "failed"],
    ]);
  });

  it("with the player page's breaker open, an app client's refusal sends the job to the WEB page after all", async () => {
    const health = createRouteHealth({ failureThreshold: 1, cooldownMs: 60_000 });
    health.record("player-page", "failed");
    const { error, outcomes } = await run(
      [webPage(UNAVAILABLE), android(UNAVAILABLE)],
      transcriptOf(),
      health,
    );
    expect(error).toMatchObject({ code: "VIDEO_UNAVAILABLE", retryable: false });
    expect(outcomes).toEqual([
      ["player-page", "skipped"],
      ["innertube-android", "failed"],
      ["player-page", "refused"],
    ]);
  });
});

describe("transient refusals on the first route pass to the next", () => {
  it("the session rate limit ('This content isn’t available, try again later') is a block, and ANDROID gets its turn", async () => {
    const { result, outcomes } = await run([webPage(RATE_LIMITED), android(ANDROID)]);
    expect((result as Transcript).segments.length).toBeGreaterThan(0);
    expect(outcomes).toEqual([
      ["player-page", "blocked"],
      ["innertube-android", "success"],
    ]);
  });
});

describe("routes and their breakers", () => {
  it("a route whose breaker is open is skipped while another answers", async () => {
    const health = createRouteHealth({ failureThreshold: 1, cooldownMs: 60_000 });
    health.record("player-page", "failed");
    const web = webPage(WEB);
    const { result, outcomes } = await run([web, android(ANDROID)], transcriptOf(), health);
    expect(result).toBeDefined();
    expect(web.fetched).toEqual([]);
    expect(outcomes).toEqual([
      ["player-page", "skipped"],
      ["innertube-android", "success"],
    ]);
  });

  it("when every breaker is open the routes are still tried: a job never fails untried", async () => {
    const health = createRouteHealth({ failureThreshold: 1, cooldownMs: 60_000 });
    health.record("player-page", "failed");
    health.record("innertube-android", "failed");
    const { result, outcomes } = await run([webPage(WEB), android(ANDROID)], transcriptOf(), health);
    expect((result as Transcript).track).toMatchObject({ languageCode: "en" });
    expect(outcomes).toEqual([
      ["player-page", "skipped"],
      ["innertube-android", "skipped"],
      ["player-page", "success"],
    ]);
    // Its success closed the player page's breaker.
    expect(health.admit("player-page")).toBe(true);
  });

  it("a skipped route stays skipped when the others were blocked or broken: a broken route costs nothing", async () => {
    const health = createRouteHealth({ failureThreshold: 1, cooldownMs: 60_000 });
    health.record("player-page", "failed");
    const web = webPage(WEB);
    const { error, outcomes } = await run([web, android(BOT_CHECK)], transcriptOf(), health);
    expect(error).toMatchObject({ code: "BLOCKED_BY_YOUTUBE" });
    expect(outcomes).toEqual([
      ["player-page", "skipped"],
      ["innertube-android", "blocked"],
    ]);
  });

  it("'no captions' is not concluded while an open route is untried", async () => {
    const health = createRouteHealth({ failureThreshold: 1, cooldownMs: 60_000 });
    health.record("innertube-android", "failed");
    const { result } = await run([webPage(NO_CAPTIONS), android(ANDROID)], transcriptOf(), health);
    expect((result as Transcript).track).toMatchObject({ languageCode: "en" });
  });
});
