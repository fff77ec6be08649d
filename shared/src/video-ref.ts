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
/** A wrapper inside a wrapper is real (an attribution link to a consent page); deeper is not. */
const MAX_WRAP_DEPTH = 2;

export const YOUTUBE_HOSTS: ReadonlySet<string> = new Set([
  "youtube.com",
  "www.youtube.com",
  "m.youtube.com",
  "music.youtube.com",
  "gaming.youtube.com",
  "youtubekids.com",
  "www.youtubekids.com",
]);
export const SHORT_HOSTS: ReadonlySet<string> = new Set(["youtu.be", "www.youtu.be"]);
/** Hosts that only serve the player: /embed/<id> or /v/<id>. */
const EMBED_HOSTS = new Set(["youtube-nocookie.com", "www.youtube-nocookie.com", "youtube.googleapis.com"]);
/** The cookie-consent interstitial, which carries the page it interrupted in ?continue=. */
const CONSENT_HOSTS = new Set(["consent.youtube.com"]);
/** Where a wrapped link that is only a path (/watch?v=…) lives. */
const YOUTUBE_ORIGIN = "https://www.youtube.com";

/** Pages whose URL is /<prefix>/<id>. */
const ID_PATH_PREFIXES = new Set(["shorts", "live", "embed", "v", "e"]);
/** Pages whose URL carries the id as ?v=. */
const WATCH_PATHS = new Set(["watch", "watch_popup"]);
const CHANNEL_PATH_PREFIXES = new Set(["channel", "c", "user"]);
/** YouTube pages that carry another link in a query parameter. */
const WRAPPER_PAGES = new Map([
  ["attribution_link", { param: "u", what: "an attribution link" }],
  ["redirect", { param: "q", what: "a YouTube redirect link" }],
  ["oembed", { param: "url", what: "an oEmbed link" }],
]);
const CONSENT_WRAPPER = { param: "continue", what: "a consent page link" };
/** Names that sit where an embed's video ID goes but are not videos (both happen to be 11 ID-like characters). */
const NOT_VIDEO_EMBEDS = new Map([
  ["videoseries", "That is a playlist embed, not a video; link one video of the playlist."],
  [
    "live_stream",
    "That is a channel's live stream embed, not a video; link the live video itself (youtube.com/watch?v=…).",
  ],
]);
/** Android and iOS app links: vnd.youtube:<id>, youtube://<id>, youtube://<link>. */
const APP_SCHEMES = ["vnd.youtube:", "youtube:"];

/** Letters that look like an ID's are refused, never mapped to the ASCII they resemble. */
const LOOK_ALIKE_ID =
  "The video ID contains non-Latin or look-alike letters (full-width, Cyrillic, …); a video ID is 11 characters of plain A-Z, a-z, 0-9, - and _.";

const TOO_DEEP = `That link wraps other links more than ${MAX_WRAP_DEPTH} levels deep; paste the video's own link.`;

/** The video's page on YouTube. */
export function watchUrl(videoId: string): string {
  return `https://www.youtube.com/watch?v=${videoId}`;
}

/** A moment of the video on YouTube (whole seconds: YouTube's `t` takes no fractions). */
export function momentUrl(videoId: string, ms: number): string {
  return `https://youtu.be/${videoId}?t=${Math.floor(ms / 1000)}`;
}

/** What text around a pasted reference leaves at its ends; none of it can be part of an ID or a host. */
const OPENING_PUNCTUATION = new Set(Array.from("<([{\"'\u201c\u2018\u00ab\u2039\uff08\u300c\u300e\u3010"));
const CLOSING_PUNCTUATION = new Set(
  Array.from(")]}>\"'\u201d\u2019\u00bb\u203a\uff09\u300d\u300f\u3011.,;!?\u2026"),
);

export function isVideoId(value: string): boolean {
  return VIDEO_ID.test(value);
}

