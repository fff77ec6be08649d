import { isVideoId } from "@ytt/shared";
import { type PlayerResponse as Json, textOf } from "../extract/parse/player-response.js";

/**
 * Reading the entries of a playlist or channel tab out of YouTube's browse JSON (a page's
 * ytInitialData or a `/youtubei/v1/browse` answer). Shapes as yt-dlp `_tab.py` reads them
 * (`_playlist_entries`, `_rich_entries`, `_extract_lockup_view_model`, `_extract_continuation`);
 * every field is checked, anything unknown is skipped, never guessed at.
 */

/** Why an entry cannot be played; its title then is YouTube's placeholder, not the video's. */
export type Unavailable = "deleted" | "private" | "unavailable";

export interface CollectedVideo {
  videoId: string;
  title: string;
  unavailable?: Unavailable;
}

export interface EntriesPage {
  videos: CollectedVideo[];
  /** The token of the next page, when there is one. */
  continuation: string | undefined;
}

/** The placeholders a playlist shows for entries it cannot play (with hl=en). */
const PLACEHOLDERS: Record<string, Unavailable> = {
  "[Deleted video]": "deleted",
  "[Private video]": "private",
};

/** Entries and the continuation in a list of items (playlist contents, grid contents, appended items). */
export function readEntries(items: unknown): EntriesPage {
  const videos: CollectedVideo[] = [];
  let continuation: string | undefined;
  for (const item of Array.isArray(items) ? (items as Json[]) : []) {
    const token = item?.continuationItemRenderer?.continuationEndpoint?.continuationCommand?.token;
    if (typeof token === "string" && token !== "") continuation = token;
    const video = readEntry(item);
    if (video) videos.push(video);
  }
  return { videos, continuation };
}

function readEntry(item: Json): CollectedVideo | undefined {
  const playlistEntry = item?.playlistVideoRenderer;
  if (playlistEntry) {
    const title = textOf(playlistEntry.title);
    const unavailable =
      playlistEntry.isPlayable === false ? (PLACEHOLDERS[title] ?? "unavailable") : undefined;
    return video(playlistEntry.videoId, title, unavailable);
  }
  const content = item?.richItemRenderer?.content;
  if (content?.videoRenderer)
    return video(content.videoRenderer.videoId, textOf(content.videoRenderer.title));
  const lockup = content?.lockupViewModel;
  if (lockup?.contentType === "LOCKUP_CONTENT_TYPE_VIDEO") {
    return video(lockup.contentId, lockup.metadata?.lockupMetadataViewModel?.title?.content);
  }
  const short = content?.shortsLockupViewModel;
  if (short) {
    return video(
      short.onTap?.innertubeCommand?.reelWatchEndpoint?.videoId,
      short.overlayMetadata?.primaryText?.content,
    );
  }
  return undefined;
}

function video(videoId: unknown, title: unknown, unavailable?: Unavailable): CollectedVideo | undefined {
  if (typeof videoId !== "string" || !isVideoId(videoId)) return undefined;
  return {
    videoId,
    title: typeof title === "string" ? title : "",
    ...(unavailable ? { unavailable } : {}),
  };
}

/** The first ERROR alert's text: how YouTube says a playlist does not exist or is private. */
export function errorAlert(data: Json): string | undefined {
  const alerts: Json[] = Array.isArray(data?.alerts) ? data.alerts : [];
  for (const alert of alerts) {
    const renderer = alert?.alertRenderer ?? alert?.alertWithButtonRenderer;
    if (renderer?.type === "ERROR") return textOf(renderer.text) || "YouTube refused the collection.";
  }
  return undefined;
}

/** The selected tab of a browse page. */
export function selectedTab(data: Json): Json | undefined {
  const tabs: Json[] = data?.contents?.twoColumnBrowseResultsRenderer?.tabs ?? [];
  return (Array.isArray(tabs) ? tabs : []).find((tab) => tab?.tabRenderer?.selected === true)?.tabRenderer;
}

/** A playlist page's first entries: the list inside the selected tab's section list. */
export function playlistItems(data: Json): unknown {
  const sections: Json[] = selectedTab(data)?.content?.sectionListRenderer?.contents ?? [];
  for (const section of Array.isArray(sections) ? sections : []) {
    for (const content of section?.itemSectionRenderer?.contents ?? []) {
      if (content?.playlistVideoListRenderer) return content.playlistVideoListRenderer.contents;
    }
  }
  return undefined;
}

/** The items a continuation answer appends. */
export function appendedItems(data: Json): unknown {
  const actions: Json[] = Array.isArray(data?.onResponseReceivedActions)
    ? data.onResponseReceivedActions
    : [];
  for (const action of actions) {
    const items = action?.appendContinuationItemsAction?.continuationItems;
    if (Array.isArray(items)) return items;
  }
  return undefined;
}
