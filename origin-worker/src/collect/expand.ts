import {
  ApiError,
  type ChannelTab,
  COLLECTION_LIMIT,
  type CollectionRef,
  collectionPagePath,
  DEFAULT_CHANNEL_TAB,
} from "@ytt/shared";
import { blocked, detectInterstitial, retryAfterSeconds } from "../extract/classify.js";
import { extractAssignedJson, extractInitialData } from "../extract/parse/player-response.js";
import type { UpstreamFetch, UpstreamResponse } from "../upstream/fetch.js";
import {
  appendedItems,
  type CollectedVideo,
  type EntriesPage,
  errorAlert,
  playlistItems,
  readEntries,
  selectedTab,
} from "./read.js";

/**
 * Expands a collection (a playlist, or a channel's videos, shorts or streams) into its videos, the
 * way the website lists them: the page (for its innertube config, and whether it exists), then
 * `/youtubei/v1/browse` continuations until the limit or the end. Plain HTTP from the worker, as a
 * logged-out browser sends it: no Chromium is needed to read a list.
 */

export interface CollectOptions {
  /** https://www.youtube.com (the only origin requests go to). */
  origin: string;
  fetchUpstream: UpstreamFetch;
  /** The browser's User-Agent: the requests are the website's own. */
  userAgent: string;
  /** One page or continuation request. */
  stepTimeoutMs: number;
  signal?: AbortSignal;
}

export interface CollectionListing {
  /** The playlist's ID, or the channel's UC… ID. */
  id: string;
  title: string;
  /** The channel tab listed; absent for a playlist. */
  tab?: ChannelTab;
  /** In the collection's order, each video once; unavailable entries included (and counted against the limit). */
  videos: CollectedVideo[];
  /** The limit stopped the listing before the collection's end. */
  truncated: boolean;
}

/** What yt-dlp sends for a playlist with its unavailable videos listed (`_reload_with_unavailable_videos`). */
const SHOW_UNAVAILABLE = "wgYCCAA=";
/** English, so that unavailable entries carry the placeholders read.ts knows. */
const HL = "en";
/**
 * The pages a listing may take beyond what the limit needs: a page can be short (YouTube drops
 * items it will not show), but a listing that keeps going past this is looping.
 */
const SPARE_PAGES = 5;
const SMALLEST_PAGE = 30;

export async function expandCollection(
  ref: CollectionRef,
  request: { limit?: number; tab?: ChannelTab },
  options: CollectOptions,
): Promise<CollectionListing> {
  const limit = request.limit ?? COLLECTION_LIMIT.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > COLLECTION_LIMIT.max) {
    throw new ApiError("INVALID_REQUEST", {
      message: `limit must be a whole number from 1 to ${COLLECTION_LIMIT.max}.`,
    });
  }
  const tab = ref.type === "channel" ? (request.tab ?? ref.tab ?? DEFAULT_CHANNEL_TAB) : undefined;
  const client = new BrowseClient(options);
  const page = await client.page(collectionPagePath(ref, tab), ref.type);

  let first: EntriesPage;
  let id: string;
  let title: string;
  if (ref.type === "playlist") {
    // The page hides unavailable entries ("N unavailable videos are hidden"); asked as yt-dlp asks,
    // browse lists them, so the listing says which entries cannot be had.
    const all = await client.browse({ browseId: `VL${ref.playlistId}`, params: SHOW_UNAVAILABLE });
    const missing = errorAlert(all);
    if (missing)
      throw new ApiError("NOT_FOUND", { message: missing, details: { playlistId: ref.playlistId } });
    first = readEntries(playlistItems(all));
    id = ref.playlistId;
    title = String(page.data?.metadata?.playlistMetadataRenderer?.title ?? "");
  } else {
    const selected = selectedTab(page.data);
    const url = String(selected?.endpoint?.commandMetadata?.webCommandMetadata?.url ?? "");
    // A channel without the tab shows its home tab instead.
    if (!url.endsWith(`/${tab}`)) {
      throw new ApiError("NOT_FOUND", { message: `The channel has no ${tab} tab.`, details: { tab } });
    }
    first = readEntries(selected?.content?.richGridRenderer?.contents);
    const metadata = page.data?.metadata?.channelMetadataRenderer;
    id = String(metadata?.externalId ?? "");
    title = String(metadata?.title ?? "");
  }

  const videos = new Map<string, CollectedVideo>();
  const seenTokens = new Set<string>();
  const maxPages = Math.ceil(limit / SMALLEST_PAGE) + SPARE_PAGES;
  let next: EntriesPage = first;
  for (let pages = 1; ; pages++) {
    let unread = 0;
    for (const video of next.videos) {
      if (videos.size >= limit) unread++;
      else if (!videos.has(video.videoId)) videos.set(video.videoId, video);
    }
    const token = next.continuation;
    if (videos.size >= limit || token === undefined) {
      return {
        id,
        title,
        ...(tab ? { tab } : {}),
        videos: [...videos.values()],
        truncated: unread > 0 || token !== undefined,
      };
    }
    // yt-dlp `_entries`: a token seen before means YouTube is looping the feed.
    if (seenTokens.has(token) || pages >= maxPages) {
      throw new ApiError("INTERNAL", {
        details: { cause: "collection", reason: `YouTube's continuations did not end (${pages} pages)` },
      });
    }
    seenTokens.add(token);
    next = readEntries(appendedItems(await client.browse({ continuation: token })));
  }
}

