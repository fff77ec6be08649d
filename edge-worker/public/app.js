// @ts-check
/** The page's wiring: what each control does, the requests behind it, and the start of a visit. */
import { ApiClient, ApiFailure, isTransient, transcriptPath } from "./api.js";
import { saveKey, state, storedKey } from "./state.js";
import {
  applySearch,
  controls,
  hideCollection,
  hideError,
  hideTranscript,
  markBusy,
  showActionStatus,
  showCollection,
  showFailure,
  showJobProgress,
  showKeyNeeded,
  showKeyState,
  showLanguages,
  showProblem,
  showProgress,
  showTranscript,
} from "./views.js";

/** @typedef {import("./state.js").Query} Query */
/** @typedef {import("./state.js").Transcript} Transcript */
/** @typedef {import("./state.js").KindChoice} KindChoice */
/** @typedef {"text" | "srt" | "vtt" | "json" | "markdown"} Format */

/** @type {Record<Format, string>} */
const FILE_EXTENSIONS = { text: "txt", srt: "srt", vtt: "vtt", json: "json", markdown: "md" };
/** @type {Record<Format, string>} */
const FORMAT_NAMES = { text: "plain text", srt: "SRT", vtt: "WebVTT", json: "JSON", markdown: "Markdown" };
/** Tries at the language list before the page does without it. */
const LANGUAGE_LIST_ATTEMPTS = 3;
const LANGUAGE_CODE = /^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8}){0,3}$/;

const api = new ApiClient(() => storedKey() || state.demoKey);

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

/* ---------- loading ---------- */

function preferredLanguages() {
  const codes = [...(navigator.languages ?? []), navigator.language, "en"].filter(
    (c) => typeof c === "string" && LANGUAGE_CODE.test(c),
  );
  return [...new Set(codes)].slice(0, 5).join(",");
}

/** @returns {Query} */
function queryFromForm() {
  const lang = controls.lang.value.trim();
  return {
    lang: lang || preferredLanguages(),
    kind: lang ? state.kind : "any",
    fallback: lang ? "error" : "any",
    tlang: controls.tlang.value || undefined,
  };
}

/**
 * A playlist or a channel rather than a video (a watch link with list= is the video it plays): the
 * API says exactly what it accepts; this only picks the endpoint.
 * @param {string} ref
 */
function isCollectionRef(ref) {
  if (/^(?:PL|UU|OLAK5uy_|FL)[\w-]{10,62}$/.test(ref) || ref.startsWith("@")) return true;
  const url = URL.canParse(ref)
    ? new URL(ref)
    : URL.canParse(`https://${ref}`)
      ? new URL(`https://${ref}`)
      : null;
  if (!url || !/(?:^|\.)youtube\.com$/.test(url.hostname)) return false;
  return url.pathname === "/playlist" || /^\/(?:@|channel\/|c\/|user\/)/.test(url.pathname);
}

/**
 * Every video of a playlist or channel as one job: its progress while it runs, then each video
 * and the download of all results. The demo key serves single videos only: a collection needs the
 * user's own key.
 * @param {string} ref
 */
async function loadCollection(ref) {
  if (!storedKey()) {
    showKeyNeeded();
    return;
  }
  state.run?.abort();
  const run = new AbortController();
  state.run = run;
  hideTranscript();
  state.transcript = undefined;
  state.collection = undefined;
  showProgress("Listing the videos…");
  const { lang, kind, fallback, tlang } = queryFromForm();
  try {
    const job = await api.collection(
      { collection: ref, lang, kind, fallback, ...(tlang ? { tlang } : {}) },
      { signal: run.signal, onProgress: (job) => run.signal.aborted || showCollection(job) },
    );
    if (run.signal.aborted) return;
    state.collection = job;
    if (job.job.status === "failed")
      showFailure(new ApiFailure(502, job.error, null, job.requestId), { pick: pickLanguage });
  } catch (e) {
    if (run.signal.aborted) return;
    if (!(e instanceof ApiFailure)) throw e;
    hideCollection();
    showFailure(e, { pick: pickLanguage, retry: load });
  }
}

