// @ts-check
/**
 * Everything the page shows, drawn from the state. Views start no request: their buttons call the
 * handlers the wiring passes in.
 */
import { ApiFailure } from "./api.js";
import { byId, find } from "./dom.js";
import { describe } from "./messages.js";
import { availableLanguages, state, storedKey } from "./state.js";
import { clock, duration, watchUrl } from "./time.js";

/** @typedef {import("./state.js").Transcript} Transcript */
/** @typedef {import("./state.js").KindChoice} KindChoice */
/** @typedef {(code: string, kind: KindChoice) => void} PickLanguage */

/** The controls the wiring reads and listens to. */
export const controls = {
  form: byId("request-form", HTMLFormElement),
  video: byId("video", HTMLInputElement),
  lang: byId("lang", HTMLInputElement),
  tlang: byId("tlang", HTMLSelectElement),
  key: byId("api-key", HTMLInputElement),
  keySettings: byId("key-settings", HTMLDetailsElement),
  forgetKey: byId("forget-key", HTMLButtonElement),
  submit: byId("submit", HTMLButtonElement),
  search: byId("search", HTMLInputElement),
  format: byId("format", HTMLSelectElement),
  download: byId("download", HTMLButtonElement),
  copy: byId("copy", HTMLButtonElement),
  copyForLlm: byId("copy-llm", HTMLButtonElement),
  collectionDownload: byId("collection-download", HTMLButtonElement),
};

/** @param {string} id */
const $ = (id) => byId(id, HTMLElement);
const segmentList = byId("segments", HTMLOListElement);

export function showKeyState() {
  const label = storedKey()
    ? "(saved in this browser)"
    : state.demoKey
      ? "(using the shared demo key)"
      : "(required)";
  $("key-state").textContent = label;
}

/* ---------- progress and errors ---------- */

/**
 * @param {string} text
 * @param {boolean} [busy]
 */
export function showProgress(text, busy = true) {
  $("progress").hidden = false;
  $("progress").classList.toggle("busy", busy);
  $("progress-text").textContent = text;
}

/** @param {{ status: string, elapsedMs: number }} progress */
export function showJobProgress({ status, elapsedMs }) {
  const seconds = Math.round(elapsedMs / 1000);
  const what = status === "active" ? "Reading the captions from YouTube" : "Waiting for a free worker";
  showProgress(`${what}… ${seconds} s`);
}

export function hideError() {
  $("error").hidden = true;
}

/**
 * @param {string} title
 * @param {string} text
 * @param {string | undefined} requestId
 * @param {HTMLButtonElement[]} actions
 */
function showError(title, text, requestId, actions) {
  $("error-title").textContent = title;
  $("error-text").textContent = text;
  $("error-request").textContent = requestId ? `Request ID: ${requestId}` : "";
  $("error-actions").replaceChildren(...actions);
  $("error").hidden = false;
  $("progress").hidden = true;
}

/**
 * @param {ApiFailure} failure
 * @param {{ pick: PickLanguage, retry?: () => void }} handlers
 */
export function showFailure(failure, { pick, retry }) {
  const message = describe(failure);
  const actions = [];
  if (message.fix === "languages") {
    for (const option of availableLanguages(failure.details.available)) {
      actions.push(chip(option.label, () => pick(option.code, option.kind)));
    }
  }
  if (message.fix === "key") actions.push(keyChip());
  if (message.retryable && retry) actions.push(chip("Try again", retry));
  showError(message.title, message.text, failure.requestId, actions);
}

/** No key at all, neither the user's nor the demo key: the key advice, and the cursor in the key field. */
export function showKeyNeeded() {
  const advice = describe(new ApiFailure(401, { code: "UNAUTHORIZED", message: "An API key is required." }));
  showError("An API key is needed.", advice.text, undefined, [keyChip()]);
  controls.key.focus();
}

/**
 * @param {string} title
 * @param {string} text
 */
export function showProblem(title, text) {
  showError(title, text, undefined, []);
}