export function parseVideoRef(input: string): VideoRefResult {
  if (typeof input !== "string") return fail("The video reference must be a string.");
  if (input.length > MAX_VIDEO_REF_LENGTH) {
    return fail(`The video reference is too long (more than ${MAX_VIDEO_REF_LENGTH} characters).`);
  }
  let candidate = stripSurroundingPunctuation(input.trim());
  if (candidate === "") return fail("The video reference is empty.");

  let result = parseOnce(candidate);
  for (let round = 0; !result.ok && round < MAX_DECODE_ROUNDS && PERCENT_ESCAPE.test(candidate); round++) {
    const decoded = safeDecode(candidate);
    if (decoded === undefined || decoded === candidate) break;
    candidate = stripSurroundingPunctuation(decoded.trim());
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
  const appLink = appLinkBody(candidate);
  if (appLink !== undefined) return parseAppLink(appLink, 0);
  if (!candidate.includes(".") && !candidate.includes("/")) {
    if (hasNonAscii(candidate)) return fail(LOOK_ALIKE_ID);
    return fail("That is neither a video ID (11 characters of A-Z, a-z, 0-9, - and _) nor a YouTube link.");
  }
  return parseUrl(candidate, 0);
}

/**
 * A pasted link as a URL, refused when its host could only look like YouTube's (look-alike letters,
 * escapes, punycode) or it is not http(s). Shared with the collection references.
 */
export function parseLink(candidate: string): { ok: true; url: URL } | { ok: false; reason: string } {
  // The URL parser drops tabs and line breaks, so "you<tab>tube.com" would silently become youtube.com.
  if (hasControlCharacter(candidate)) {
    return fail("That link contains a line break, tab or other control character; paste it on one line.");
  }
  const withScheme = HAS_SCHEME.test(candidate)
    ? candidate
    : candidate.startsWith("//")
      ? `https:${candidate}`
      : `https://${candidate}`;
  // Checked before the URL parser, which maps full-width letters, "。" and percent-escapes in a
  // host to plain ASCII: ｙｏｕｔｕｂｅ.com would otherwise become youtube.com.
  const hostRefusal = refuseHostAsTyped(withScheme);
  if (hostRefusal !== undefined) return fail(hostRefusal);
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
  if (host.split(".").some((label) => label.startsWith("xn--"))) {
    return fail(
      `${host.slice(0, 100)} is an internationalised (punycode) address; YouTube's never are, so it only looks like YouTube.`,
    );
  }
  return { ok: true, url };
}

/** `depth` counts the wrapper links this one was found inside. */
function parseUrl(candidate: string, depth: number): VideoRefResult {
  const link = parseLink(candidate);
  if (!link.ok) return link;
  const { url } = link;
  const host = url.hostname;
  const segments = pathSegments(url);

  if (SHORT_HOSTS.has(host)) {
    if (segments.length !== 1) return fail("A youtu.be link must look like youtu.be/<video ID>.");
    return idFromPathSegment(segments[0] ?? "");
  }
  if (EMBED_HOSTS.has(host)) {
    if (segments.length === 2 && (segments[0] === "embed" || segments[0] === "v")) {
      return idFromPathSegment(segments[1] ?? "");
    }
    return fail(`A ${host} link must look like ${host}/embed/<video ID>.`);
  }
  if (CONSENT_HOSTS.has(host)) return unwrap(url, CONSENT_WRAPPER, depth);
  if (!YOUTUBE_HOSTS.has(host)) {
    return fail(`${host.slice(0, 100)} is not a YouTube address (youtube.com or youtu.be).`);
  }
  return parseYouTubePage(url, depth, true);
}

function parseYouTubePage(url: URL, depth: number, followHash: boolean): VideoRefResult {
  const segments = pathSegments(url);
  const [first = "", second] = segments;
  const isWatchPage = segments.length === 1 && WATCH_PATHS.has(first);
  const v = url.searchParams.get("v");
  // youtube.com/?v=<id> is a watch page too.
  if ((isWatchPage || segments.length === 0) && v !== null && v !== "") return idFromLink(v);
  // Old mobile and AJAX links put the page in the fragment: /#/watch?v=<id>, /watch#!v=<id>.
  if ((isWatchPage || segments.length === 0) && followHash) {
    const routed = routeFromHash(url);
    if (routed !== undefined) return parseYouTubePage(routed, depth, false);
  }
  if (isWatchPage) {
    if (url.searchParams.has("list")) return fail("That is a playlist link without a video; link one video.");
    return fail("That watch link has no video ID (the v= parameter is missing).");
  }
  if (segments.length === 2 && ID_PATH_PREFIXES.has(first) && second !== undefined) {
    return idFromPathSegment(second);
  }
  const wrapper = segments.length === 1 ? WRAPPER_PAGES.get(first) : undefined;
  if (wrapper !== undefined) return unwrap(url, wrapper, depth);
  if (first === "playlist") return fail("That is a playlist link without a video; link one video.");
  if (first.startsWith("@") || CHANNEL_PATH_PREFIXES.has(first)) {
    return fail("That is a channel link, not a link to a video.");
  }
  if (segments.length === 0) return fail("That is the YouTube home page, not a link to a video.");
  return fail("That YouTube link does not point to a video.");
}

/** The page a "#/path?query" or "#!query" fragment stands for, on the same host. */
function routeFromHash(url: URL): URL | undefined {
  const hash = url.hash;
  if (!hash.startsWith("#/") && !hash.startsWith("#!")) return undefined;
  const route = hash.slice(hash.startsWith("#!") ? 2 : 1);
  try {
    return route.startsWith("/")
      ? new URL(route, url.origin)
      : new URL(`${url.pathname}?${route}`, url.origin);
  } catch {
    return undefined;
  }
}

/** Reads the link a wrapper carries; it must pass every check a pasted link does, hosts included. */
function unwrap(url: URL, wrapper: { param: string; what: string }, depth: number): VideoRefResult {
  const inner = url.searchParams.get(wrapper.param)?.trim() ?? "";
  if (inner === "") return fail(`That is ${wrapper.what} with no link in its ${wrapper.param}= parameter.`);
  return parseWrapped(inner, wrapper.what, depth + 1);
}

function parseWrapped(inner: string, what: string, depth: number): VideoRefResult {
  if (depth > MAX_WRAP_DEPTH) {
    return fail(TOO_DEEP);
  }
  // "/watch?v=…" is a path on YouTube; "//host/…" names its own host and is read like any link.
  const link = inner.startsWith("/") && !inner.startsWith("//") ? YOUTUBE_ORIGIN + inner : inner;
  const result = parseUrl(link, depth);
  // Only the outermost wrapper names itself, so nested refusals do not repeat the preamble.
  if (result.ok || depth > 1 || result.reason === TOO_DEEP) return result;
  return fail(`That is ${what} to something other than a YouTube video: ${result.reason}`);
}

/** What follows an app link's scheme (and its "//"), or undefined for other input. */
function appLinkBody(candidate: string): string | undefined {
  const start = candidate.slice(0, 16).toLowerCase();
  const scheme = APP_SCHEMES.find((name) => start.startsWith(name));
  if (scheme === undefined) return undefined;
  const body = candidate.slice(scheme.length);
  return body.startsWith("//") ? body.slice(2) : body;
}

function parseAppLink(body: string, depth: number): VideoRefResult {
  if (body === "") return fail("That is a YouTube app link with no video ID.");
  const id = idBefore(body, "?&#");
  if (id !== undefined) return { ok: true, videoId: id };
  if (!body.includes(".") && !body.includes("/")) return idFromLink(body);
  return parseWrapped(body, "a YouTube app link", depth + 1);
}

function idFromPathSegment(segment: string): VideoRefResult {
  const notVideo = NOT_VIDEO_EMBEDS.get(segment);
  if (notVideo !== undefined) return fail(notVideo);
  // youtu.be/<id>&feature=… and the old /v/<id>&hl=en: query parameters joined with & instead of ?.
  return idFromLink(idBefore(segment, "&") ?? segment);
}

/** The ID at the start of `value` when a delimiter follows it, so a longer token never yields one. */
function idBefore(value: string, delimiters: string): string | undefined {
  const head = value.slice(0, 11);
  const next = value.charAt(11);
  return next !== "" && delimiters.includes(next) && isVideoId(head) ? head : undefined;
}

function idFromLink(value: string): VideoRefResult {
  if (isVideoId(value)) return { ok: true, videoId: value };
  // Path segments arrive percent-encoded; decoded only to explain the refusal, never to accept.
  if (hasNonAscii(safeDecode(value) ?? value)) return fail(LOOK_ALIKE_ID);
  return fail("The link's video ID is not valid: it must be 11 characters of A-Z, a-z, 0-9, - and _.");
}

/** Why the host, as typed, cannot be YouTube's; undefined when it is plain ASCII. */
function refuseHostAsTyped(withScheme: string): string | undefined {
  const host = hostAsTyped(withScheme);
  if (hasNonAscii(host)) {
    return `The address ${host.slice(0, 100)} uses letters outside plain ASCII (look-alike, full-width or non-Latin letters); YouTube's addresses never do.`;
  }
  if (host.includes("%"))
    return `The address ${host.slice(0, 100)} contains percent-escapes; YouTube's addresses never do.`;
  return undefined;
}

/** The host part of scheme://[user@]host[:port]/…, cut by hand before any normalisation. */
function hostAsTyped(withScheme: string): string {
  const start = withScheme.indexOf("://") + 3;
  let end = start;
  while (end < withScheme.length && !"/\\?#".includes(withScheme.charAt(end))) end++;
  const authority = withScheme.slice(start, end);
  return authority.slice(authority.lastIndexOf("@") + 1);
}

export function stripSurroundingPunctuation(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && OPENING_PUNCTUATION.has(value.charAt(start))) start++;
  while (end > start && CLOSING_PUNCTUATION.has(value.charAt(end - 1))) end--;
  return value.slice(start, end).trim();
}

export function pathSegments(url: URL): string[] {
  return url.pathname.split("/").filter(Boolean);
}

export function hasNonAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return true;
  return false;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