async function load() {
  const ref = controls.video.value.trim();
  hideError();
  if (isCollectionRef(ref)) {
    await loadCollection(ref);
    return;
  }
  hideCollection();
  if (!ref) {
    showProblem(
      "Paste a YouTube link or video ID first.",
      "For example https://www.youtube.com/watch?v=… or https://youtu.be/….",
    );
    controls.video.focus();
    return;
  }
  if (!storedKey() && !state.demoKey) {
    showKeyNeeded();
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
  markBusy(true);
  try {
    /** @type {Transcript} */
    const transcript = await api.json(transcriptPath(ref, params), {
      signal: run.signal,
      onProgress: showJobProgress,
    });
    if (run.signal.aborted) return;
    state.params = params;
    state.shownRef = ref;
    state.transcript = transcript;
    showTranscript(transcript, pickLanguage);
    rememberInUrl(transcript.video.videoId);
  } catch (e) {
    if (run.signal.aborted) return;
    if (!(e instanceof ApiFailure)) throw e;
    if (!sameVideo) {
      // Another video failed: the previous one's transcript would only mislead.
      hideTranscript();
      state.transcript = undefined;
    }
    showFailure(e, { pick: pickLanguage, retry: load });
  } finally {
    markBusy(false);
  }
}

/**
 * @param {string} ref
 * @param {AbortSignal} signal
 */
async function loadLanguages(ref, signal) {
  for (let attempt = 1; ; attempt++) {
    try {
      const list = await api.json(transcriptPath(ref, {}, "/languages"), { signal });
      if (signal.aborted) return;
      state.languages = list;
      showLanguages(pickLanguage);
      return;
    } catch (e) {
      // A dropped connection should not cost the list; any other failure the transcript
      // request reports in words, the list being only a convenience.
      if (signal.aborted || !isTransient(e) || attempt === LANGUAGE_LIST_ATTEMPTS) return;
      await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
}

/**
 * @param {string} code
 * @param {KindChoice} [kind]
 */
function pickLanguage(code, kind = "any") {
  controls.lang.value = code;
  state.kind = kind;
  load();
}

/**
 * A shareable address: ?v=ID&lang=..&tlang=.. opens the page with the same request filled in.
 * @param {string} videoId
 */
function rememberInUrl(videoId) {
  const query = new URLSearchParams({ v: videoId });
  if (controls.lang.value.trim()) query.set("lang", controls.lang.value.trim());
  if (controls.tlang.value) query.set("tlang", controls.tlang.value);
  history.replaceState(null, "", `?${query}`);
}

/* ---------- download and copy: the API's own renderings ---------- */

/** @returns {Format} the format select offers these only */
function chosenFormat() {
  return /** @type {Format} */ (controls.format.value);
}

/**
 * @param {Transcript} transcript
 * @param {Format} format
 */
function renderingPath(transcript, format) {
  return transcriptPath(transcript.video.videoId, { ...state.params, format });
}

/**
 * @param {Transcript} transcript
 * @param {Format} format
 */
function fileName(transcript, format) {
  const { video, track } = transcript;
  return `${video.videoId}.${track.languageCode}.${FILE_EXTENSIONS[format]}`;
}

/**
 * Runs a download or copy of the transcript on screen (the buttons show only with one) and says how it went.
 * @param {(transcript: Transcript) => Promise<string>} work
 */
async function withAction(work) {
  const { transcript } = state;
  if (!transcript) return;
  showActionStatus("");
  try {
    showActionStatus(await work(transcript));
  } catch (e) {
    if (e instanceof ApiFailure) showFailure(e, { pick: pickLanguage });
    else showActionStatus(`That did not work: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Saves an API answer as a file, as the browser's own download.
 * @param {Blob} blob
 * @param {string} name
 */
function saveAs(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

controls.download.addEventListener("click", () =>
  withAction(async (transcript) => {
    const format = chosenFormat();
    const name = fileName(transcript, format);
    saveAs(await (await api.get(renderingPath(transcript, format))).blob(), name);
    return `Downloaded ${name}.`;
  }),
);

// Every finished video's transcript or error, one JSON line each, as the API streams them.
controls.collectionDownload.addEventListener("click", async () => {
  const job = state.collection;
  if (!job) return;
  try {
    const id = job.collection?.id ?? "collection";
    // The lines come a page at a time, X-Next-Cursor naming the next: one file of them all.
    const pages = [];
    for (let cursor = "0"; cursor; ) {
      const page = await api.get(`${job.job.statusUrl}?format=jsonl&cursor=${cursor}`);
      pages.push(await page.blob());
      cursor = page.headers.get("X-Next-Cursor") ?? "";
    }
    saveAs(new Blob(pages, { type: "application/jsonl" }), `${id}.jsonl`);
  } catch (e) {
    if (!(e instanceof ApiFailure)) throw e;
    showFailure(e, { pick: pickLanguage });
  }
});

/**
 * Puts the API's rendering of the transcript in `format` on the clipboard.
 * @param {Transcript} transcript
 * @param {Format} format
 */
async function copyRendering(transcript, format) {
  const text = api.get(renderingPath(transcript, format)).then((r) => r.text());
  // A promised ClipboardItem keeps the click's user activation across the fetch (Safari needs it).
  if (typeof ClipboardItem === "function" && ClipboardItem.supports?.("text/plain")) {
    const blob = text.then((t) => new Blob([t], { type: "text/plain" }));
    await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
  } else {
    await navigator.clipboard.writeText(await text);
  }
}

controls.copy.addEventListener("click", () =>
  withAction(async (transcript) => {
    const format = chosenFormat();
    await copyRendering(transcript, format);
    return `Copied the transcript as ${FORMAT_NAMES[format]}.`;
  }),
);

// Markdown whatever the menu says: front matter and paragraphs read best in a chat, and no instruction is added.
controls.copyForLlm.addEventListener("click", () =>
  withAction(async (transcript) => {
    await copyRendering(transcript, "markdown");
    return "Copied the transcript as Markdown, ready to paste into a chat with a language model.";
  }),
);

/* ---------- the form ---------- */

controls.form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});

controls.lang.addEventListener("input", () => {
  state.kind = "any";
});

controls.tlang.addEventListener("change", () => {
  if (state.transcript) load();
});

/** @type {ReturnType<typeof setTimeout> | undefined} */
let searchTimer;
controls.search.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(applySearch, 120);
});

controls.key.addEventListener("change", () => {
  saveKey(controls.key.value.trim());
  showKeyState();
});
controls.forgetKey.addEventListener("click", () => {
  controls.key.value = "";
  saveKey("");
  showKeyState();
  controls.key.focus();
});

/**
 * A shared address (?v=…&lang=…&tlang=…) only fills the form. Whoever wrote the link must not spend
 * the visitor's own key, or their share of the demo key, on a video they did not ask for: the
 * transcript loads when the visitor presses the button (focused, so Enter does it).
 * @param {URLSearchParams} query
 */
function prefill(query) {
  const video = query.get("v");
  if (!video) return;
  controls.video.value = video;
  controls.lang.value = query.get("lang") ?? "";
  const tlang = query.get("tlang");
  if (tlang) controls.tlang.append(new Option(tlang, tlang, true, true));
  controls.submit.focus();
}

controls.key.value = storedKey();
showKeyState();
if (!storedKey()) controls.keySettings.open = true;
prefill(new URLSearchParams(location.search));
loadDemoKey().then(() => {
  if (state.demoKey && !storedKey()) controls.keySettings.open = false;
});
