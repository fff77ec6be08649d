import { ApiError } from "@ytt/shared";
import type { HTTPRequest, HTTPResponse, Page } from "puppeteer-core";
import { blocked, detectInterstitial, retryAfterSeconds } from "../classify.js";
import { extractInitialData, extractPlayerResponse, needsPot } from "../parse/player-response.js";
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

/**
 * Answers the consent interstitial the way a visitor does, with the page's own button: today's
 * "Reject all" form (consent.youtube.com/save with set_eom=true), or the 2021 single form (…/s).
 * Rejecting is a decision YouTube records like accepting, and shares less.
 */
const CONSENT_BUTTON = [
  'form[action$="/save"]:has(input[name="set_eom"][value="true"]) button',
  'form[action$="/save"]:has(input[name="set_eom"][value="true"]) [type="submit"]',
  'form[action*="consent"][action$="/s"] [type="submit"]',
].join(", ");

async function acceptConsent(page: Page, timeoutMs: number): Promise<HTTPResponse | null> {
  const submit = await page.$(CONSENT_BUTTON);
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
 * What the engine asks of the page's player, as a script evaluated in the page (a string, so the
 * bundler cannot wrap its helpers in names the page lacks). It drives the real player API:
 * audio tracks first (a dubbed video lists only the captions of the current audio track), then
 * the captions module, then waits for the player's asynchronous pot decoration of the wanted
 * track's URL (`getAudioTrack().captionTracks[].url`), which arrives after the tracklist is
 * visible (research §2.3; asbplayer's youtube-page.ts polls for it the same way).
 * Phase "prepare" returns whether the wanted track is already the current one; phase "request"
 * makes the player fetch it: `setOption('captions','track')`, or `reload` when it is already
 * current, because setting the current track again is a no-op in the real player.
 */
const PLAYER_SCRIPT = `async (want) => {
  const deadline = want.deadline;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const until = async (limit, probe) => {
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > limit) return null;
      await sleep(50);
    }
  };
  const isWanted = (t, vss) =>
    t && t.languageCode === want.languageCode && (t.kind || "") === want.kind &&
    (!want.vssId || !vss || vss === want.vssId);
  const player = await until(deadline, () => {
    const p = document.querySelector("#movie_player");
    return p && typeof p.setOption === "function" && typeof p.getAudioTrack === "function" ? p : null;
  });
  if (!player) return { outcome: "no player on the page" };
  const captionTracks = (audio) => (audio && Array.isArray(audio.captionTracks) ? audio.captionTracks : []);
  const inAudio = (audio) => captionTracks(audio).find((t) => isWanted(t, t.vssId));
  if (!inAudio(player.getAudioTrack())) {
    const audios = typeof player.getAvailableAudioTracks === "function" ? player.getAvailableAudioTracks() || [] : [];
    const target = audios.find((a) => inAudio(a));
    if (!target) return { outcome: "no audio track of the player carries the track" };
    player.setAudioTrack(target);
    if (!(await until(deadline, () => inAudio(player.getAudioTrack()))))
      return { outcome: "the player did not switch to the track's audio track" };
  }
  player.loadModule("captions");
  const listed = await until(deadline, () => {
    const list = player.getOption("captions", "tracklist", { includeAsr: true });
    return Array.isArray(list) ? list.find((t) => isWanted(t, t.vss_id)) : null;
  });
  if (!listed) return { outcome: "the player does not list the track" };
  if (want.potRequired) {
    const potDeadline = Math.min(deadline, Date.now() + want.potTimeoutMs);
    const decorated = await until(potDeadline, () => {
      const track = inAudio(player.getAudioTrack());
      return track && /[?&]pot=[^&]/.test(String(track.url || "")) ? track : null;
    });
    if (!decorated) return { outcome: "no pot minted" };
  }
  const current = player.getOption("captions", "track") || {};
  const currentTlang = (current.translationLanguage && current.translationLanguage.languageCode) || null;
  const isCurrent = isWanted(current, current.vss_id) && currentTlang === want.tlang;
  if (want.phase === "prepare") return { outcome: "ready", isCurrent };
  if (isCurrent) {
    player.setOption("captions", "reload", true);
  } else {
    const languages = player.getOption("captions", "translationLanguages") || [];
    const translationLanguage = want.tlang
      ? languages.find((l) => l.languageCode === want.tlang) || { languageCode: want.tlang }
      : undefined;
    player.setOption("captions", "track", translationLanguage ? { ...listed, translationLanguage } : listed);
  }
  return { outcome: "requested", isCurrent };
}`;

interface TrackWanted {
  languageCode: string;
  kind: string;
  vssId: string;
  tlang: string | null;
  potRequired: boolean;
  /** One deadline (epoch ms, the page shares this machine's clock) for both phases in the page. */
  deadline: number;
  potTimeoutMs: number;
}

async function drivePlayer(
  page: Page,
  want: TrackWanted,
  phase: "prepare" | "request",
): Promise<{ outcome: string; isCurrent?: boolean }> {
  return page.evaluate(`(${PLAYER_SCRIPT})(${JSON.stringify({ ...want, phase })})`) as Promise<{
    outcome: string;
    isCurrent?: boolean;
  }>;
}

/**
 * The player's answer for the selected track: same video, language, kind and translation, and,
 * when the track's URL needs a pot (exp=xpe|xpv), one that carried it: a pot-less request made
 * before the decoration answers 200 with nothing and must not be taken.
 */
function isWantedTimedtext(
  url: string,
  videoId: string,
  selection: Selection,
  potRequired: boolean,
): boolean {
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
    (q.get("tlang") ?? undefined) === selection.translateTo?.languageCode &&
    (!potRequired || Boolean(q.get("pot")))
  );
}

