/**
 * What the browser may fetch. Only the configured YouTube origin (and, for the real YouTube,
 * its sibling hosts its pages need) is reachable at all; everything else, private addresses
 * included, is refused. Within the allowed hosts, what extraction never needs (images, fonts,
 * media, ads and analytics beacons) is not fetched either.
 *
 * For the real YouTube, two narrow paths off YouTube's hosts are allowed because the player cannot
 * mint the caption `pot` without them (without it, `exp=xpe` caption URLs answer 200 with an empty
 * body: yt-dlp#13075, jdepoix/youtube-transcript-api#592):
 * - the BotGuard interpreter script, `https://www.google.com/js/th/<hash>.js` (the
 *   `bgChallenge.interpreterUrl` the watch page embeds; LuanRT/BgUtils README, and our own capture);
 * - the WAA integrity-token calls on `jnn-pa.googleapis.com` that some players make directly instead
 *   of through `www.youtube.com/api/jnn/` (LuanRT/BgUtils `src/utils/helpers.ts` `buildURL`).
 * Every other `www.google.com` path stays refused, so a redirect to `/sorry/` is still a refused
 * navigation, recognised as a block.
 */

export type Verdict = "allow" | "skip" | "refuse";

const YOUTUBE_HOSTS = ["www.youtube.com", "youtube.com", "m.youtube.com", "consent.youtube.com"];

/** Resource types a transcript never depends on. */
const SKIPPED_TYPES = new Set([
  "image",
  "media",
  "font",
  "stylesheet",
  "texttrack",
  "manifest",
  "ping",
  "prefetch",
  "eventsource",
  "websocket",
]);

/** Ads, telemetry and logging endpoints on YouTube's own hosts. */
const SKIPPED_PATHS = [
  /^\/api\/stats\//,
  /^\/ptracking/,
  /^\/pagead\//,
  /^\/youtubei\/v1\/log_event/,
  /^\/generate_204/,
  /^\/error_204/,
  /^\/csi_204/,
  /^\/youtubei\/v1\/att\/log/,
  /^\/sw\.js/,
];

/** A path on another Google host that BotGuard minting needs, and the request types it comes as. */
interface MintingPath {
  origin: string;
  pathPrefix: string;
  types: ReadonlySet<string>;
}

const MINTING_PATHS: readonly MintingPath[] = [
  { origin: "https://www.google.com", pathPrefix: "/js/th/", types: new Set(["script"]) },
  {
    origin: "https://jnn-pa.googleapis.com",
    pathPrefix: "/$rpc/google.internal.waa.v1.Waa/",
    // A cross-origin POST with a JSON body is preceded by a CORS preflight, which request
    // interception reports as "preflight" or, in Chromium 156, as "other" (seen with the double).
    types: new Set(["xhr", "fetch", "preflight", "other"]),
  },
];

export interface RequestFilter {
  verdict(url: string, resourceType: string): Verdict;
  /** The origins the browser may reach in full, for logs and tests (the minting paths aside). */
  readonly allowedOrigins: readonly string[];
}

/** The real YouTube (over https), not a double or a mirror. */
export const isYoutube = (url: URL) => url.protocol === "https:" && YOUTUBE_HOSTS.includes(url.hostname);

const isMintingRequest = (url: URL, resourceType: string) =>
  MINTING_PATHS.some(
    (p) => url.origin === p.origin && url.pathname.startsWith(p.pathPrefix) && p.types.has(resourceType),
  );

export function createRequestFilter(youtubeOrigin: string): RequestFilter {
  const configured = new URL(youtubeOrigin);
  const realYoutube = isYoutube(configured);
  const allowedOrigins = realYoutube ? YOUTUBE_HOSTS.map((h) => `https://${h}`) : [configured.origin];
  const allowed = new Set(allowedOrigins);
  return {
    allowedOrigins,
    verdict(url, resourceType) {
      if (url.startsWith("data:") || url.startsWith("blob:")) return "allow";
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return "refuse";
      }
      if (realYoutube && isMintingRequest(parsed, resourceType)) return "allow";
      if (!allowed.has(parsed.origin)) return "refuse";
      if (SKIPPED_TYPES.has(resourceType)) return "skip";
      if (SKIPPED_PATHS.some((p) => p.test(parsed.pathname))) return "skip";
      return "allow";
    },
  };
}
