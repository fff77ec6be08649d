import { ApiError, type LanguageList, type Transcript, type WorkRequest } from "@ytt/shared";
import { BrowserHost } from "../browser/browser-host.js";
import type { UpstreamOverride } from "../browser/chromium.js";
import { classifyPlayability } from "./classify.js";
import { trackOf, videoMetadata } from "./metadata.js";
import { readTracklist } from "./parse/player-response.js";
import { parseTimedtext } from "./parse/timedtext.js";
import { selectTrack } from "./select.js";
import { innertubeAndroid } from "./strategies/innertube-android.js";
import { playerPage } from "./strategies/player-page.js";
import { RouteFailed, type Strategy, type StrategyJob } from "./strategies/strategy.js";

export interface EngineOptions {
  /** https://www.youtube.com in production; the double's origin in tests. */
  youtubeOrigin?: string;
  /** Found automatically when absent (/usr/bin/chromium, chromium-browser, google-chrome). */
  chromiumPath?: string | undefined;
  /** Outbound proxy for the browser (--proxy-server), e.g. http://proxy:3128. */
  proxy?: string | undefined;
  userAgent?: string | undefined;
  /** Test-only: where YouTube's hostnames resolve and which extra server key is trusted (the double). */
  upstream?: UpstreamOverride | undefined;
  /** BCP 47, e.g. en-US: the browser's language and the page's hl. */
  locale?: string;
  /** One page load or caption request. */
  navigationTimeoutMs?: number;
  /** A whole job, every route included. */
  jobTimeoutMs?: number;
  recycleAfterJobs?: number;
  /** Routes in the order they are tried; the default is player page, then innertube ANDROID. */
  strategies?: Strategy[];
}

export interface RunOptions {
  signal?: AbortSignal;
  requestId?: string;
}

export interface Engine {
  run(work: WorkRequest, options?: RunOptions): Promise<Transcript | LanguageList>;
  close(): Promise<void>;
  /** The browser host, for memory accounting and tests of relaunch/recycle. */
  readonly browser: BrowserHost;
}

export const DEFAULT_STRATEGIES: readonly Strategy[] = [playerPage, innertubeAndroid];

/** What one route makes of a video: a result, or the error that ends the job. */
async function runRoute(strategy: Strategy, job: StrategyJob): Promise<Transcript | LanguageList> {
  const { response, initialData } = await strategy.playerResponse(job);
  const refusal = classifyPlayability(response);
  if (refusal) throw refusal;
  const videoId = job.work.request.videoId;
  // The WEB page's player response has the fullest metadata (publish date, chapters' page).
  const video = videoMetadata(
    videoId,
    job.shared.webResponse ?? response,
    initialData ?? job.shared.initialData,
  );
  const list = readTracklist(response);
  if (job.work.kind === "languages") {
    return {
      video,
      tracks: (list?.tracks ?? []).map((t) => trackOf({ track: t })),
      translationLanguages: list?.translationLanguages ?? [],
    };
  }
  if (!list || list.tracks.length === 0) {
    throw new ApiError("TRANSCRIPTS_DISABLED", { details: video.isLive ? { isLive: true } : {} });
  }
  const selection = selectTrack(list, job.work.request);
  const body = await strategy.timedtext(job, selection);
  let segments: Transcript["segments"];
  try {
    segments = parseTimedtext(body);
  } catch (error) {
    throw new RouteFailed(`unparseable timedtext: ${String(error)}`);
  }
  return { video, track: trackOf(selection), segments };
}

/** Retryable errors (blocked, timeouts) may be one route's problem: the next route gets its chance. */
const passesToNextRoute = (error: unknown) =>
  error instanceof RouteFailed ||
  (error instanceof ApiError && error.retryable && error.code !== "UPSTREAM_TIMEOUT");

export function createEngine(options: EngineOptions = {}): Engine {
  const origin = new URL(options.youtubeOrigin ?? "https://www.youtube.com").origin;
  const locale = options.locale ?? "en-US";
  const navigationTimeoutMs = options.navigationTimeoutMs ?? 20_000;
  const jobTimeoutMs = options.jobTimeoutMs ?? 60_000;
  const strategies = options.strategies ?? DEFAULT_STRATEGIES;
  const browser = new BrowserHost({
    youtubeOrigin: origin,
    chromiumPath: options.chromiumPath,
    proxy: options.proxy,
    userAgent: options.userAgent,
    upstream: options.upstream,
    locale,
    navigationTimeoutMs,
    recycleAfterJobs: options.recycleAfterJobs ?? 100,
  });

  async function run(work: WorkRequest, { signal }: RunOptions = {}): Promise<Transcript | LanguageList> {
    signal?.throwIfAborted();
    const deadline = AbortSignal.timeout(jobTimeoutMs);
    const jobSignal = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () =>
        reject(
          deadline.aborted
            ? new ApiError("UPSTREAM_TIMEOUT", { details: { step: "job", timeoutMs: jobTimeoutMs } })
            : signal?.reason,
        );
      if (jobSignal.aborted) onAbort();
      else jobSignal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    const extraction = browser.withPage(async (jobPage) => {
      const job: StrategyJob = {
        work,
        jobPage,
        origin,
        locale,
        stepTimeoutMs: navigationTimeoutMs,
        shared: {},
      };
      const failures: { route: string; error: unknown }[] = [];
      for (const strategy of strategies) {
        try {
          return await runRoute(strategy, job);
        } catch (error) {
          if (jobSignal.aborted || !passesToNextRoute(error)) throw error;
          failures.push({ route: strategy.name, error });
        }
      }
      // Every route failed: a refusal by YouTube says more than a broken route.
      const refusal = failures.find((f) => f.error instanceof ApiError)?.error;
      if (refusal) throw refusal;
      throw new ApiError("INTERNAL", {
        details: {
          cause: "extraction",
          routes: failures.map((f) => ({
            route: f.route,
            reason: String((f.error as Error).message ?? f.error),
          })),
        },
      });
    }, jobSignal);
    return Promise.race([extraction, aborted]).catch((error: unknown) => {
      if (deadline.aborted)
        throw new ApiError("UPSTREAM_TIMEOUT", { details: { step: "job", timeoutMs: jobTimeoutMs } });
      if (signal?.aborted) throw signal.reason;
      if (error instanceof ApiError) throw error;
      throw new ApiError("INTERNAL", {
        details: { cause: "extraction", reason: String(error).slice(0, 300) },
      });
    });
  }

  return { run, close: () => browser.close(), browser };
}