/** The website's requests: the page, then innertube browse calls with the page's own client config. */
class BrowseClient {
  private clientVersion = "";
  private visitorData: string | undefined;

  constructor(private readonly options: CollectOptions) {}

  /** A collection's page; its ytcfg configures the browse calls that follow. */
  async page(
    path: string,
    what: "playlist" | "channel",
  ): Promise<{ data: ReturnType<typeof extractInitialData> }> {
    const separator = path.includes("?") ? "&" : "?";
    const answer = await this.send("page", `${path}${separator}hl=${HL}`, {
      method: "GET",
      headers: { accept: "text/html", "accept-language": "en-US,en;q=0.9" },
    });
    if (answer.status === 404) throw new ApiError("NOT_FOUND", { message: `The ${what} does not exist.` });
    this.refuseBlocks(answer);
    // The consent interstitial despite the SOCS cookie: this exit is asked to decide, which plain HTTP
    // cannot; another exit (or a later try) may not be.
    const location = answer.headers.location;
    if (typeof location === "string" && location.startsWith("https://consent.youtube.com/"))
      throw blocked("the consent interstitial on the collection page");
    const interstitial = detectInterstitial(answer.body);
    if (interstitial?.kind === "captcha") throw blocked("captcha on the collection page");
    const data = answer.status === 200 ? extractInitialData(answer.body) : undefined;
    if (data === undefined)
      throw this.unexpected(`the collection page answered ${answer.status} without its data`);
    const missing = errorAlert(data);
    if (missing) throw new ApiError("NOT_FOUND", { message: missing });
    const at = answer.body.indexOf("ytcfg.set({");
    // biome-ignore lint/suspicious/noExplicitAny: YouTube's config is untyped; the fields are checked.
    const ytcfg: any = at < 0 ? undefined : extractAssignedJson(answer.body.slice(at), "ytcfg.set(");
    const version = ytcfg?.INNERTUBE_CLIENT_VERSION ?? ytcfg?.INNERTUBE_CONTEXT?.client?.clientVersion;
    if (typeof version !== "string" || version === "") {
      throw this.unexpected("the collection page has no innertube client version");
    }
    this.clientVersion = version;
    const visitorData = ytcfg?.INNERTUBE_CONTEXT?.client?.visitorData ?? ytcfg?.VISITOR_DATA;
    this.visitorData = typeof visitorData === "string" ? visitorData : undefined;
    return { data };
  }

  // biome-ignore lint/suspicious/noExplicitAny: YouTube's JSON is untyped; read.ts checks each field.
  async browse(body: Record<string, string>): Promise<any> {
    const client = {
      clientName: "WEB",
      clientVersion: this.clientVersion,
      hl: HL,
      gl: "US",
      ...(this.visitorData ? { visitorData: this.visitorData } : {}),
    };
    const answer = await this.send("browse", "/youtubei/v1/browse?prettyPrint=false", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: this.options.origin,
        "x-youtube-client-name": "1",
        "x-youtube-client-version": this.clientVersion,
        ...(this.visitorData ? { "x-goog-visitor-id": this.visitorData } : {}),
      },
      body: JSON.stringify({ context: { client }, ...body }),
    });
    this.refuseBlocks(answer);
    if (answer.status !== 200) throw this.unexpected(`browse answered ${answer.status}`);
    try {
      return JSON.parse(answer.body);
    } catch {
      throw this.unexpected("browse answered something other than JSON");
    }
  }

  private refuseBlocks(answer: UpstreamResponse): void {
    if (answer.status !== 429 && answer.status !== 403) return;
    const header = answer.headers["retry-after"];
    throw blocked(
      `the collection's ${answer.status === 429 ? "rate limit" : "refusal"}`,
      retryAfterSeconds(Array.isArray(header) ? header[0] : header),
    );
  }

  private unexpected(reason: string): ApiError {
    return new ApiError("INTERNAL", { details: { cause: "collection", reason } });
  }

  private async send(
    step: "page" | "browse",
    path: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<UpstreamResponse> {
    const { signal, stepTimeoutMs, fetchUpstream, origin, userAgent } = this.options;
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(stepTimeoutMs);
    try {
      return await fetchUpstream(`${origin}${path}`, {
        ...init,
        // The consent decision YouTube records in SOCS, so an EU exit gets the page, not the interstitial.
        headers: { ...init.headers, "user-agent": userAgent, cookie: "SOCS=CAI" },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new ApiError("UPSTREAM_TIMEOUT", {
          details: { step: `collection ${step}`, timeoutMs: stepTimeoutMs },
        });
      }
      throw this.unexpected(`the ${step} request failed: ${String(error).slice(0, 200)}`);
    }
  }
}
