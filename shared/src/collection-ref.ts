/**
 * Turns what people paste for a collection (a playlist link or ID, a channel link, handle or ID) into
 * a typed reference, or a reason it is not one. The sibling of parseVideoRef, sharing its link checks.
 */

import {
  hasNonAscii,
  isVideoId,
  parseLink,
  pathSegments,
  SHORT_HOSTS,
  safeDecode,
  stripSurroundingPunctuation,
  YOUTUBE_HOSTS,
} from "./video-ref.js";

/** The channel tabs a collection can list. */
export const CHANNEL_TABS = ["videos", "shorts", "streams"] as const;
export type ChannelTab = (typeof CHANNEL_TABS)[number];
/** The tab a channel link without one stands for. */
export const DEFAULT_CHANNEL_TAB: ChannelTab = "videos";

/** How many videos a collection lists when no limit is given, and at most. */
export const COLLECTION_LIMIT = { default: 100, max: 5000 } as const;

/** The four ways YouTube addresses a channel: /@handle, /channel/UC…, and the legacy /c/… and /user/…. */
export type ChannelLocator =
  | { kind: "handle"; handle: string }
  | { kind: "id"; channelId: string }
  | { kind: "custom"; name: string }
  | { kind: "user"; name: string };

export type CollectionRef =
  | { type: "playlist"; playlistId: string }
  /** `tab` is the one the link named; undefined when it named none. */
  | { type: "channel"; channel: ChannelLocator; tab: ChannelTab | undefined };

export type CollectionRefResult = { ok: true; ref: CollectionRef } | { ok: false; reason: string };

/** Longer input is refused before any parsing, so no input can make parsing slow. */
export const MAX_COLLECTION_REF_LENGTH = 2048;

/** UC and 22 ID characters (yt-dlp `_base.py` _YT_CHANNEL_UCID_RE). */
const CHANNEL_ID = /^UC[\w-]{22}$/;
/**
 * A handle: 3–30 letters, digits, "_", "-" and "." (yt-dlp `_base.py` _YT_HANDLE_RE, after
 * support.google.com/youtube/answer/11585688); letters of any script, which YouTube allows in handles.
 */
const HANDLE = /^@[\p{L}\p{M}\p{N}_.-]{3,30}$/u;
/** A legacy /c/ or /user/ name. */
const LEGACY_NAME = /^[\p{L}\p{M}\p{N}_.-]{1,100}$/u;
const ID_ALPHABET = /^[\w-]+$/;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

/**
 * Playlist ID prefixes whose playlists have an end: made by people (PL), a channel's uploads (UU, and
 * its UULF/UUSH/UULV views of videos, shorts and streams), an album (OLAK5uy_), old favourites (FL).
 */
const PLAYLIST_PREFIXES = ["OLAK5uy_", "PL", "UU", "FL"];
/** Real IDs are 18 (PL + 16 hex), 24 (UU…), 34 (PL + 32) or 41 (OLAK5uy_ + 33) characters long. */
const PLAYLIST_ID_LENGTH = { min: 12, max: 64 };
/** Lists that cannot be collected, whatever follows their prefix. */
const REFUSED_PLAYLISTS: [prefix: string, reason: string][] = [
  [
    "RD",
    "That is a Mix (list=RD…): YouTube generates it as you watch and it never ends; link a playlist or a channel instead.",
  ],
  ["WL", "Watch later (list=WL) is private to its owner's account."],
  ["LL", "Liked videos (list=LL) are private to their owner's account."],
  ["LM", "Liked music (list=LM) is private to its owner's account."],
];
/** Channel tabs that hold something other than videos. */
const OTHER_TABS = new Set([
  "playlists",
  "community",
  "posts",
  "about",
  "live",
  "releases",
  "podcasts",
  "courses",
  "store",
  "search",
  "channels",
]);
const CHANNEL_PREFIXES = new Set(["channel", "c", "user"]);

export function isChannelTab(value: string): value is ChannelTab {
  return (CHANNEL_TABS as readonly string[]).includes(value);
}

export function parseCollectionRef(input: string): CollectionRefResult {
  if (typeof input !== "string") return fail("The collection reference must be a string.");
  if (input.length > MAX_COLLECTION_REF_LENGTH) {
    return fail(`The collection reference is too long (more than ${MAX_COLLECTION_REF_LENGTH} characters).`);
  }
  const candidate = stripSurroundingPunctuation(input.trim());
  if (candidate === "") return fail("The collection reference is empty.");
  const result = parseOnce(candidate);
  // A link pasted into a form that encoded it once more.
  if (result.ok || !PERCENT_ESCAPE.test(candidate)) return result;
  const decoded = safeDecode(candidate);
  return decoded === undefined || decoded === candidate ? result : parseOnce(decoded.trim());
}

/** The path of the collection's page on www.youtube.com (a channel's at the tab asked for). */
export function collectionPagePath(ref: CollectionRef, tab: ChannelTab = DEFAULT_CHANNEL_TAB): string {
  if (ref.type === "playlist") return `/playlist?list=${ref.playlistId}`;
  const channel = ref.channel;
  const base =
    channel.kind === "handle"
      ? `/@${encodeURIComponent(channel.handle.slice(1))}`
      : channel.kind === "id"
        ? `/channel/${channel.channelId}`
        : `/${channel.kind === "custom" ? "c" : "user"}/${encodeURIComponent(channel.name)}`;
  return `${base}/${tab}`;
}

