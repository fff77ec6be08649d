import { ApiError } from "@ytt/shared";
import { blocked, retryAfterSeconds } from "../classify.js";
import { RouteFailed, type Strategy, type StrategyJob } from "./strategy.js";

/**
 * The fallback route: ask `/youtubei/v1/player` as the ANDROID app does. Its caption baseUrls
 * are plain `fmt=srv3` URLs that need no pot, but YouTube bot-checks this client on some
 * networks. Requests go out from the job's page, so the allow-list, proxy and cookies apply.
 */

const ANDROID_CLIENT = {
  clientName: "ANDROID",
  clientVersion: "20.10.38",
  androidSdkVersion: 30,
  osName: "Android",
  osVersion: "11",
};

interface PageFetchResult {
  status: number;
  retryAfter: string | null;
  body: string;
}

/** fetch() from inside the page, which must be on the YouTube origin for same-origin requests. */
async function pageFetch(
  job: StrategyJob,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
) {
  const { page } = job.jobPage;
  if (job.jobPage.page.url() === "about:blank" || new URL(page.url()).origin !== new URL(job.origin).origin) {
    // Any page of the origin will do; robots.txt is small and never an interstitial.
    await page
      .goto(`${job.origin}/robots.txt`, { waitUntil: "domcontentloaded", timeout: job.stepTimeoutMs })
      .catch(() => {
        throw new RouteFailed("could not open a page on the YouTube origin");
      });
  }
  const timeoutMs = job.stepTimeoutMs;
  return page
    .evaluate(
      async ({ url, init, timeoutMs }): Promise<PageFetchResult> => {
        const answer = await fetch(url, {
          ...init,
          credentials: "include",
          signal: AbortSignal.timeout(timeoutMs),
        });
        return {
          status: answer.status,
          retryAfter: answer.headers.get("retry-after"),
          body: await answer.text(),
        };
      },
      { url, init, timeoutMs },
    )
    .catch((error: unknown) => {
      if (String(error).includes("TimeoutError"))
        throw new ApiError("UPSTREAM_TIMEOUT", { details: { step: url.split("?")[0] } });
      throw new RouteFailed(`fetch failed: ${String(error).slice(0, 200)}`);
    });
}

export const innertubeAndroid: Strategy = {
  name: "innertube-android",

  async playerResponse(job) {
    const [hl, gl] = job.locale.split("-");
    const answer = await pageFetch(job, `${job.origin}/youtubei/v1/player?prettyPrint=false`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-youtube-client-name": "3",
        "x-youtube-client-version": ANDROID_CLIENT.clientVersion,
      },
      body: JSON.stringify({
        context: { client: { ...ANDROID_CLIENT, hl: hl ?? "en", gl: gl ?? "US" } },
        videoId: job.work.request.videoId,
        contentCheckOk: true,
        racyCheckOk: true,
      }),
    });
    if (answer.status === 429)
      throw blocked("innertube rate limited", retryAfterSeconds(answer.retryAfter ?? undefined));
    if (answer.status !== 200) throw new RouteFailed(`innertube player answered ${answer.status}`);
    try {
      return {
        response: JSON.parse(answer.body),
        ...(job.shared.initialData ? { initialData: job.shared.initialData } : {}),
      };
    } catch {
      throw new RouteFailed("innertube player answered something other than JSON");
    }
  },

  async timedtext(job, selection) {
    const url = new URL(selection.track.baseUrl, job.origin);
    if (url.origin !== new URL(job.origin).origin)
      throw new RouteFailed(`caption URL off the origin: ${url.host}`);
    if (selection.translateTo) url.searchParams.set("tlang", selection.translateTo.languageCode);
    const answer = await pageFetch(job, url.toString(), { method: "GET" });
    if (answer.status === 429)
      throw blocked("timedtext rate limited", retryAfterSeconds(answer.retryAfter ?? undefined));
    if (answer.status !== 200 || answer.body.trim() === "") {
      throw new RouteFailed(`caption URL answered ${answer.status} with ${answer.body.length} bytes`);
    }
    return answer.body;
  },
};