/** Opens the key settings; the chip it returns puts the cursor in the key field. */
function keyChip() {
  controls.keySettings.open = true;
  return chip("Enter an API key", () => controls.key.focus());
}

/**
 * @param {string} label
 * @param {() => void} onClick
 * @param {boolean} [pressed]
 */
function chip(label, onClick, pressed) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "chip";
  button.textContent = label;
  if (pressed !== undefined) button.setAttribute("aria-pressed", String(pressed));
  button.addEventListener("click", onClick);
  return button;
}

/** @param {string} text */
export function showActionStatus(text) {
  $("action-status").textContent = text;
}

/* ---------- a playlist or channel ---------- */

/**
 * A collection job as it stands: how far it is, and each video with its state; once finished, the
 * download of every result.
 * @param {any} job the job body (JobBody with a collection's fields)
 */
export function showCollection(job) {
  const { total, done, failed } = job.progress ?? { total: 0, done: 0, failed: 0 };
  const finished = job.job.status === "completed" || job.job.status === "failed";
  $("collection").hidden = false;
  $("collection-title").textContent = job.collection?.title || "Playlist";
  const bar = byId("collection-bar", HTMLProgressElement);
  bar.max = Math.max(1, total);
  bar.value = done + failed;
  $("collection-status").textContent =
    total === 0
      ? "Listing the videos…"
      : `${done + failed} of ${total} videos${failed ? ` (${failed} without a transcript)` : ""}${finished ? "." : "…"}`;
  controls.collectionDownload.hidden = !finished || done === 0;
  $("collection-items").replaceChildren(
    ...(job.items ?? []).map((/** @type {any} */ item) => {
      const li = document.createElement("li");
      li.className = item.status;
      // The link fills the form with the video, as a shared link does: nothing is spent until asked.
      const link = Object.assign(document.createElement("a"), {
        href: `?v=${encodeURIComponent(item.videoId)}`,
        textContent: item.title || item.videoId,
      });
      const status = Object.assign(document.createElement("span"), {
        className: "status",
        textContent: ` — ${item.status === "failed" ? (item.error?.message ?? "failed") : STATUS_WORDS[item.status]}`,
      });
      li.append(link, status);
      return li;
    }),
  );
  if (finished) $("progress").hidden = true;
}

/** @type {Record<string, string>} */
const STATUS_WORDS = { waiting: "waiting", running: "fetching", completed: "done" };

export function hideCollection() {
  $("collection").hidden = true;
}

/* ---------- the transcript ---------- */

/** @param {boolean} busy */
export function markBusy(busy) {
  if (busy) $("result").setAttribute("aria-busy", "true");
  else $("result").removeAttribute("aria-busy");
}

export function hideTranscript() {
  $("result").hidden = true;
}

/** @param {PickLanguage} pick */
export function showLanguages(pick) {
  if (!state.languages) return;
  const { tracks, translationLanguages } = state.languages;
  $("lang-options").replaceChildren(
    ...tracks.map((t) =>
      Object.assign(document.createElement("option"), { value: t.languageCode, label: t.name }),
    ),
  );
  const tlangSelect = controls.tlang;
  const chosen = tlangSelect.value;
  tlangSelect.replaceChildren(
    new Option("No translation", ""),
    ...translationLanguages.map((l) => new Option(`${l.name} (${l.languageCode})`, l.languageCode)),
  );
  tlangSelect.value = translationLanguages.some((l) => l.languageCode === chosen) ? chosen : "";
  $("tlang-hint").textContent = translationLanguages.length
    ? "YouTube’s machine translation of the chosen track."
    : "This video offers no translations.";
  showLanguageSwitch(pick);
}

/** @param {PickLanguage} pick */
function showLanguageSwitch(pick) {
  const tracks = state.languages?.tracks ?? [];
  const current = state.transcript?.track;
  const box = $("language-switch");
  box.hidden = tracks.length < 2 && !current?.translatedFrom;
  const source = current?.translatedFrom ?? current?.languageCode;
  find(box, ".chips", HTMLElement).replaceChildren(
    ...tracks.map((t) =>
      chip(
        `${t.name} (${t.languageCode})`,
        () => pick(t.languageCode, t.kind),
        t.languageCode === source && t.kind === current?.kind,
      ),
    ),
  );
}

