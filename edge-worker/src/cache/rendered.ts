/**
 * Rendered responses in the per-location Cache API. The cache key is built from the request hash
 * and the format only, so parameter order, unknown parameters and auth headers never split it.
 */
const CACHE_ORIGIN = "https://rendered.ytt-edge.internal";

/** Stored with the rendered copy so a hit can tell the client how long it stays fresh. */
export const FRESH_UNTIL_HEADER = "X-Fresh-Until";

function cacheKey(hash: string, format: string): Request {
  return new Request(`${CACHE_ORIGIN}/v1/${hash}/${format}`);
}

export interface Rendered {
  /** Bytes when read back from the cache: passed through as they are, never decoded and re-encoded. */
  body: string | ArrayBuffer;
  contentType: string;
  etag: string;
  freshUntil: number;
}

export async function matchRendered(hash: string, format: string): Promise<Rendered | undefined> {
  const hit = await caches.default.match(cacheKey(hash, format));
  if (!hit) return undefined;
  const freshUntil = Number(hit.headers.get(FRESH_UNTIL_HEADER));
  if (!(freshUntil > Date.now())) return undefined;
  return {
    body: await hit.arrayBuffer(),
    contentType: hit.headers.get("Content-Type") ?? "application/json",
    etag: hit.headers.get("ETag") ?? "",
    freshUntil,
  };
}

export async function putRendered(hash: string, format: string, r: Rendered): Promise<void> {
  const maxAge = Math.floor((r.freshUntil - Date.now()) / 1000);
  if (maxAge <= 0) return;
  await caches.default.put(
    cacheKey(hash, format),
    new Response(r.body, {
      headers: {
        "Content-Type": r.contentType,
        ETag: r.etag,
        [FRESH_UNTIL_HEADER]: String(r.freshUntil),
        "Cache-Control": `public, max-age=${maxAge}`,
      },
    }),
  );
}
