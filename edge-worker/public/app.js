import { ApiClient, ApiFailure, isTransient, transcriptPath } from "./api.js";
import { describe } from "./messages.js";
import { clock, duration, watchUrl } from "./time.js";

const KEY_STORAGE = "ytt.apiKey";
const FILE_EXTENSIONS = { text: "txt", srt: "srt", vtt: "vtt", json: "json" };
const FORMAT_NAMES = { text: "plain text", srt: "SRT", vtt: "WebVTT", json: "JSON" };
/** Tries at the language list before the page does without it. */
const LANGUAGE_LIST_ATTEMPTS = 3;
const LANGUAGE_CODE = /^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8}){0,3}$/;

const $ = (id) => document.getElementById(id);
const form = $("request-form");
const videoInput = $("video");
const langInput = $("lang");
const tlangSelect = $("tlang");
const keyInput = $("api-key");
const keySettings = $("key-settings");
const segmentList = $("segments");
const searchInput = $("search");

const state = {
  /** The shared demo key, when the operator enables it. */
  demoKey: undefined,
  /** "manual" | "asr" when a language button picked a track; "any" when the language was typed. */
  kind: "any",
  /** @type {{ video: any, tracks: any[], translationLanguages: any[] } | undefined} */
  languages: undefined,
  /** @type {any} the transcript on screen */
  transcript: undefined,
  /** The query of the transcript on screen: downloads ask the API for the same one in another format. */
  params: undefined,
  /** What was pasted for the transcript on screen. */
  shownRef: undefined,
  /** @type {AbortController | undefined} */
  run: undefined,
};

const api = new ApiClient(() => storedKey() || state.demoKey);

function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return keyInput.value.trim();
  }
}

function saveKey(value) {
  try {
    if (value) localStorage.setItem(KEY_STORAGE, value);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled (private mode): the key lives in the input for this visit only.
  }
  showKeyState();
}

function showKeyState() {
  const label = storedKey()
    ? "(saved in this browser)"
    : state.demoKey
      ? "(using the shared demo key)"
      : "(required)";
  $("key-state").textContent = label;
}

async function loadDemoKey() {
  try {
    const response = await fetch("/demo-key", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const body = await response.json();
    if (typeof body.key === "string") state.demoKey = body.key;
  } catch {
    // No demo key: the page asks for the user's own.
  }
  showKeyState();
}

/* ---------- progress and errors ---------- */

function showProgress(text, busy = true) {
  $("progress").hidden = false;
  $("progress").classList.toggle("busy", busy);
  $("progress-text").textContent = text;
}

function progressText({ status, elapsedMs }) {
  const seconds = Math.round(elapsedMs / 1000);
  const what = status === "active" ? "Reading the captions from YouTube" : "Waiting for a free worker";
  return `${what}… ${seconds} s`;
}

function hideError() {
  $("error").hidden = true;
}

/** @param {ApiFailure} failure */
function showFailure(failure, retry) {
  const message = describe(failure);
  $("error-title").textContent = message.title;
  $("error-text").textContent = message.text;
  $("error-request").textContent = failure.requestId ? `Request ID: ${failure.requestId}` : "";
  const actions = $("error-actions");
  actions.replaceChildren();
  if (message.fix === "languages") {
    for (const option of availableLanguages(failure.details.available)) {
      actions.append(chip(option.label, () => pickLanguage(option.code, option.kind)));
    }
  }
  if (message.fix === "key") {
    keySettings.open = true;
    actions.append(chip("Enter an API key", () => keyInput.focus()));
  }
  if (message.retryable && retry) actions.append(chip("Try again", retry));
  $("error").hidden = false;
  $("progress").hidden = true;
}

function showProblem(title, text) {
  showFailure(new ApiFailure(0, { code: "PAGE", message: text }), undefined);
  $("error-title").textContent = title;
  $("error-text").textContent = text;
}

/** details.available as the API gives it (codes or track objects), as buttons to offer. */
function availableLanguages(available) {
  if (!Array.isArray(available)) return [];
  return available
    .map((item) => {
      if (typeof item === "string") return { code: item, label: languageLabel(item), kind: "any" };
      const code = item?.languageCode;
      if (typeof code !== "string") return undefined;
      return { code, label: item.name ? `${item.name} (${code})` : code, kind: item.kind ?? "any" };
    })
    .filter(Boolean);
}

function languageLabel(code) {
  const track = state.languages?.tracks.find((t) => t.languageCode === code);
  return track ? `${track.name} (${code})` : code;
}

function chip(label, onClick, pressed) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "chip";
  button.textContent = label;
  if (pressed !== undefined) button.setAttribute("aria-pressed", String(pressed));
  button.addEventListener("click", onClick);
  return button;
}

