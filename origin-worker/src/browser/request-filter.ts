/**
 * What the browser may fetch. Only the configured YouTube origin (and, for the real YouTube,
 * its sibling hosts its pages need) is reachable at all; everything else, private addresses
 * included, is refused. Within the allowed hosts, what extraction never needs (images, fonts,
 * media, ads and analytics beacons) is not fetched either.
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

export interface RequestFilter {
  verdict(url: string, resourceType: string): Verdict;
  /** The origins the browser may reach, for logs and tests. */
  readonly allowedOrigins: readonly string[];
}

/** The real YouTube (over https), not a double or a mirror. */
export const isYoutube = (url: URL) => url.protocol === "https:" && YOUTUBE_HOSTS.includes(url.hostname);

export function createRequestFilter(youtubeOrigin: string): RequestFilter {
  const configured = new URL(youtubeOrigin);
  const allowedOrigins = isYoutube(configured)
    ? YOUTUBE_HOSTS.map((h) => `https://${h}`)
    : [configured.origin];
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
      if (!allowed.has(parsed.origin)) return "refuse";
      if (SKIPPED_TYPES.has(resourceType)) return "skip";
      if (SKIPPED_PATHS.some((p) => p.test(parsed.pathname))) return "skip";
      return "allow";
    },
  };
}
