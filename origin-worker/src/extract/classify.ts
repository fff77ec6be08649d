import { ApiError } from "@ytt/shared";
import { type PlayerResponse, textOf } from "./parse/player-response.js";

/**
 * Turning what YouTube shows instead of a playable video into catalogue errors: the
 * playabilityStatus of a player response, and interstitial pages (consent, reCAPTCHA).
 */

/** U+2019 and U+0027 both occur in "you’re"; compare on one. */
const normalise = (s: string) => s.replaceAll("\u2019", "'").toLowerCase();

/** The session rate limit's wording (normalised), as yt-dlp matches it. */
const RATE_LIMITED = "this content isn't available, try again later";

function subreasons(status: PlayerResponse): string[] {
  const screen = status?.errorScreen?.playerErrorMessageRenderer;
  const out: string[] = [];
  const sub = screen?.subreason;
  if (Array.isArray(sub?.runs)) {
    const joined = textOf(sub).trim();
    if (joined) out.push(joined);
  } else if (textOf(sub)) out.push(textOf(sub));
  for (const m of Array.isArray(status?.messages) ? status.messages : [])
    if (typeof m === "string") out.push(m);
  return [...new Set(out)];
}

/** null when the video plays; otherwise the error the request must end in. */
export function classifyPlayability(response: PlayerResponse): ApiError | null {
  const status = response?.playabilityStatus;
  const code = String(status?.status ?? "");
  if (code === "OK") return null;
  const reason = String(
    status?.reason ?? textOf(status?.errorScreen?.playerErrorMessageRenderer?.reason) ?? "",
  );
  const subs = subreasons(status);
  const all = normalise([reason, ...subs].join(" "));
  const details = { status: code, reason, ...(subs.length ? { subreasons: subs } : {}) };
  if (all.includes("not a bot") || all.includes("unusual traffic")) {
    return new ApiError("BLOCKED_BY_YOUTUBE", { details: { reason } });
  }
  // yt-dlp (`yt_dlp/extractor/youtube/_video.py`) reads both as blocks of this session, not of the
  // video: a captcha before playback (yt-dlp finds it on errorScreen; in-page player scripts in
  // public repositories read it from errorScreen.playerErrorMessageRenderer), and the per-session rate limit (about 300 videos an hour for a
  // guest, yt-dlp wiki "Extractors"), which YouTube words as "Video unavailable" with this subreason.
  if (
    status?.errorScreen?.playerCaptchaViewModel ||
    status?.errorScreen?.playerErrorMessageRenderer?.playerCaptchaViewModel
  ) {
    return new ApiError("BLOCKED_BY_YOUTUBE", {
      details: { reason: "captcha before playback", status: code },
    });
  }
  if (all.includes(RATE_LIMITED)) return new ApiError("BLOCKED_BY_YOUTUBE", { details });
  if (all.includes("private video") || all.includes("video is private"))
    return new ApiError("VIDEO_PRIVATE", { details });
  if (code === "LOGIN_REQUIRED" && (all.includes("inappropriate") || status?.desktopLegacyAgeGateReason)) {
    return new ApiError("AGE_RESTRICTED", { details });
  }
  if (code === "AGE_CHECK_REQUIRED" || code === "AGE_VERIFICATION_REQUIRED")
    return new ApiError("AGE_RESTRICTED", { details });
  if (code === "ERROR") return new ApiError("VIDEO_UNAVAILABLE", { details });
  if (!code)
    return new ApiError("VIDEO_UNAVAILABLE", { details: { reason: "The page carries no player response." } });
  return new ApiError("VIDEO_UNPLAYABLE", { details });
}

export type Interstitial = { kind: "consent"; acceptable: boolean } | { kind: "captcha" };

/**
 * The consent interstitial's forms: today's post to consent.youtube.com/save (consent.google.com
 * on Google's other sites) with hidden `set_eom` (true on "Reject all"); the 2021 one posted to
 * consent.youtube.com/s and needed its `v=cb.…` version (youtube-transcript-api's capture).
 * Plain substring tests: the page is YouTube's text, and no pattern here may backtrack.
 */
const CONSENT_SAVE = ["consent.youtube.com/save", "consent.google.com/save"];
const CONSENT_2021 = 'action="https://consent.youtube.com/s"';

/** What stands between us and the watch page, judged from the page's HTML. */
export function detectInterstitial(html: string): Interstitial | null {
  // A watch page whose title or description says "unusual traffic" is still a watch page.
  const unusualTraffic = html.includes("unusual traffic") && !html.includes("ytInitialPlayerResponse");
  if (html.includes("g-recaptcha") || html.includes("/das_captcha") || unusualTraffic) {
    return { kind: "captcha" };
  }
  if (CONSENT_SAVE.some((action) => html.includes(action))) {
    return { kind: "consent", acceptable: html.includes("set_eom") };
  }
  if (html.includes(CONSENT_2021))
    return { kind: "consent", acceptable: html.includes('name="v" value="cb.') };
  return null;
}

/** Retry-After in seconds (delta or HTTP date), when the answer gives one. */
export function retryAfterSeconds(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export function blocked(reason: string, retryAfter?: number): ApiError {
  return new ApiError("BLOCKED_BY_YOUTUBE", {
    details: { reason, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) },
  });
}