/**
 * Every /api/timedtext request of a job's page from the moment the watch page is requested, with
 * its outcome (the response, or null when it failed): with captions on by default, the player
 * fetches the default track by itself, before the engine asks, and may still be waiting for it.
 */
interface PlayerCaptionRequest {
  url: string;
  settled: Promise<HTTPResponse | null>;
}

const captionRequests = new WeakMap<Page, PlayerCaptionRequest[]>();

function recordTimedtext(page: Page) {
  if (captionRequests.has(page)) return;
  const seen: PlayerCaptionRequest[] = [];
  const settle = new Map<HTTPRequest, (response: HTTPResponse | null) => void>();
  captionRequests.set(page, seen);
  page.on("request", (request) => {
    if (!request.url().includes("/api/timedtext")) return;
    seen.push({ url: request.url(), settled: new Promise((resolve) => settle.set(request, resolve)) });
  });
  page.on("requestfinished", (request) => {
    settle.get(request)?.(request.response());
    settle.delete(request);
  });
  page.on("requestfailed", (request) => {
    settle.get(request)?.(null);
    settle.delete(request);
  });
}

/**
 * The body of the answer to the player's own request for the wanted track, the current one. That
 * request may not be seen yet even though the player made the track current: the page's answer
 * (isCurrent) and the paused request's CDP event reach us in either order, more so on a busy
 * machine (seen once in CI as a second, engine-made request). So a request is awaited up to
 * `appearMs`, and one in flight up to `timeoutMs`: asking again (reload) would be a second
 * caption request.
 */
async function earlierAnswer(
  page: Page,
  videoId: string,
  selection: Selection,
  { potRequired, appearMs, timeoutMs }: { potRequired: boolean; appearMs: number; timeoutMs: number },
): Promise<string | undefined> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref());
  const seen = captionRequests.get(page) ?? [];
  const appearBy = Date.now() + appearMs;
  for (let next = 0; ; next++) {
    const request = seen[next];
    if (!request) {
      const left = appearBy - Date.now();
      if (left <= 0) return undefined;
      // recordTimedtext's listener, registered first, has pushed the new request when this resolves.
      await page
        .waitForRequest((r) => r.url().includes("/api/timedtext"), { timeout: left })
        .catch(() => undefined);
      next--;
      continue;
    }
    if (!isWantedTimedtext(request.url, videoId, selection, potRequired)) continue;
    const response = await Promise.race([request.settled, timeout]);
    if (!response?.ok()) continue;
    const body = await response.text().catch(() => "");
    if (body.trim()) return body;
  }
}

export const playerPage: Strategy = {
  name: "player-page",

  async playerResponse(job) {
    recordTimedtext(job.jobPage.page);
    const loaded = await loadWatchPage(job);
    job.shared.webResponse = loaded.response;
    job.shared.initialData = loaded.initialData;
    return loaded;
  },

  async timedtext(job, selection) {
    const { page } = job.jobPage;
    const videoId = job.work.request.videoId;
    const want: TrackWanted = {
      languageCode: selection.track.languageCode,
      kind: selection.track.kind === "asr" ? "asr" : "",
      vssId: selection.track.vssId,
      tlang: selection.translateTo?.languageCode ?? null,
      potRequired: needsPot(new URL(selection.track.baseUrl, job.origin)),
      deadline: Date.now() + job.stepTimeoutMs,
      potTimeoutMs: job.potTimeoutMs,
    };
    const prepared = await drivePlayer(page, want, "prepare");
    if (prepared.outcome !== "ready") throw new RouteFailed(prepared.outcome);
    if (prepared.isCurrent) {
      // Captions on by default: the player may already have fetched this very track, pot and all.
      const body = await earlierAnswer(page, videoId, selection, {
        potRequired: want.potRequired,
        appearMs: job.potTimeoutMs,
        timeoutMs: job.stepTimeoutMs,
      });
      if (body) return body;
    }
    const answer = page
      .waitForResponse((r) => isWantedTimedtext(r.url(), videoId, selection, want.potRequired), {
        timeout: job.stepTimeoutMs,
      })
      .catch((error: unknown) => {
        if (isTimeout(error)) throw new RouteFailed("the player made no caption request in time");
        throw error;
      });
    answer.catch(() => {});
    const requested = await drivePlayer(page, want, "request");
    if (requested.outcome !== "requested") throw new RouteFailed(requested.outcome);
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