/* ---------- loading ---------- */

function preferredLanguages() {
  const codes = [...(navigator.languages ?? []), navigator.language, "en"].filter(
    (c) => typeof c === "string" && LANGUAGE_CODE.test(c),
  );
  return [...new Set(codes)].slice(0, 5).join(",");
}

function queryFromForm() {
  const lang = langInput.value.trim();
  return {
    lang: lang || preferredLanguages(),
    kind: lang ? state.kind : "any",
    fallback: lang ? "error" : "any",
    tlang: tlangSelect.value || undefined,
  };
}

async function load() {
  const ref = videoInput.value.trim();
  hideError();
  if (!ref) {
    showProblem(
      "Paste a YouTube link or video ID first.",
      "For example https://www.youtube.com/watch?v=… or https://youtu.be/….",
    );
    videoInput.focus();
    return;
  }
  if (!storedKey() && !state.demoKey) {
    showFailure(new ApiFailure(401, { code: "UNAUTHORIZED", message: "An API key is required." }));
    $("error-title").textContent = "An API key is needed.";
    keyInput.focus();
    return;
  }
  state.run?.abort();
  const run = new AbortController();
  state.run = run;
  const params = queryFromForm();
  // The same video again (another language or translation): its language list is still right.
  const sameVideo =
    state.transcript !== undefined && (ref === state.shownRef || ref === state.transcript.video.videoId);
  if (!sameVideo) {
    state.languages = undefined;
    loadLanguages(ref, run.signal);
  }
  showProgress("Fetching the transcript…");
  $("result").setAttribute("aria-busy", "true");
  try {
    const onProgress = (p) => showProgress(progressText(p));
    const transcript = await api.json(transcriptPath(ref, params), { signal: run.signal, onProgress });
    if (run.signal.aborted) return;
    state.params = params;
    state.shownRef = ref;
    showTranscript(transcript);
    const count = transcript.segments.length;
    showProgress(
      `Loaded ${count} ${count === 1 ? "segment" : "segments"} in ${transcript.track.name}.`,
      false,
    );
    rememberInUrl(transcript.video.videoId);
  } catch (e) {
    if (run.signal.aborted) return;
    if (!(e instanceof ApiFailure)) throw e;
    if (!sameVideo) {
      // Another video failed: the previous one's transcript would only mislead.
      $("result").hidden = true;
      state.transcript = undefined;
    }
    showFailure(e, load);
  } finally {
    $("result").removeAttribute("aria-busy");
  }
}