function parseOnce(candidate: string): CollectionRefResult {
  if (candidate.startsWith("@")) return handleRef(candidate, undefined);
  if (CHANNEL_ID.test(candidate)) return channelRef({ kind: "id", channelId: candidate }, undefined);
  if (ID_ALPHABET.test(candidate)) return playlistRef(candidate);
  if (!candidate.includes(".") && !candidate.includes("/")) {
    return fail("That is neither a playlist ID, a channel ID or @handle, nor a YouTube link.");
  }
  const link = parseLink(candidate);
  if (!link.ok) return link;
  const url = link.url;
  const host = url.hostname;
  if (!YOUTUBE_HOSTS.has(host) && !SHORT_HOSTS.has(host)) {
    return fail(`${host.slice(0, 100)} is not a YouTube address (youtube.com or youtu.be).`);
  }
  // list= names the playlist on every page that carries one: /playlist, /watch, youtu.be/<id>, embeds.
  const list = url.searchParams.get("list");
  if (list !== null) return playlistRef(list);
  const segments = pathSegments(url);
  const [first = "", second, third] = segments;
  if (!SHORT_HOSTS.has(host)) {
    if (first.startsWith("@"))
      return handleRef(safeDecode(first) ?? first, tabOf(second, segments.length, 2));
    if (CHANNEL_PREFIXES.has(first) && second !== undefined) {
      return legacyChannelRef(first, safeDecode(second) ?? second, tabOf(third, segments.length, 3));
    }
    if (first === "playlist") return fail("That playlist link has no list= parameter.");
  }
  if (segments.length === 0) return fail("That is the YouTube home page, not a playlist or a channel.");
  return fail(
    "That YouTube link is neither a playlist nor a channel; a single video's transcript has its own endpoint.",
  );
}

type Tab = { ok: true; tab: ChannelTab | undefined } | { ok: false; reason: string };

/** The tab in the path segment after the channel's name; `expected` is how many segments a tab link has. */
function tabOf(segment: string | undefined, count: number, expected: number): Tab {
  if (segment === undefined || segment === "featured") {
    return count <= expected ? { ok: true, tab: undefined } : fail("That channel link has extra parts.");
  }
  if (count > expected) return fail("That channel link has extra parts after the tab.");
  if (isChannelTab(segment)) return { ok: true, tab: segment };
  if (OTHER_TABS.has(segment)) {
    return fail(
      `That is the channel's ${segment} tab; a collection is a channel's videos, shorts or streams.`,
    );
  }
  return fail(`"${segment.slice(0, 40)}" is not a channel tab; use videos, shorts or streams.`);
}

function handleRef(handle: string, tab: Tab | undefined): CollectionRefResult {
  if (!HANDLE.test(handle)) {
    return fail(
      "A channel handle is @ followed by 3 to 30 letters, digits, underscores, hyphens or full stops.",
    );
  }
  return channelRef({ kind: "handle", handle }, tab);
}

function legacyChannelRef(prefix: string, name: string, tab: Tab): CollectionRefResult {
  if (prefix === "channel") {
    if (!CHANNEL_ID.test(name)) {
      return fail("A channel ID is UC followed by 22 characters of A-Z, a-z, 0-9, - and _.");
    }
    return channelRef({ kind: "id", channelId: name }, tab);
  }
  if (!LEGACY_NAME.test(name)) return fail(`That /${prefix}/ link's channel name is not valid.`);
  return channelRef(prefix === "c" ? { kind: "custom", name } : { kind: "user", name }, tab);
}

function channelRef(channel: ChannelLocator, tab: Tab | undefined): CollectionRefResult {
  if (tab !== undefined && !tab.ok) return tab;
  return { ok: true, ref: { type: "channel", channel, tab: tab?.tab } };
}

function playlistRef(id: string): CollectionRefResult {
  const refused = REFUSED_PLAYLISTS.find(([prefix]) => id.startsWith(prefix));
  if (refused !== undefined) return fail(refused[1]);
  if (!ID_ALPHABET.test(id)) {
    return fail(
      hasNonAscii(id)
        ? "The playlist ID contains non-Latin or look-alike letters; playlist IDs are plain A-Z, a-z, 0-9, - and _."
        : "The playlist ID is not valid: it must be letters, digits, - and _.",
    );
  }
  if (!PLAYLIST_PREFIXES.some((prefix) => id.startsWith(prefix))) {
    if (isVideoId(id)) return fail("That is a video ID; a collection is a playlist or a channel.");
    return fail("That is not a playlist ID: playlist IDs begin with PL, UU, OLAK5uy_ or FL.");
  }
  if (id.length < PLAYLIST_ID_LENGTH.min || id.length > PLAYLIST_ID_LENGTH.max) {
    return fail(
      `A playlist ID has ${PLAYLIST_ID_LENGTH.min} to ${PLAYLIST_ID_LENGTH.max} characters; this one has ${id.length}.`,
    );
  }
  return { ok: true, ref: { type: "playlist", playlistId: id } };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
