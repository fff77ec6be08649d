// @ts-check
/** What the page knows: the transcript on screen, the request behind it, its video's languages, the API key. */

/** @typedef {import("@ytt/shared").Transcript} Transcript */
/** @typedef {import("@ytt/shared").LanguageList} LanguageList */
/**
 * "manual" or "asr" when a language button picked a track; "any" when the language was typed.
 * @typedef {import("@ytt/shared").TrackKind | "any"} KindChoice
 */
/**
 * The query of a transcript request, as the API takes it.
 * @typedef {{ lang: string, kind: KindChoice, fallback: "error" | "any", tlang: string | undefined }} Query
 */
/** @typedef {{ code: string, label: string, kind: KindChoice }} LanguageOption */

const KEY_STORAGE = "ytt.apiKey";

export const state = {
  /** @type {string | undefined} The shared demo key, when the operator enables it. */
  demoKey: undefined,
  /** @type {KindChoice} */
  kind: "any",
  /** @type {LanguageList | undefined} */
  languages: undefined,
  /** @type {Transcript | undefined} the transcript on screen */
  transcript: undefined,
  /** @type {Query | undefined} The query of the transcript on screen: downloads ask the API for the same one in another format. */
  params: undefined,
  /** @type {string | undefined} What was pasted for the transcript on screen. */
  shownRef: undefined,
  /** @type {AbortController | undefined} */
  run: undefined,
  /** @type {any} The finished collection job on screen (its body), for the download of its results. */
  collection: undefined,
};

/** The key typed in this visit, for when storage is disabled (private mode). */
let keyThisVisit = "";

/** The user's own key: the one saved in this browser, else the one typed in this visit. */
export function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return keyThisVisit;
  }
}

/** @param {string} value the key, or "" to forget it */
export function saveKey(value) {
  keyThisVisit = value;
  try {
    if (value) localStorage.setItem(KEY_STORAGE, value);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled (private mode): the key lives in this visit only.
  }
}

/**
 * details.available as the API gives it (codes or track objects), as languages to offer.
 * @param {unknown} available
 * @returns {LanguageOption[]}
 */
export function availableLanguages(available) {
  if (!Array.isArray(available)) return [];
  return available
    .map((item) => {
      if (typeof item === "string") return { code: item, label: languageLabel(item), kind: "any" };
      const code = item?.languageCode;
      if (typeof code !== "string") return undefined;
      return { code, label: item.name ? `${item.name} (${code})` : code, kind: item.kind ?? "any" };
    })
    .filter((option) => option !== undefined);
}

/** @param {string} code */
function languageLabel(code) {
  const track = state.languages?.tracks.find((t) => t.languageCode === code);
  return track ? `${track.name} (${code})` : code;
}
