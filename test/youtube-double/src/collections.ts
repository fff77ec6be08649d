import { createHmac, timingSafeEqual } from "node:crypto";
import type { ChannelTab } from "@ytt/shared";
import type { Json } from "./captures.js";
import { fillerVideoId, VIDEOS } from "./catalogue.js";

/**
 * Playlist and channel pages, and the innertube `browse` calls that continue them, in the shapes of
 * the real 2025–2026 site as the scrapers that read it see them:
 * - yt-dlp `yt_dlp/extractor/youtube/_tab.py` (YoutubeTabIE): `ytInitialData` →
 *   `twoColumnBrowseResultsRenderer.tabs[].tabRenderer.content`, a playlist's
 *   `sectionListRenderer → itemSectionRenderer → playlistVideoListRenderer.contents[].playlistVideoRenderer`,
 *   a channel tab's `richGridRenderer.contents[].richItemRenderer.content` holding a `videoRenderer`, a
 *   `lockupViewModel` (`contentId`, `metadata.lockupMetadataViewModel.title.content`) or, on the shorts
 *   tab, a `shortsLockupViewModel` (`onTap.innertubeCommand.reelWatchEndpoint.videoId`); the last item a
 *   `continuationItemRenderer` whose `continuationEndpoint.continuationCommand.token` is POSTed to
 *   `/youtubei/v1/browse` as `continuation`, answered in
 *   `onResponseReceivedActions[].appendContinuationItemsAction.continuationItems`;
 * - unavailable videos: the page hides them behind an INFO alert "N unavailable videos are hidden"
 *   (`alertWithButtonRenderer`, play-dl#15, LuanRT/YouTube.js#486, yt-dlp `_IGNORED_WARNINGS`); yt-dlp
 *   `_reload_with_unavailable_videos` asks `browse` for `browseId: VL<id>, params: "wgYCCAA="` to list
 *   them, as "[Deleted video]" / "[Private video]" entries that cannot be played (`isPlayable: false`,
 *   no length, no channel);
 * - a playlist that does not exist: an ERROR alert "The playlist does not exist." (yt-dlp#440,
 *   TeamPiped/Piped#1255); a channel that does not exist: HTTP 404.
 * Page sizes as on the real site: 100 playlist entries a page, 30 items a channel grid page.
 * Harsher where the real behaviour is unknown: continuation tokens are bound (HMAC) to this double,
 * the collection, its view and offset, and expire; anything else is a 400 INVALID_ARGUMENT, as real
 * innertube answers a malformed token.
 */

export const PLAYLIST_PAGE_SIZE = 100;
export const GRID_PAGE_SIZE = 30;
/** What yt-dlp sends to have a playlist list its unavailable videos too. */
export const SHOW_UNAVAILABLE_PARAMS = "wgYCCAA=";
/** How long a continuation token is honoured. */
export const CONTINUATION_TTL_MS = 30 * 60_000;

export type EntryStatus = "ok" | "deleted" | "private";

export interface CollectionEntry {
  videoId: string;
  status: EntryStatus;
}

export interface CataloguePlaylist {
  playlistId: string;
  case: string;
  title: string;
  channelName: string;
  channelId: string;
  entries: CollectionEntry[];
}

export interface CatalogueChannel {
  channelId: string;
  /** With its @. */
  handle: string;
  case: string;
  title: string;
  /** The legacy /c/ and /user/ names that reach it. */
  customName?: string;
  userName?: string;
  /** The tabs it has (a channel without streams has no streams tab). */
  tabs: Partial<Record<ChannelTab, string[]>>;
}

const ok = (videoId: string): CollectionEntry => ({ videoId, status: "ok" });
const fillers = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ok(fillerVideoId(from + i)));

/** 120 entries over two pages: a deleted one on the first, a private one on the second, one without captions. */
const LONG_PLAYLIST: CataloguePlaylist = {
  playlistId: "PLdbl120VideosWithGapsAndNoCapts01",
  case: "120 entries (two pages), one deleted, one private, one without captions",
  title: "Double: a long playlist",
  channelName: "Double Channel",
  channelId: "UCdoubleDoubleDouble0001",
  entries: [
    ok("GJLlxj_dtq8"),
    ok("dblAsrOnly1"),
    ok("dblNoCapts1"),
    ...fillers(1, 46),
    { videoId: "dblDeleted1", status: "deleted" },
    ...fillers(47, 96),
    { videoId: "dblPrivate1", status: "private" },
    ...fillers(97, 115),
  ],
};

const SHORT_PLAYLIST: CataloguePlaylist = {
  playlistId: "PLdblThreeVideosNoGaps00000000001",
  case: "three playable videos, one page, nothing hidden",
  title: "Double: a short playlist",
  channelName: "Double Channel",
  channelId: "UCdoubleDoubleDouble0001",
  entries: [ok("GJLlxj_dtq8"), ok("dblAsrOnly1"), ok(fillerVideoId(1))],
};

