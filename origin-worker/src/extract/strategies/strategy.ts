import type { WorkRequest } from "@ytt/shared";
import type { JobPage } from "../../browser/browser-host.js";
import type { UpstreamFetch } from "../../upstream/fetch.js";
import type { PlayerResponse } from "../parse/player-response.js";
import type { Selection } from "../select.js";

/**
 * One route to a video's captions. YouTube breaks routes from time to time, so the engine tries
 * an ordered list of them: each gets the player response its way, then the chosen track's
 * timedtext its way. Definitive answers (private, disabled, no such language...) are thrown as
 * ApiError and end the job; `RouteFailed` (and retryable ApiErrors) pass to the next route.
 */
export interface Strategy {
  readonly name: string;
  /** The video's player response, and the watch page's ytInitialData when this route loads it. */
  playerResponse(job: StrategyJob): Promise<{ response: PlayerResponse; initialData?: PlayerResponse }>;
  /** The timedtext body of the selected track (translated when asked). */
  timedtext(job: StrategyJob, selection: Selection): Promise<string>;
}

export interface StrategyJob {
  work: WorkRequest;
  jobPage: JobPage;
  /** The configured YouTube origin (https://www.youtube.com, or the double). */
  origin: string;
  locale: string;
  /** How long one page load or caption request may take. */
  stepTimeoutMs: number;
  /** How long the player route waits for the pot decoration of the wanted track's URL. */
  potTimeoutMs: number;
  /** HTTP from the worker itself (app clients), under the same host rules as the browser. */
  fetchUpstream: UpstreamFetch;
  /** Aborts when the job ends (deadline or caller), for work the page's closing does not stop. */
  signal: AbortSignal;
  /** Shared between routes of one job: what an earlier route already learnt. */
  shared: { webResponse?: PlayerResponse; initialData?: PlayerResponse; apiKey?: string };
}

/** This route did not work for this video; the next one may. */
export class RouteFailed extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "RouteFailed";
  }
}
