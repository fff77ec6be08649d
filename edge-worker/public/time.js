// @ts-check
/** Times as people read them, and YouTube links to a moment. */

/**
 * 63_000 → "1:03", 3_723_000 → "1:02:03".
 * @param {number} ms
 */
export function clock(ms) {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * 317_000 → "5 min 17 s".
 * @param {number} ms
 */
export function duration(ms) {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h && `${h} h`, m && `${m} min`, (s || total === 0) && `${s} s`].filter(Boolean).join(" ");
}

/**
 * The watch page, at `startMs` when given (YouTube takes whole seconds).
 * @param {string} videoId
 * @param {number} [startMs]
 */
export function watchUrl(videoId, startMs) {
  const url = new URL("https://www.youtube.com/watch");
  url.searchParams.set("v", videoId);
  if (startMs !== undefined) url.searchParams.set("t", `${Math.floor(startMs / 1000)}s`);
  return url.href;
}