export const PLAYLISTS: Readonly<Record<string, CataloguePlaylist>> = Object.fromEntries(
  [LONG_PLAYLIST, SHORT_PLAYLIST].map((p) => [p.playlistId, p]),
);

const MAIN_CHANNEL: CatalogueChannel = {
  channelId: "UCdoubleDoubleDouble0001",
  handle: "@doublechannel",
  case: "videos over three grid pages, shorts and streams",
  title: "Double Channel",
  customName: "DoubleChannel",
  userName: "doublechannel",
  tabs: {
    videos: fillers(116, 185).map((e) => e.videoId),
    shorts: fillers(186, 190).map((e) => e.videoId),
    streams: ["dblLiveNow1", ...fillers(191, 192).map((e) => e.videoId)],
  },
};

const VIDEOS_ONLY_CHANNEL: CatalogueChannel = {
  channelId: "UCdoubleVideosOnly000002",
  handle: "@doublevideosonly",
  case: "a videos tab and nothing else",
  title: "Double Videos Only",
  tabs: { videos: fillers(193, 195).map((e) => e.videoId) },
};

export const CHANNELS: readonly CatalogueChannel[] = [MAIN_CHANNEL, VIDEOS_ONLY_CHANNEL];

/** What the page of a playlist or channel tab is: the initial data, or a status with no page. */
export type CollectionPage = { status: 200; title: string; initialData: Json } | { status: 404 };
export type BrowseAnswer = { status: number; body: Json };

const TAB_TITLES: Record<ChannelTab | "featured", string> = {
  featured: "Home",
  videos: "Videos",
  shorts: "Shorts",
  streams: "Live",
};

/** A path segment as the server reads it; a malformed escape stays as sent (and matches nothing). */
const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};
const text = (value: string) => ({ runs: [{ text: value }] });
const titleOf = (videoId: string) => VIDEOS[videoId]?.title ?? "";
const lengthText = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

/** One view of a collection that continuations page through. */
interface View {
  /** The collection: a playlist ID, or a channel ID with its tab. */
  collection: string;
  /** Whether a playlist lists its unavailable entries. */
  all: boolean;
  offset: number;
}

export interface CollectionPages {
  /** The page at a www.youtube.com path, or undefined when the path is not a collection's. */
  page(url: URL): CollectionPage | undefined;
  /** POST /youtubei/v1/browse. */
  browse(request: Json): BrowseAnswer;
}

