import { ApiError } from "@ytt/shared";
import { isYoutube } from "../../browser/request-filter.js";
import type { UpstreamResponse } from "../../upstream/fetch.js";
import { blocked, retryAfterSeconds } from "../classify.js";
import type { InnertubeClient } from "../innertube/clients.js";
import { needsPot } from "../parse/player-response.js";
import { RouteFailed, type Strategy, type StrategyJob } from "./strategy.js";

/**
 * The fallback routes: ask `/youtubei/v1/player` as one of YouTube's apps does (ANDROID, IOS...).
 * Their caption baseUrls used to need no pot; some now carry `exp=xpe` too
 * (jdepoix/youtube-transcript-api#592), and YouTube bot-checks these clients on networks where the
 * web player still works (killergerbah/asbplayer PR #978). The requests go out from the worker
 * (Node), not from the browser page: an app request carries the app's User-Agent and client headers,
 * and no Origin, sec-fetch-* or browser cookies.
 */

/** An app's request: its User-Agent and client headers, nothing a browser would add. */
function appHeaders(client: InnertubeClient): Record<string, string> {
  return {
    "user-agent": client.userAgent,
    "x-youtube-client-name": String(client.id),
    "x-youtube-client-version": client.version,
  };
}

async function send(
  job: StrategyJob,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<UpstreamResponse> {
  const stepTimeout = AbortSignal.timeout(job.stepTimeoutMs);
  try {
    return await job.fetchUpstream(url, { ...init, signal: AbortSignal.any([job.signal, stepTimeout]) });
  } catch (error) {
    if (job.signal.aborted) throw error;
    if (stepTimeout.aborted) throw new ApiError("UPSTREAM_TIMEOUT", { details: { step: "innertube" } });
    throw new RouteFailed(`request failed: ${String(error).slice(0, 200)}`);
  }
}

const retryAfter = (answer: UpstreamResponse) => {
  const header = answer.headers["retry-after"];
  return retryAfterSeconds(Array.isArray(header) ? header[0] : header);
};

/** Caption URLs must stay on YouTube (or on the configured double): never fetch elsewhere for a player response. */
function onYoutube(url: URL, origin: string): boolean {
  const configured = new URL(origin);
  return isYoutube(configured) ? isYoutube(url) : url.origin === configured.origin;
}

export function innertubeStrategy(client: InnertubeClient): Strategy {
  return {
    name: `innertube-${client.name.toLowerCase()}`,

    async playerResponse(job) {
      const [hl, gl] = job.locale.split("-");
      const answer = await send(job, `${job.origin}/youtubei/v1/player?prettyPrint=false`, {
        method: "POST",
        headers: { ...appHeaders(client), "content-type": "application/json" },
        body: JSON.stringify({
          context: {
            client: { ...client.context, userAgent: client.userAgent, hl: hl ?? "en", gl: gl ?? "US" },
          },
          videoId: job.work.request.videoId,
          contentCheckOk: true,
          racyCheckOk: true,
        }),
      });
      if (answer.status === 429) throw blocked("innertube rate limited", retryAfter(answer));
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
      if (!onYoutube(url, job.origin)) throw new RouteFailed(`caption URL off YouTube: ${url.host}`);
      // Fetching would only get the empty 200 a pot-less request gets; say why instead.
      if (needsPot(url))
        throw new RouteFailed(`caption URL needs a pot (exp=${url.searchParams.get("exp")})`);
      if (selection.translateTo) url.searchParams.set("tlang", selection.translateTo.languageCode);
      const answer = await send(job, url.toString(), { method: "GET", headers: appHeaders(client) });
      if (answer.status === 429) throw blocked("timedtext rate limited", retryAfter(answer));
      if (answer.status !== 200 || answer.body.trim() === "") {
        throw new RouteFailed(`caption URL answered ${answer.status} with ${answer.body.length} bytes`);
      }
      return answer.body;
    },
  };
}
