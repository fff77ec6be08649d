/** Turns whatever people paste (an ID or any YouTube link form) into an 11-character video ID. */

export type VideoRefResult = { ok: true; videoId: string } | { ok: false; reason: string };

/** Longer input is refused before any parsing, so no input can make parsing slow. */
export const MAX_VIDEO_REF_LENGTH = 2048;

const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;
const ID_ALPHABET = /^[A-Za-z0-9_-]*$/;
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{0,20}:\/\//;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
/** Encoded input may be encoded twice (a link pasted into a form that encoded it again). */
const MAX_DECODE_ROUNDS = 2;

const YOUTUBE_HOSTS = new Set(["youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"]);
const SHORT_HOSTS = new Set(["youtu.be", "www.youtu.be"]);
const NOCOOKIE_HOSTS = new Set(["youtube-nocookie.com", "www.youtube-nocookie.com"]);

/** Pages whose URL is /<prefix>/<id>. */
const ID_PATH_PREFIXES = new Set(["shorts", "live", "embed", "v", "e"]);
/** Pages whose URL carries the id as ?v=. */
const WATCH_PATHS = new Set(["watch", "watch_popup"]);
const CHANNEL_PATH_PREFIXES = new Set(["channel", "c", "user"]);

export function isVideoId(value: string): boolean {
  return VIDEO_ID.test(value);
}

export function parseVideoRef(input: string): VideoRefResult {
  if (typeof input !== "string") return fail("The video reference must be a string.");
  if (input.length > MAX_VIDEO_REF_LENGTH) {
    return fail(`The video reference is too long (more than ${MAX_VIDEO_REF_LENGTH} characters).`);
  }
  let candidate = input.trim();
  if (candidate === "") return fail("The video reference is empty.");

  let result = parseOnce(candidate);
  for (let round = 0; !result.ok && round < MAX_DECODE_ROUNDS && PERCENT_ESCAPE.test(candidate); round++) {
    const decoded = safeDecode(candidate);
    if (decoded === undefined || decoded === candidate) break;
    candidate = decoded.trim();
    result = parseOnce(candidate);
  }
  return result;
}

function parseOnce(candidate: string): VideoRefResult {
  if (isVideoId(candidate)) return { ok: true, videoId: candidate };
  if (ID_ALPHABET.test(candidate)) {
    return fail(
      `A video ID has exactly 11 characters (A-Z, a-z, 0-9, - and _); this one has ${candidate.length}.`,
    );
  }
  if (!candidate.includes(".") && !candidate.includes("/")) {
    return fail("That is neither a video ID (11 characters of A-Z, a-z, 0-9, - and _) nor a YouTube link.");
  }
  return parseUrl(candidate);
}

function parseUrl(candidate: string): VideoRefResult {
  const withScheme = HAS_SCHEME.test(candidate)
    ? candidate
    : candidate.startsWith("//")
      ? `https:${candidate}`
      : `https://${candidate}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return fail("That is not a valid link.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return fail(`Links must use http or https, not ${url.protocol.slice(0, 20)}`);
  }
  const host = url.hostname;
  const segments = url.pathname.split("/").filter(Boolean);

  if (SHORT_HOSTS.has(host)) {
    if (segments.length !== 1) return fail("A youtu.be link must look like youtu.be/<video ID>.");
    return idFromLink(segments[0] ?? "");
  }
  if (NOCOOKIE_HOSTS.has(host)) {
    if (segments.length === 2 && (segments[0] === "embed" || segments[0] === "v")) {
      return idFromLink(segments[1] ?? "");
    }
    return fail("A youtube-nocookie.com link must look like youtube-nocookie.com/embed/<video ID>.");
  }
  if (!YOUTUBE_HOSTS.has(host)) {
    return fail(`${host.slice(0, 100)} is not a YouTube address (youtube.com or youtu.be).`);
  }

  const [first = "", second] = segments;
  if (segments.length === 1 && WATCH_PATHS.has(first)) {
    const v = url.searchParams.get("v");
    if (v === null || v === "") {
      if (url.searchParams.has("list"))
        return fail("That is a playlist link without a video; link one video.");
      return fail("That watch link has no video ID (the v= parameter is missing).");
    }
    return idFromLink(v);
  }
  if (segments.length === 2 && ID_PATH_PREFIXES.has(first) && second !== undefined) return idFromLink(second);
  if (first === "playlist") return fail("That is a playlist link without a video; link one video.");
  if (first.startsWith("@") || CHANNEL_PATH_PREFIXES.has(first)) {
    return fail("That is a channel link, not a link to a video.");
  }
  if (segments.length === 0) return fail("That is the YouTube home page, not a link to a video.");
  return fail("That YouTube link does not point to a video.");
}

function idFromLink(value: string): VideoRefResult {
  if (isVideoId(value)) return { ok: true, videoId: value };
  return fail("The link's video ID is not valid: it must be 11 characters of A-Z, a-z, 0-9, - and _.");
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function fail(reason: string): VideoRefResult {
  return { ok: false, reason };
}
