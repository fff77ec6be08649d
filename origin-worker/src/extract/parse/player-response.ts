import type { TrackKind } from "@ytt/shared";

/**
 * Reading YouTube's inline page state (`ytInitialPlayerResponse`, `ytInitialData`) and the caption
 * tracklist of a player response, whichever client (WEB `simpleText` names, ANDROID `runs`).
 */

// biome-ignore lint/suspicious/noExplicitAny: YouTube's JSON is untyped and changes; readers below check each field.
export type PlayerResponse = any;

/** The JSON object assigned after `marker` in a page, found by brace matching (strings respected). */
export function extractAssignedJson(html: string, marker: string): unknown {
  const at = html.indexOf(marker);
  if (at < 0) return undefined;
  const start = html.indexOf("{", at + marker.length);
  if (start < 0 || html.slice(at + marker.length, start).trim() !== "") return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < html.length; i++) {
    const c = html.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */ && --depth === 0) {
      try {
        return JSON.parse(html.slice(start, i + 1));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function extractPlayerResponse(html: string): PlayerResponse | undefined {
  return (
    extractAssignedJson(html, "var ytInitialPlayerResponse = ") ??
    extractAssignedJson(html, "ytInitialPlayerResponse = ")
  );
}

export function extractInitialData(html: string): PlayerResponse | undefined {
  return (
    extractAssignedJson(html, "var ytInitialData = ") ??
    extractAssignedJson(html, 'window["ytInitialData"] = ')
  );
}

/** The text of a YouTube formatted string: `{simpleText}` or `{runs: [{text}]}`. */
export function textOf(value: unknown): string {
  if (!value || typeof value !== "object") return "";
  const v = value as { simpleText?: unknown; runs?: { text?: unknown }[] };
  if (typeof v.simpleText === "string") return v.simpleText;
  if (Array.isArray(v.runs)) return v.runs.map((r) => (typeof r?.text === "string" ? r.text : "")).join("");
  return "";
}

export interface CaptionTrack {
  languageCode: string;
  name: string;
  kind: TrackKind;
  isTranslatable: boolean;
  vssId: string;
  baseUrl: string;
}

export interface Tracklist {
  tracks: CaptionTrack[];
  translationLanguages: { languageCode: string; name: string }[];
}

/** The caption tracklist, or undefined when the response has no `captions` (transcripts disabled). */
export function readTracklist(response: PlayerResponse): Tracklist | undefined {
  const renderer = response?.captions?.playerCaptionsTracklistRenderer;
  if (!renderer || !Array.isArray(renderer.captionTracks)) return undefined;
  const tracks: CaptionTrack[] = renderer.captionTracks
    .filter((t: PlayerResponse) => typeof t?.languageCode === "string" && typeof t?.baseUrl === "string")
    .map((t: PlayerResponse) => ({
      languageCode: t.languageCode,
      name: textOf(t.name) || t.languageCode,
      kind: t.kind === "asr" || String(t.vssId ?? "").startsWith("a.") ? "asr" : "manual",
      isTranslatable: t.isTranslatable === true,
      vssId: String(t.vssId ?? ""),
      baseUrl: t.baseUrl,
    }));
  const translationLanguages = (
    Array.isArray(renderer.translationLanguages) ? renderer.translationLanguages : []
  )
    .filter((l: PlayerResponse) => typeof l?.languageCode === "string")
    .map((l: PlayerResponse) => ({
      languageCode: l.languageCode,
      name: textOf(l.languageName) || l.languageCode,
    }));
  return { tracks, translationLanguages };
}

/**
 * Experiments that make a caption URL answer 200 with an empty body unless it carries a pot. yt-dlp
 * treats both alike (`yt_dlp/extractor/youtube/_video.py`, subtitle PO-token check).
 */
const POT_EXPERIMENTS = new Set(["xpe", "xpv"]);

/** Whether a caption baseUrl only answers with the player's proof-of-origin token (`pot`). */
export function needsPot(url: URL): boolean {
  return url.searchParams
    .getAll("exp")
    .flatMap((value) => value.split(","))
    .some((experiment) => POT_EXPERIMENTS.has(experiment.trim()));
}