/**
 * @param {Transcript} t the transcript now in the state
 * @param {PickLanguage} pick
 */
export function showTranscript(t, pick) {
  const { video, track } = t;
  $("video-title").textContent = video.title;
  $("video-channel").textContent = video.channelName;
  $("video-duration").textContent =
    video.durationMs === undefined ? "length unknown" : duration(video.durationMs);
  $("video-track").textContent = track.translatedFrom
    ? `${track.name}, translated from ${track.translatedFrom}`
    : `${track.name}${track.kind === "asr" ? "" : " (by the creator)"}`;
  byId("video-link", HTMLAnchorElement).href = watchUrl(video.videoId);

  const chapters = $("chapters");
  chapters.hidden = video.chapters.length === 0;
  find(chapters, "ol", HTMLOListElement).replaceChildren(...video.chapters.map((c) => chapterItem(t, c)));

  segmentList.replaceChildren(...t.segments.map((s, i) => segmentItem(video.videoId, s, i)));
  if (state.languages) showLanguageSwitch(pick);
  applySearch();
  $("result").hidden = false;
  const count = t.segments.length;
  showProgress(`Loaded ${count} ${count === 1 ? "segment" : "segments"} in ${track.name}.`, false);
}

/**
 * @param {string} videoId
 * @param {number} startMs
 */
function timeLink(videoId, startMs) {
  const link = document.createElement("a");
  link.className = "time";
  link.href = watchUrl(videoId, startMs);
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.textContent = clock(startMs);
  link.setAttribute("aria-label", `${clock(startMs)}, open the video here`);
  return link;
}

/**
 * @param {Transcript} transcript
 * @param {import("@ytt/shared").Chapter} chapter
 */
function chapterItem(transcript, chapter) {
  const item = document.createElement("li");
  const jump = document.createElement("a");
  const first = transcript.segments.findIndex((s) => s.startMs + s.durationMs > chapter.startMs);
  jump.href = first >= 0 ? `#seg-${first}` : "#segments";
  jump.textContent = chapter.title;
  item.append(timeLink(transcript.video.videoId, chapter.startMs), " ", jump);
  return item;
}

/**
 * @param {string} videoId
 * @param {import("@ytt/shared").Segment} segment
 * @param {number} index
 */
function segmentItem(videoId, segment, index) {
  const item = document.createElement("li");
  item.id = `seg-${index}`;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = segment.text;
  item.append(timeLink(videoId, segment.startMs), " ", text);
  return item;
}

/* ---------- search ---------- */

/** @param {string} s */
function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Shows only the segments that contain the search text, with it highlighted. */
export function applySearch() {
  const query = controls.search.value.trim();
  const segments = state.transcript?.segments ?? [];
  const pattern = query ? new RegExp(escapeRegExp(query), "giu") : undefined;
  let matches = 0;
  segmentList.querySelectorAll(":scope > li").forEach((node, i) => {
    const item = /** @type {HTMLLIElement} */ (node);
    const text = segments[i]?.text ?? "";
    const span = find(item, ".text", HTMLSpanElement);
    if (!pattern) {
      item.hidden = false;
      span.textContent = text;
      return;
    }
    pattern.lastIndex = 0;
    const hit = pattern.test(text);
    item.hidden = !hit;
    if (hit) {
      matches += 1;
      span.replaceChildren(...highlight(text, pattern));
    }
  });
  $("search-count").textContent = query
    ? `${matches} of ${segments.length} segments contain “${query}”.`
    : `${segments.length} segments.`;
}

/**
 * @param {string} text
 * @param {RegExp} pattern
 */
function highlight(text, pattern) {
  /** @type {(string | HTMLElement)[]} */
  const parts = [];
  let last = 0;
  pattern.lastIndex = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(Object.assign(document.createElement("mark"), { textContent: match[0] }));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
