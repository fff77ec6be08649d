import type { CookieData } from "puppeteer-core";
import { isYoutube } from "./request-filter.js";

/** What YouTube's own consent cookie lives for (about 13 months). */
const SOCS_MAX_AGE_SECONDS = 34_190_000;

/**
 * The EU consent decision as YouTube records it: a SOCS cookie on the whole youtube.com site.
 * Every job has a fresh browser context, so without it every EU job would meet the interstitial
 * again; set up front, the watch page loads at once. "CAI" is the shortest SOCS value that
 * carries a decision ("CAA…" means undecided); the page route still accepts the interstitial
 * itself should YouTube show it anyway.
 */
export function consentCookie(youtubeOrigin: string): CookieData {
  const url = new URL(youtubeOrigin);
  return {
    name: "SOCS",
    value: "CAI",
    domain: isYoutube(url) ? ".youtube.com" : url.hostname,
    path: "/",
    secure: url.protocol === "https:",
    sameSite: "Lax",
    expires: Math.floor(Date.now() / 1000) + SOCS_MAX_AGE_SECONDS,
  };
}
