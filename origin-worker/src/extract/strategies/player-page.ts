import { ApiError } from "@ytt/shared";
import type { HTTPResponse, Page } from "puppeteer-core";
import { blocked, detectInterstitial, retryAfterSeconds } from "../classify.js";
import { extractInitialData, extractPlayerResponse } from "../parse/player-response.js";
import type { Selection } from "../select.js";
import { RouteFailed, type Strategy, type StrategyJob } from "./strategy.js";

/**
 * The primary route: load the WEB watch page in the browser, get past the consent interstitial,
 * then make YouTube's own player load the wanted caption track and take the answer to the
 * player's `/api/timedtext` request, which carries the pot token the baseUrls lack.
 */

/** The consent page may come back once more before the cookie sticks; more than that is a loop. */
const MAX_CONSENT_ROUNDS = 2;

const isTimeout = (error: unknown) => error instanceof Error && error.name === "TimeoutError";

async function navigate(job: StrategyJob, url: string): Promise<HTTPResponse | null> {
  try {
    return await job.jobPage.page.goto(url, { waitUntil: "domcontentloaded", timeout: job.stepTimeoutMs });
  } catch (error) {
    if (isTimeout(error)) throw new ApiError("UPSTREAM_TIMEOUT", { details: { step: "watch page" } });
    const refused = job.jobPage.refusedNavigations.at(-1);
    if (refused) {
      // YouTube sends rate-limited clients to google.com/sorry; any other off-origin redirect is a refusal too.
      throw blocked(`redirected to ${new URL(refused).host}${new URL(refused).pathname}`);
    }
    throw new RouteFailed(`watch page did not load: ${String(error)}`);
  }
}

/** Accepts the consent form the way a visitor does: its own submit button. */
async function acceptConsent(page: Page, timeoutMs: number): Promise<HTTPResponse | null> {
  const submit = await page.$('form[action*="consent"][action$="/s"] [type="submit"]');
  if (!submit) throw blocked("consent page without an accept button");
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: "domcontentloaded", timeout: timeoutMs }),
    submit.click(),
  ]);
  return response;
}

async function loadWatchPage(job: StrategyJob) {
  const { page } = job.jobPage;
  const videoId = job.work.request.videoId;
  const url = `${job.origin}/watch?v=${encodeURIComponent(videoId)}&hl=${encodeURIComponent(job.locale.split("-")[0] ?? "en")}`;
  let response = await navigate(job, url);
  for (let round = 0; ; round++) {
    if (!response) throw new RouteFailed("watch page gave no response");
    const status = response.status();
    const html = await response.text().catch(() => "");
    const interstitial = detectInterstitial(html);
    if (status === 429 || interstitial?.kind === "captcha") {
      throw blocked("unusual traffic (reCAPTCHA)", retryAfterSeconds(response.headers()["retry-after"]));
    }
    if (interstitial?.kind === "consent") {
      if (!interstitial.acceptable || round >= MAX_CONSENT_ROUNDS)
        throw blocked("consent page could not be accepted");
      try {
        response = await acceptConsent(page, job.stepTimeoutMs);
      } catch (error) {
        if (isTimeout(error)) throw new ApiError("UPSTREAM_TIMEOUT", { details: { step: "consent" } });
        throw error;
      }
      continue;
    }
    if (status >= 500) throw new RouteFailed(`watch page answered ${status}`);
    const playerResponse =
      extractPlayerResponse(html) ?? (await page.evaluate("window.ytInitialPlayerResponse"));
    if (!playerResponse) throw new RouteFailed("the watch page carries no ytInitialPlayerResponse");
    return { response: playerResponse, initialData: extractInitialData(html) };
  }
}

/**
 * In the page: wait for the player, load its captions module, and select the track (and
 * translation). Returns what happened, for the route's error message.
 */
async function requestTrack(
  page: Page,
  want: { languageCode: string; kind: string; tlang: string | null; timeoutMs: number },
): Promise<string> {
  return page.evaluate(async ({ languageCode, kind, tlang, timeoutMs }) => {
    type Player = HTMLElement & {
      loadModule(name: string): void;
      getOption(module: string, option: string, options?: unknown): unknown;
      setOption(module: string, option: string, value: unknown): void;
    };
    // No named helpers in here: the bundler would wrap them in a __name() the page does not have.
    const deadline = Date.now() + timeoutMs;
    let player = document.querySelector("#movie_player") as Player | null;
    while (!player || typeof player.setOption !== "function") {
      if (Date.now() > deadline) return "no player on the page";
      await new Promise((resolve) => setTimeout(resolve, 50));
      player = document.querySelector("#movie_player") as Player | null;
    }
    player.loadModule("captions");
    for (;;) {
      const list = player.getOption("captions", "tracklist", { includeAsr: true });
      if (Array.isArray(list) && list.length > 0) {
        const track = list.find((t) => t.languageCode === languageCode && (t.kind || "") === kind);
        if (!track) return "the player does not list the track";
        player.setOption(
          "captions",
          "track",
          tlang ? { ...track, translationLanguage: { languageCode: tlang } } : track,
        );
        return "requested";
      }
      if (Date.now() > deadline) return "the captions module did not load";
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, want);
}

function isWantedTimedtext(url: string, videoId: string, selection: Selection): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const q = parsed.searchParams;
  return (
    parsed.pathname === "/api/timedtext" &&
    q.get("v") === videoId &&
    q.get("lang") === selection.track.languageCode &&
    (q.get("kind") === "asr") === (selection.track.kind === "asr") &&
    (q.get("tlang") ?? undefined) === selection.translateTo?.languageCode
  );
}

export const playerPage: Strategy = {
  name: "player-page",

  async playerResponse(job) {
    const loaded = await loadWatchPage(job);
    job.shared.webResponse = loaded.response;
    job.shared.initialData = loaded.initialData;
    return loaded;
  },

  async timedtext(job, selection) {
    const { page } = job.jobPage;
    const videoId = job.work.request.videoId;
    const answer = page
      .waitForResponse((r) => isWantedTimedtext(r.url(), videoId, selection), { timeout: job.stepTimeoutMs })
      .catch((error: unknown) => {
        if (isTimeout(error)) throw new RouteFailed("the player made no caption request in time");
        throw error;
      });
    answer.catch(() => {});
    const outcome = await requestTrack(page, {
      languageCode: selection.track.languageCode,
      kind: selection.track.kind === "asr" ? "asr" : "",
      tlang: selection.translateTo?.languageCode ?? null,
      timeoutMs: job.stepTimeoutMs,
    });
    if (outcome !== "requested") throw new RouteFailed(outcome);
    const response = await answer;
    if (response.status() === 429)
      throw blocked("timedtext rate limited", retryAfterSeconds(response.headers()["retry-after"]));
    const body = await response.text();
    if (!response.ok() || body.trim() === "") {
      throw new RouteFailed(
        `the player's caption request answered ${response.status()} with ${body.length} bytes`,
      );
    }
    return body;
  },
};
