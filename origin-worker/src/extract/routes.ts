import {
  ApiError,
  type LanguageList,
  type Transcript,
  type TranscriptRequest,
  type VideoMetadata,
} from "@ytt/shared";
import { classifyPlayability } from "./classify.js";
import { trackOf, videoMetadata } from "./metadata.js";
import { type PlayerResponse, readTracklist, type Tracklist } from "./parse/player-response.js";
import { parseTimedtext } from "./parse/timedtext.js";
import type { RouteHealth, RouteOutcome } from "./route-health.js";
import { type Selection, selectTrack } from "./select.js";
import { RouteFailed, type Strategy, type StrategyJob } from "./strategies/strategy.js";

/**
 * Running a job's routes in order, and deciding what their answers add up to. No transient refusal
 * may become a permanent answer: a player response without captions is what a bot-flagged IP gets
 * (jdepoix/youtube-transcript-api#303, #351), so "transcripts disabled" needs every route that got a
 * playable answer to agree; and once the WEB page has said the video plays, an app client's refusal
 * says more about that client than about the video.
 */

type Result = Transcript | LanguageList;

export interface RunRoutesOptions {
  /** Circuit breakers: routes they do not admit are tried only when the others gave no answer. */
  health?: RouteHealth | undefined;
  /** Every route's outcome and the time it took (0 for a skip), skips included (metrics, the route trail). */
  onOutcome?: ((route: string, outcome: RouteOutcome, ms: number) => void) | undefined;
  /** The job's signal: once aborted, nothing is tried any more. */
  signal?: AbortSignal | undefined;
}

/** A playable answer without captions: the next route gets its say before anything is concluded. */
class NoCaptions extends Error {
  constructor(readonly video: VideoMetadata) {
    super("the player response has no captions");
    this.name = "NoCaptions";
  }
}

/**
 * An app client's refusal (private, unavailable, "watch on the latest version"...): it may say more
 * about the client than about the video, so only the WEB page's own verdict ends a job.
 */
class UnconfirmedRefusal extends RouteFailed {}

/** The WEB page's player response, when a route loaded it and it said the video plays. */
function playableWebResponse(job: StrategyJob): PlayerResponse | undefined {
  const web = job.shared.webResponse;
  return web && classifyPlayability(web) === null ? web : undefined;
}

/**
 * The track to fetch from this route's list. When the WEB page listed tracks, the choice (and its
 * refusals: no such language, no such translation) is made against the WEB list, which is the
 * fullest (156 translation languages where ANDROID lists 18, in our captures); this route must
 * then offer the same track.
 */
function chooseTrack(own: Tracklist, web: Tracklist | undefined, request: TranscriptRequest): Selection {
  if (!web || web.tracks.length === 0) return selectTrack(own, request);
  const chosen = selectTrack(web, request);
  const track = own.tracks.find(
    (t) => t.languageCode === chosen.track.languageCode && t.kind === chosen.track.kind,
  );
  if (!track)
    throw new RouteFailed(
      `no ${chosen.track.kind} ${chosen.track.languageCode} track, which the WEB page lists`,
    );
  return chosen.translateTo ? { track, translateTo: chosen.translateTo } : { track };
}

/** What one route makes of a video: a result, or the error that says why not. */
async function runRoute(strategy: Strategy, job: StrategyJob): Promise<Result> {
  const { response, initialData } = await strategy.playerResponse(job);
  const web = playableWebResponse(job);
  const fromWebPage = response === job.shared.webResponse;
  const laterRoute = web !== undefined && !fromWebPage;
  const refusal = classifyPlayability(response);
  if (refusal) {
    // Blocks stay blocks (retryable); any other refusal is final only from the WEB page itself.
    if (!fromWebPage && refusal.code !== "BLOCKED_BY_YOUTUBE")
      throw new UnconfirmedRefusal(
        `${web ? "refused a video the WEB page plays" : "refused, unconfirmed by the WEB page"}: ${refusal.code} ${refusal.details?.reason ?? ""}`,
      );
    throw refusal;
  }
  const videoId = job.work.request.videoId;
  // The WEB page's player response has the fullest metadata (publish date, chapters' page).
  const video = videoMetadata(videoId, web ?? response, initialData ?? job.shared.initialData);
  const list = readTracklist(response);
  if (!list || list.tracks.length === 0) throw new NoCaptions(video);
  if (job.work.kind === "languages") {
    return {
      video,
      tracks: list.tracks.map((t) => trackOf({ track: t })),
      translationLanguages: list.translationLanguages,
    };
  }
  const selection = chooseTrack(list, laterRoute ? readTracklist(web) : undefined, job.work.request);
  const body = await strategy.timedtext(job, selection);
  let segments: Transcript["segments"];
  try {
    segments = parseTimedtext(body);
  } catch (error) {
    throw new RouteFailed(`unparseable timedtext: ${String(error)}`);
  }
  return { video, track: trackOf(selection), segments };
}