async function loadLanguages(ref, signal) {
  for (let attempt = 1; ; attempt++) {
    try {
      const list = await api.json(transcriptPath(ref, {}, "/languages"), { signal });
      if (signal.aborted) return;
      state.languages = list;
      showLanguages();
      return;
    } catch (e) {
      // A dropped connection should not cost the list; any other failure the transcript
      // request reports in words, the list being only a convenience.
      if (signal.aborted || !isTransient(e) || attempt === LANGUAGE_LIST_ATTEMPTS) return;
      await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
}

function pickLanguage(code, kind = "any") {
  langInput.value = code;
  state.kind = kind;
  load();
}

/** A shareable address: ?v=ID&lang=..&tlang=.. opens the page with the same request filled in. */
function rememberInUrl(videoId) {
  const query = new URLSearchParams({ v: videoId });
  if (langInput.value.trim()) query.set("lang", langInput.value.trim());
  if (tlangSelect.value) query.set("tlang", tlangSelect.value);
  history.replaceState(null, "", `?${query}`);
}

/* ---------- showing ---------- */

function showLanguages() {
  const { tracks, translationLanguages } = state.languages;
  $("lang-options").replaceChildren(
    ...tracks.map((t) =>
      Object.assign(document.createElement("option"), { value: t.languageCode, label: t.name }),
    ),
  );
  const chosen = tlangSelect.value;
  tlangSelect.replaceChildren(
    new Option("No translation", ""),
    ...translationLanguages.map((l) => new Option(`${l.name} (${l.languageCode})`, l.languageCode)),
  );
  tlangSelect.value = translationLanguages.some((l) => l.languageCode === chosen) ? chosen : "";
  $("tlang-hint").textContent = translationLanguages.length
    ? "YouTube’s machine translation of the chosen track."
    : "This video offers no translations.";
  showLanguageSwitch();
}

function showLanguageSwitch() {
  const tracks = state.languages?.tracks ?? [];
  const current = state.transcript?.track;
  const box = $("language-switch");
  box.hidden = tracks.length < 2 && !current?.translatedFrom;
  const source = current?.translatedFrom ?? current?.languageCode;
  box
    .querySelector(".chips")
    .replaceChildren(
      ...tracks.map((t) =>
        chip(
          `${t.name} (${t.languageCode})`,
          () => pickLanguage(t.languageCode, t.kind),
          t.languageCode === source && t.kind === current?.kind,
        ),
      ),
    );
}

function showTranscript(t) {
  state.transcript = t;
  const { video, track } = t;
  $("video-title").textContent = video.title;
  $("video-channel").textContent = video.channelName;
  $("video-duration").textContent =
    video.durationMs === undefined ? "length unknown" : duration(video.durationMs);
  $("video-track").textContent = track.translatedFrom
    ? `${track.name}, translated from ${track.translatedFrom}`
    : `${track.name}${track.kind === "asr" ? "" : " (by the creator)"}`;
  $("video-link").href = watchUrl(video.videoId);

  const chapters = $("chapters");
  chapters.hidden = video.chapters.length === 0;
  chapters.querySelector("ol").replaceChildren(...video.chapters.map((c) => chapterItem(video.videoId, c)));

  segmentList.replaceChildren(...t.segments.map((s, i) => segmentItem(video.videoId, s, i)));
  if (state.languages) showLanguageSwitch();
  applySearch();
  $("result").hidden = false;
}

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

function chapterItem(videoId, chapter) {
  const item = document.createElement("li");
  const jump = document.createElement("a");
  const first = state.transcript.segments.findIndex((s) => s.startMs + s.durationMs > chapter.startMs);
  jump.href = first >= 0 ? `#seg-${first}` : "#segments";
  jump.textContent = chapter.title;
  item.append(timeLink(videoId, chapter.startMs), " ", jump);
  return item;
}

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

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function applySearch() {
  const query = searchInput.value.trim();
  const segments = state.transcript?.segments ?? [];
  const pattern = query ? new RegExp(escapeRegExp(query), "giu") : undefined;
  let matches = 0;
  segmentList.querySelectorAll(":scope > li").forEach((item, i) => {
    const text = segments[i]?.text ?? "";
    const span = item.querySelector(".text");
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

function highlight(text, pattern) {
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

let searchTimer;
searchInput.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(applySearch, 120);
});

/* ---------- download and copy: the API's own renderings ---------- */

function renderingPath(format) {
  return transcriptPath(state.transcript.video.videoId, { ...state.params, format });
}

function fileName(format) {
  const { video, track } = state.transcript;
  return `${video.videoId}.${track.languageCode}.${FILE_EXTENSIONS[format]}`;
}

async function withAction(work) {
  $("action-status").textContent = "";
  try {
    $("action-status").textContent = await work();
  } catch (e) {
    if (e instanceof ApiFailure) showFailure(e);
    else $("action-status").textContent = `That did not work: ${e.message}`;
  }
}

$("download").addEventListener("click", () =>
  withAction(async () => {
    const format = $("format").value;
    const response = await api.get(renderingPath(format));
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement("a"), { href: url, download: fileName(format) });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return `Downloaded ${fileName(format)}.`;
  }),
);

$("copy").addEventListener("click", () =>
  withAction(async () => {
    const format = $("format").value;
    const text = api.get(renderingPath(format)).then((r) => r.text());
    // A promised ClipboardItem keeps the click's user activation across the fetch (Safari needs it).
    if (typeof ClipboardItem === "function" && ClipboardItem.supports?.("text/plain")) {
      const blob = text.then((t) => new Blob([t], { type: "text/plain" }));
      await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
    } else {
      await navigator.clipboard.writeText(await text);
    }
    return `Copied the transcript as ${FORMAT_NAMES[format]}.`;
  }),
);

/* ---------- wiring ---------- */

form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});

langInput.addEventListener("input", () => {
  state.kind = "any";
});

tlangSelect.addEventListener("change", () => {
  if (state.transcript) load();
});

keyInput.addEventListener("change", () => saveKey(keyInput.value.trim()));
$("forget-key").addEventListener("click", () => {
  keyInput.value = "";
  saveKey("");
  keyInput.focus();
});

/**
 * A shared address (?v=…&lang=…&tlang=…) only fills the form. Whoever wrote the link must not spend
 * the visitor's own key, or their share of the demo key, on a video they did not ask for: the
 * transcript loads when the visitor presses the button (focused, so Enter does it).
 */
function prefill(query) {
  const video = query.get("v");
  if (!video) return;
  videoInput.value = video;
  langInput.value = query.get("lang") ?? "";
  const tlang = query.get("tlang");
  if (tlang) tlangSelect.append(new Option(tlang, tlang, true, true));
  $("submit").focus();
}

keyInput.value = storedKey();
showKeyState();
if (!storedKey()) keySettings.open = true;
prefill(new URLSearchParams(location.search));
loadDemoKey().then(() => {
  if (state.demoKey && !storedKey()) keySettings.open = false;
});