export function collectionPages(key: Buffer, now: () => number = Date.now): CollectionPages {
  const mac = (payload: string) => createHmac("sha256", key).update(payload).digest().subarray(0, 16);

  /**
   * A token shaped like the real ones (base64 of a protobuf whose field 80226972 starts "4qmFsgK"),
   * carrying the view and issue time in the clear and a MAC over them.
   */
  const token = (view: View): string => {
    const payload = JSON.stringify([view.collection, view.all ? 1 : 0, view.offset, now()]);
    const body = Buffer.concat([Buffer.from([0xe2, 0xa9, 0x85, 0xb2, 0x02]), Buffer.from(payload)]);
    return Buffer.concat([body, mac(body.toString("latin1"))]).toString("base64url");
  };

  const readToken = (value: unknown): View | undefined => {
    if (typeof value !== "string" || value.length > 1024) return undefined;
    const bytes = Buffer.from(value, "base64url");
    if (bytes.length < 5 + 16 + 2) return undefined;
    const body = bytes.subarray(0, bytes.length - 16);
    if (!timingSafeEqual(mac(body.toString("latin1")), bytes.subarray(bytes.length - 16))) return undefined;
    const [collection, all, offset, issuedAt] = JSON.parse(body.subarray(5).toString()) as [
      string,
      number,
      number,
      number,
    ];
    if (now() - issuedAt > CONTINUATION_TTL_MS) return undefined;
    return { collection, all: all === 1, offset };
  };

  const continuationItem = (view: View) => ({
    continuationItemRenderer: {
      trigger: "CONTINUATION_TRIGGER_ON_ITEM_SHOWN",
      continuationEndpoint: {
        commandMetadata: { webCommandMetadata: { sendPost: true, apiUrl: "/youtubei/v1/browse" } },
        continuationCommand: { token: token(view), request: "CONTINUATION_REQUEST_TYPE_BROWSE" },
      },
    },
  });

  const playlistEntry = (playlist: CataloguePlaylist, entry: CollectionEntry, index: number) => {
    if (entry.status !== "ok") {
      return {
        playlistVideoRenderer: {
          videoId: entry.videoId,
          title: text(entry.status === "deleted" ? "[Deleted video]" : "[Private video]"),
          index: { simpleText: String(index) },
          isPlayable: false,
        },
      };
    }
    const video = VIDEOS[entry.videoId];
    return {
      playlistVideoRenderer: {
        videoId: entry.videoId,
        title: text(titleOf(entry.videoId)),
        index: { simpleText: String(index) },
        shortBylineText: {
          runs: [
            {
              text: video?.channelName ?? playlist.channelName,
              navigationEndpoint: { browseEndpoint: { browseId: video?.channelId ?? playlist.channelId } },
            },
          ],
        },
        lengthSeconds: String(video?.lengthSeconds ?? 0),
        lengthText: { simpleText: lengthText(video?.lengthSeconds ?? 0) },
        isPlayable: true,
        navigationEndpoint: { watchEndpoint: { videoId: entry.videoId, playlistId: playlist.playlistId } },
      },
    };
  };

  /**
   * The view's page from its offset, with each entry's 1-based index in the whole playlist. The page is
   * cut from the whole list and the hidden entries then dropped, so a page with some is short, as
   * YouTube's are (yt-dlp's _tab.py never counts on a full page).
   */
  const playlistSlice = (playlist: CataloguePlaylist, view: View) => {
    const items: Json[] = playlist.entries
      .map((entry, i) => ({ entry, index: i + 1 }))
      .slice(view.offset, view.offset + PLAYLIST_PAGE_SIZE)
      .filter(({ entry }) => view.all || entry.status === "ok")
      .map(({ entry, index }) => playlistEntry(playlist, entry, index));
    const next = view.offset + PLAYLIST_PAGE_SIZE;
    if (next < playlist.entries.length) items.push(continuationItem({ ...view, offset: next }));
    return items;
  };

  const playlistData = (playlist: CataloguePlaylist, all: boolean): Json => {
    const hidden = all ? 0 : playlist.entries.filter((e) => e.status !== "ok").length;
    return {
      responseContext: { mainAppWebResponseContext: { loggedOut: true } },
      contents: {
        twoColumnBrowseResultsRenderer: {
          tabs: [
            {
              tabRenderer: {
                selected: true,
                content: {
                  sectionListRenderer: {
                    contents: [
                      {
                        itemSectionRenderer: {
                          contents: [
                            {
                              playlistVideoListRenderer: {
                                contents: playlistSlice(playlist, {
                                  collection: playlist.playlistId,
                                  all,
                                  offset: 0,
                                }),
                                playlistId: playlist.playlistId,
                                isEditable: false,
                                targetId: "pl-video-list",
                              },
                            },
                          ],
                        },
                      },
                    ],
                  },
                },
              },
            },
          ],
        },
      },
      ...(hidden > 0
        ? {
            alerts: [
              {
                alertWithButtonRenderer: {
                  type: "INFO",
                  text: {
                    simpleText: `${hidden} unavailable ${hidden === 1 ? "video is" : "videos are"} hidden`,
                  },
                },
              },
            ],
          }
        : {}),
      header: { pageHeaderRenderer: { pageTitle: playlist.title } },
      metadata: { playlistMetadataRenderer: { title: playlist.title } },
    };
  };

  const playlistMissing = (): Json => ({
    responseContext: { mainAppWebResponseContext: { loggedOut: true } },
    alerts: [{ alertRenderer: { type: "ERROR", text: text("The playlist does not exist.") } }],
  });

  /** The grid items of one tab from an offset: each tab in its own item shape (see the top). */
  const gridItems = (channel: CatalogueChannel, tab: ChannelTab, offset: number): Json[] => {
    const ids = channel.tabs[tab] ?? [];
    const item = (videoId: string): Json => {
      if (tab === "shorts") {
        return {
          shortsLockupViewModel: {
            entityId: `shorts-shelf-item-${videoId}`,
            onTap: { innertubeCommand: { reelWatchEndpoint: { videoId } } },
            overlayMetadata: { primaryText: { content: titleOf(videoId) } },
          },
        };
      }
      // Streams come as lockupViewModel; so do the videos tab's later pages, its first as videoRenderer:
      // YouTube is moving its grids to the new shape, and yt-dlp's _rich_entries reads both.
      if (tab === "streams" || offset > 0) {
        return {
          lockupViewModel: {
            contentId: videoId,
            contentType: "LOCKUP_CONTENT_TYPE_VIDEO",
            metadata: { lockupMetadataViewModel: { title: { content: titleOf(videoId) } } },
          },
        };
      }
      return {
        videoRenderer: {
          videoId,
          title: text(titleOf(videoId)),
          lengthText: { simpleText: lengthText(VIDEOS[videoId]?.lengthSeconds ?? 0) },
          navigationEndpoint: { watchEndpoint: { videoId } },
        },
      };
    };
    const items: Json[] = ids
      .slice(offset, offset + GRID_PAGE_SIZE)
      .map((videoId) => ({ richItemRenderer: { content: item(videoId) } }));
    const next = offset + GRID_PAGE_SIZE;
    if (next < ids.length) {
      items.push(continuationItem({ collection: `${channel.channelId}/${tab}`, all: false, offset: next }));
    }
    return items;
  };

  const channelData = (channel: CatalogueChannel, asked: ChannelTab): Json => {
    // A tab the channel lacks shows its home page (harsher than an error: nothing says "no such tab").
    const selected: ChannelTab | "featured" = channel.tabs[asked] ? asked : "featured";
    const tabNames = ["featured", ...(Object.keys(channel.tabs) as ChannelTab[])] as const;
    return {
      responseContext: { mainAppWebResponseContext: { loggedOut: true } },
      contents: {
        twoColumnBrowseResultsRenderer: {
          tabs: tabNames.map((name) => ({
            tabRenderer: {
              title: TAB_TITLES[name],
              selected: name === selected,
              endpoint: {
                commandMetadata: { webCommandMetadata: { url: `/${channel.handle}/${name}` } },
                browseEndpoint: { browseId: channel.channelId, canonicalBaseUrl: `/${channel.handle}` },
              },
              ...(name !== selected
                ? {}
                : name === "featured"
                  ? { content: { sectionListRenderer: { contents: [] } } }
                  : { content: { richGridRenderer: { contents: gridItems(channel, name, 0) } } }),
            },
          })),
        },
      },
      header: { pageHeaderRenderer: { pageTitle: channel.title } },
      metadata: {
        channelMetadataRenderer: {
          title: channel.title,
          externalId: channel.channelId,
          vanityChannelUrl: `http://www.youtube.com/${channel.handle}`,
        },
      },
    };
  };

  const channelAt = (prefix: string, name: string) =>
    CHANNELS.find((channel) =>
      prefix === "channel"
        ? channel.channelId === name
        : prefix === "c"
          ? channel.customName === name
          : prefix === "user"
            ? channel.userName === name
            : channel.handle.toLowerCase() === `@${name}`.toLowerCase(),
    );

  const appendAction = (items: Json[], targetId: string): Json => ({
    responseContext: { mainAppWebResponseContext: { loggedOut: true } },
    onResponseReceivedActions: [{ appendContinuationItemsAction: { continuationItems: items, targetId } }],
  });

  const invalid: BrowseAnswer = {
    status: 400,
    body: {
      error: { code: 400, message: "Request contains an invalid argument.", status: "INVALID_ARGUMENT" },
    },
  };

  return {
    page(url) {
      if (url.pathname === "/playlist") {
        const playlist = PLAYLISTS[url.searchParams.get("list") ?? ""];
        if (!playlist) return { status: 200, title: "YouTube", initialData: playlistMissing() };
        return { status: 200, title: playlist.title, initialData: playlistData(playlist, false) };
      }
      const segments = url.pathname.split("/").filter(Boolean).map(decodeSegment);
      const [first = "", second = "", third] = segments;
      const [prefix, name, tab] = first.startsWith("@")
        ? ["@", first.slice(1), second]
        : ["channel", "c", "user"].includes(first) && second !== ""
          ? [first, second, third]
          : [undefined, "", undefined];
      if (prefix === undefined) return undefined;
      const channel = channelAt(prefix, name);
      if (!channel) return { status: 404 };
      const asked = (tab ?? "featured") as ChannelTab;
      return { status: 200, title: channel.title, initialData: channelData(channel, asked) };
    },

    browse(request) {
      const client = request?.context?.client;
      if (client?.clientName !== "WEB" || typeof client?.clientVersion !== "string") return invalid;
      if (request.continuation !== undefined) {
        let view: View | undefined;
        try {
          view = readToken(request.continuation);
        } catch {
          view = undefined;
        }
        if (!view) return invalid;
        const playlist = PLAYLISTS[view.collection];
        if (playlist) {
          return { status: 200, body: appendAction(playlistSlice(playlist, view), "pl-video-list") };
        }
        const [channelId = "", tab = ""] = view.collection.split("/");
        const channel = CHANNELS.find((c) => c.channelId === channelId);
        if (!channel) return invalid;
        return {
          status: 200,
          body: appendAction(
            gridItems(channel, tab as ChannelTab, view.offset),
            `browse-feed${channelId}${tab}`,
          ),
        };
      }
      const browseId = String(request.browseId ?? "");
      if (!browseId.startsWith("VL")) return invalid;
      const playlist = PLAYLISTS[browseId.slice(2)];
      if (!playlist) return { status: 200, body: playlistMissing() };
      return { status: 200, body: playlistData(playlist, request.params === SHOW_UNAVAILABLE_PARAMS) };
    },
  };
}
