import type { Chapter, Track, VideoMetadata } from "@ytt/shared";
import { type PlayerResponse, textOf } from "./parse/player-response.js";
import type { Selection } from "./select.js";

/**
 * Video metadata from the player response (videoDetails, microformat) and chapters from the
 * watch page's ytInitialData: the macro-markers engagement panels (auto or description chapters),
 * the player bar's chapter markers, or else the description's timestamps as YouTube reads them.
 * The ANDROID player response has videoDetails (title, author, length, description) but no
 * microformat, so a transcript from that route alone has no publish date.
 */

function macroMarkerChapters(initialData: PlayerResponse): Chapter[] {
  const panels: PlayerResponse[] = Array.isArray(initialData?.engagementPanels)
    ? initialData.engagementPanels
    : [];
  for (const panel of panels) {
    const renderer = panel?.engagementPanelSectionListRenderer;
    const id = String(renderer?.panelIdentifier ?? renderer?.targetId ?? "");
    const items = renderer?.content?.macroMarkersListRenderer?.contents;
    if (!id.includes("macro-markers") || !Array.isArray(items)) continue;
    const chapters = items
      .map((item: PlayerResponse) => item?.macroMarkersListItemRenderer)
      .filter((m: PlayerResponse) => m && typeof m.onTap?.watchEndpoint?.startTimeSeconds === "number")
      .map((m: PlayerResponse) => ({
        title: textOf(m.title),
        startMs: Math.round(m.onTap.watchEndpoint.startTimeSeconds * 1000),
      }));
    if (chapters.length > 0) return chapters;
  }
  return [];
}

function playerBarChapters(initialData: PlayerResponse): Chapter[] {
  const bar =
    initialData?.playerOverlays?.playerOverlayRenderer?.decoratedPlayerBarRenderer
      ?.decoratedPlayerBarRenderer;
  const markers = bar?.playerBar?.multiMarkersPlayerBarRenderer?.markersMap;
  if (!Array.isArray(markers)) return [];
  for (const entry of markers) {
    const chapters = entry?.value?.chapters;
    if (!Array.isArray(chapters)) continue;
    return chapters
      .map((c: PlayerResponse) => c?.chapterRenderer)
      .filter((c: PlayerResponse) => c && Number.isFinite(Number(c.timeRangeStartMillis)))
      .map((c: PlayerResponse) => ({ title: textOf(c.title), startMs: Number(c.timeRangeStartMillis) }));
  }
  return [];
}

/**
 * A chapter line: a timestamp at its start, then the title. Only the timestamp is a pattern; the
 * separator and the title are trimmed by hand, since a `\s*…(.+?)\s*$` pattern backtracks
 * polynomially on a long run of spaces (a 5,000-character description froze a worker).
 */
const TIMESTAMP = /^\s*(?:(\d{1,2}):)?(\d{1,2}):(\d{2})/;
const SEPARATORS = new Set(["-", "–", "—", ":"]);
/** Every line terminator a description may hold: LF, CR, and the Unicode line and paragraph separators. */
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/;

function chapterLine(line: string): Chapter | undefined {
  const m = TIMESTAMP.exec(line);
  if (!m) return undefined;
  let title = line.slice(m[0].length).trimStart();
  if (SEPARATORS.has(title[0] ?? "")) title = title.slice(1).trimStart();
  title = title.trimEnd();
  if (!title) return undefined;
  return { title, startMs: (Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 };
}

/** YouTube's own rule: at least three timestamps, ascending, the first at 0:00. */
export function descriptionChapters(description: string): Chapter[] {
  const chapters: Chapter[] = [];
  for (const line of description.split(LINE_BREAK)) {
    const chapter = chapterLine(line);
    if (!chapter) continue;
    if (chapters.length > 0 && chapter.startMs <= (chapters.at(-1)?.startMs ?? 0)) return [];
    chapters.push(chapter);
  }
  return chapters.length >= 3 && chapters[0]?.startMs === 0 ? chapters : [];
}

export function videoMetadata(
  videoId: string,
  response: PlayerResponse,
  initialData: PlayerResponse,
): VideoMetadata {
  const details = response?.videoDetails ?? {};
  const micro = response?.microformat?.playerMicroformatRenderer ?? {};
  const seconds = Number(details.lengthSeconds ?? micro.lengthSeconds);
  const publishDate = micro.publishDate ?? micro.uploadDate;
  const isLive = details.isLive === true || micro.liveBroadcastDetails?.isLiveNow === true;
  const description = String(details.shortDescription ?? textOf(micro.description) ?? "");
  let chapters = macroMarkerChapters(initialData);
  if (chapters.length === 0) chapters = playerBarChapters(initialData);
  if (chapters.length === 0) chapters = descriptionChapters(description);
  // Without the watch page (the app's player response has no microformat and there is no
  // ytInitialData) the date and any auto-chapters are unknown: say so rather than invent them.
  const incomplete: NonNullable<VideoMetadata["incomplete"]> = [];
  if (typeof publishDate !== "string") incomplete.push("publishDate");
  if (chapters.length === 0 && !initialData) incomplete.push("chapters");
  return {
    videoId: String(details.videoId ?? videoId),
    title: String(details.title ?? textOf(micro.title) ?? ""),
    channelName: String(details.author ?? micro.ownerChannelName ?? ""),
    channelId: String(details.channelId ?? micro.externalChannelId ?? ""),
    ...(Number.isFinite(seconds) ? { durationMs: seconds * 1000 } : {}),
    ...(typeof publishDate === "string" ? { publishDate } : {}),
    isLive,
    chapters,
    ...(incomplete.length > 0 ? { incomplete } : {}),
  };
}

export function trackOf(selection: Selection): Track {
  const { track, translateTo } = selection;
  return {
    languageCode: translateTo?.languageCode ?? track.languageCode,
    name: translateTo?.name ?? track.name,
    kind: track.kind,
    isTranslatable: track.isTranslatable,
    ...(translateTo ? { translatedFrom: track.languageCode } : {}),
  };
}
