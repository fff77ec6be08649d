import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The real YouTube captures the double builds its answers from (see the captures' README).
 * They live in the read-only data folder beside the repository (`../shared` from the repo root);
 * YT_CAPTURES_DIR overrides the location.
 */
export const DEFAULT_CAPTURES_DIR = fileURLToPath(
  new URL("../../../../shared/fixtures/youtube-captures/", import.meta.url),
);

/** One capture file's text, from YT_CAPTURES_DIR or the default place: how every test reads them. */
export function readCapture(name: string, dir = process.env.YT_CAPTURES_DIR ?? DEFAULT_CAPTURES_DIR): string {
  return readFileSync(`${dir.endsWith("/") ? dir : `${dir}/`}${name}`, "utf8");
}

// biome-ignore lint/suspicious/noExplicitAny: the captures are YouTube's untyped JSON, cloned and edited field by field.
export type Json = any;

export interface Captures {
  /** `ytInitialPlayerResponse` of the WEB watch page. */
  webPlayerResponse: Json;
  /** `ytInitialData` of the WEB watch page. */
  webInitialData: Json;
  /** The first, big `ytcfg.set({...})` of the WEB watch page. */
  webYtcfg: Json;
  /** `/youtubei/v1/player` answer for the ANDROID client. */
  androidPlayerResponse: Json;
  ageRestricted: Json;
  requestBlocked: Json;
  videoUnavailable: Json;
  transcriptsDisabled: Json;
  liveWithoutCaptions: Json;
  /** The 2021 consent page: kept for parser tests only, the double serves the current one (consent.ts). */
  consentPageHtml: string;
  tooManyRequestsHtml: string;
}

export interface TranslationLanguage {
  languageCode: string;
  name: string;
}

/** The translation languages each client is offered, as the captures list them (WEB 156, ANDROID 18). */
export interface TranslationLists {
  WEB: TranslationLanguage[];
  ANDROID: TranslationLanguage[];
}

const label = (value: Json): string =>
  value?.simpleText ?? (value?.runs ?? []).map((r: Json) => r.text).join("");

let translationCache: { dir: string; lists: TranslationLists } | undefined;

/**
 * The WEB watch page's and the ANDROID innertube answer's translationLanguages (youtube.html lists
 * 156, youtube.innertube.json 18): each client is offered its own list, as on the real site.
 */
export function loadTranslationLists(
  dir = process.env.YT_CAPTURES_DIR ?? DEFAULT_CAPTURES_DIR,
): TranslationLists {
  if (translationCache?.dir === dir) return translationCache.lists;
  const base = dir.endsWith("/") ? dir : `${dir}/`;
  const web = extractInlineJson(
    readFileSync(`${base}youtube.html`, "utf8"),
    "var ytInitialPlayerResponse = ",
  );
  const android = JSON.parse(readFileSync(`${base}youtube.innertube.json`, "utf8"));
  const list = (response: Json): TranslationLanguage[] =>
    response.captions.playerCaptionsTracklistRenderer.translationLanguages.map((l: Json) => ({
      languageCode: l.languageCode,
      name: label(l.languageName),
    }));
  const lists = { WEB: list(web), ANDROID: list(android) };
  translationCache = { dir, lists };
  return lists;
}

/** Reads the JSON value that follows `marker` in a page (the way YouTube inlines its state). */
export function extractInlineJson(html: string, marker: string): Json {
  const at = html.indexOf(marker);
  if (at < 0) throw new Error(`marker not found: ${marker}`);
  const start = html.indexOf("{", marker.endsWith("{") ? at + marker.length - 1 : at + marker.length);
  let depth = 0;
  let inString = false;
  for (let i = start; i < html.length; i++) {
    const c = html[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return JSON.parse(html.slice(start, i + 1));
  }
  throw new Error(`unterminated JSON after ${marker}`);
}

export function loadCaptures(dir = process.env.YT_CAPTURES_DIR ?? DEFAULT_CAPTURES_DIR): Captures {
  const base = dir.endsWith("/") ? dir : `${dir}/`;
  const text = (name: string) => readFileSync(`${base}${name}`, "utf8");
  const json = (name: string) => JSON.parse(text(name));
  const watch = text("youtube.html");
  return {
    webPlayerResponse: extractInlineJson(watch, "var ytInitialPlayerResponse = "),
    webInitialData: extractInlineJson(watch, "var ytInitialData = "),
    webYtcfg: extractInlineJson(watch, "ytcfg.set({"),
    androidPlayerResponse: json("youtube.innertube.json"),
    ageRestricted: json("youtube_age_restricted.innertube.json"),
    requestBlocked: json("youtube_request_blocked.innertube.json"),
    videoUnavailable: json("youtube_video_unavailable.innertube.json"),
    transcriptsDisabled: json("youtube_transcripts_disabled.innertube.json"),
    liveWithoutCaptions: json("youtube_transcripts_disabled2.innertube.json"),
    consentPageHtml: text("youtube_consent_page.html"),
    tooManyRequestsHtml: text("youtube_too_many_requests.html"),
  };
}