function outcomeOf(error: unknown, signal: AbortSignal | undefined): RouteOutcome {
  if (signal?.aborted) return signal.reason?.name === "TimeoutError" ? "timeout" : "error";
  if (error instanceof NoCaptions) return "no_captions";
  if (error instanceof RouteFailed) return "failed";
  if (!(error instanceof ApiError)) return "error";
  if (error.code === "BLOCKED_BY_YOUTUBE") return "blocked";
  if (error.code === "UPSTREAM_TIMEOUT") return "timeout";
  return error.retryable ? "error" : "refused";
}

/** Retryable errors (blocked, a broken browser) may be one route's problem; a timeout ends the job. */
const passesToNextRoute = (error: unknown) =>
  error instanceof RouteFailed ||
  (error instanceof ApiError && error.retryable && error.code !== "UPSTREAM_TIMEOUT");

const reasonOf = (error: unknown) =>
  error instanceof ApiError ? error.code : String((error as Error)?.message ?? error);

export async function runRoutes(
  strategies: readonly Strategy[],
  job: StrategyJob,
  { health, onOutcome, signal }: RunRoutesOptions = {},
): Promise<Result> {
  const captionless: { route: string; error: NoCaptions }[] = [];
  const failures: { route: string; error: unknown }[] = [];
  const report = (route: string, outcome: RouteOutcome, started?: number) => {
    if (outcome !== "skipped") health?.record(route, outcome);
    onOutcome?.(route, outcome, started === undefined ? 0 : Math.round(performance.now() - started));
  };

  async function attempt(strategy: Strategy): Promise<Result | undefined> {
    const started = performance.now();
    try {
      const result = await runRoute(strategy, job);
      report(strategy.name, "success", started);
      return result;
    } catch (error) {
      report(strategy.name, outcomeOf(error, signal), started);
      if (signal?.aborted) throw error;
      // A crashed browser is our failure, not the route's: the job is retried whole (with the WEB
      // page's full metadata) rather than answered by a later route.
      if (job.jobPage.browserGone()) {
        throw new ApiError("INTERNAL", {
          details: { cause: "browser", reason: "the browser crashed or disconnected" },
        });
      }
      if (error instanceof NoCaptions) captionless.push({ route: strategy.name, error });
      else if (passesToNextRoute(error)) failures.push({ route: strategy.name, error });
      else throw error;
      return undefined;
    }
  }

  const skipped: Strategy[] = [];
  let attempted = 0;
  for (const strategy of strategies) {
    if (health && !health.admit(strategy.name)) {
      report(strategy.name, "skipped");
      skipped.push(strategy);
      continue;
    }
    attempted++;
    const result = await attempt(strategy);
    if (result) return result;
  }
  // A route whose breaker is open is skipped: a route YouTube broke costs a job nothing. It still
  // gets its turn when no route was tried at all, and before "no captions" or an app client's
  // refusal is taken for the video's answer.
  const needsSkipped =
    attempted === 0 || captionless.length > 0 || failures.some((f) => f.error instanceof UnconfirmedRefusal);
  for (const strategy of needsSkipped ? skipped : []) {
    const result = await attempt(strategy);
    if (result) return result;
  }

  const agreed = captionless[0];
  if (agreed && failures.length === 0) {
    const { video } = agreed.error;
    if (job.work.kind === "languages") return { video, tracks: [], translationLanguages: [] };
    throw new ApiError("TRANSCRIPTS_DISABLED", { details: video.isLive ? { isLive: true } : {} });
  }
  // A refusal by YouTube (a block) says more than a broken route.
  const refusal = failures.find((f) => f.error instanceof ApiError)?.error;
  if (refusal) throw refusal;
  throw new ApiError("INTERNAL", {
    details: {
      cause: "extraction",
      routes: [
        ...failures.map((f) => ({ route: f.route, reason: reasonOf(f.error) })),
        ...captionless.map((c) => ({ route: c.route, reason: "no captions" })),
      ],
    },
  });
}
