// @ts-check
/** API errors in words for people: what happened and what they can do about it. */

/** @typedef {import("./api.js").ApiFailure} ApiFailure */
/** @typedef {{ title: string, text: string, fix?: "key" | "languages" }} Message */

/** @param {number} seconds */
export function inWords(seconds) {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} seconds`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds / 3600)} hours`;
}

/** @param {ApiFailure} failure */
function waitHint(failure) {
  const seconds = Number(failure.details.retryAfterSeconds ?? failure.retryAfter);
  return Number.isFinite(seconds) && seconds > 0
    ? ` Try again in ${inWords(seconds)}.`
    : " Try again in a moment.";
}

/** @type {Record<string, (failure: ApiFailure) => Message>} */
const MESSAGES = {
  INVALID_VIDEO_REFERENCE: (f) => ({
    title: "That is not a YouTube link or video ID.",
    text: `${f.details.reason ?? ""} Paste a link such as https://www.youtube.com/watch?v=… or https://youtu.be/…, or an 11-character video ID.`,
  }),
  INVALID_REQUEST: (f) => ({ title: "The request was not accepted.", text: f.message }),
  UNAUTHORIZED: () => ({
    title: "The API key was not accepted.",
    text: "Check the key under “API key”: it may be mistyped, revoked or missing.",
    fix: "key",
  }),
  FORBIDDEN: () => ({
    title: "This API key may not be used.",
    text: "Use another key under “API key”.",
    fix: "key",
  }),
  RATE_LIMITED: (f) => ({
    title: "Too many requests.",
    text: `You are going faster than the limit allows.${waitHint(f)}`,
  }),
  QUOTA_EXCEEDED: (f) => ({
    title: "The daily quota of this key is used up.",
    text: `It resets in ${inWords(Number(f.details.retryAfterSeconds ?? f.retryAfter ?? 3600))}.`,
  }),
  TRANSCRIPTS_DISABLED: () => ({
    title: "This video has no captions.",
    text: "Its creator turned captions off, or YouTube made none, so there is no transcript to show.",
  }),
  LANGUAGE_NOT_AVAILABLE: (f) => ({
    title: Array.isArray(f.details.requested)
      ? `There is no transcript in ${f.details.requested.map((code) => `“${code}”`).join(" or ")}.`
      : "There is no transcript in that language.",
    text: "Pick one of the languages the video has:",
    fix: "languages",
  }),
  TRANSLATION_NOT_AVAILABLE: () => ({
    title: "This transcript cannot be translated into that language.",
    text: "Choose “No translation” or another target language.",
  }),
  VIDEO_UNAVAILABLE: () => ({
    title: "The video is unavailable.",
    text: "It may have been removed, or the link is wrong.",
  }),
  VIDEO_PRIVATE: () => ({
    title: "The video is private.",
    text: "Only its owner can see it, so its transcript cannot be read.",
  }),
  AGE_RESTRICTED: () => ({
    title: "The video is age-restricted.",
    text: "YouTube only shows it to signed-in accounts, so its transcript cannot be read here.",
  }),
  VIDEO_UNPLAYABLE: (f) => ({
    title: "YouTube will not play this video.",
    text: typeof f.details.reason === "string" ? `YouTube says: “${f.details.reason}”.` : f.message,
  }),
  BLOCKED_BY_YOUTUBE: (f) => ({
    title: "YouTube is blocking our requests for now.",
    text: `YouTube asked for a bot check or slowed us down. Nothing is wrong with your link.${waitHint(f)}`,
  }),
  UPSTREAM_TIMEOUT: (f) => ({ title: "YouTube did not answer in time.", text: waitHint(f).trim() }),
  QUEUE_FULL: (f) => ({ title: "The service is busy.", text: waitHint(f).trim() }),
  ORIGIN_UNAVAILABLE: (f) => ({ title: "The transcript service is unavailable.", text: waitHint(f).trim() }),
  NOT_FOUND: () => ({ title: "Not found.", text: "The job expired before it finished. Try again." }),
  NETWORK: () => ({
    title: "The service could not be reached.",
    text: "Check your connection and try again.",
  }),
};

/**
 * @param {ApiFailure} failure
 * @returns {Message & { retryable: boolean, code: string }}
 */
export function describe(failure) {
  const make = MESSAGES[failure.code] ?? ((f) => ({ title: "Something went wrong.", text: f.message }));
  return { ...make(failure), retryable: failure.retryable, code: failure.code };
}
