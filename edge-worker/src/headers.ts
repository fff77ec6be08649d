import { createMiddleware } from "hono/factory";

/** Sets headers on the final response, copying it first when its headers are immutable (fetched or cached responses). */
export function setHeaders(c: { res: Response }, headers: Record<string, string>): void {
  try {
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  } catch {
    c.res = new Response(c.res.body, c.res);
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  }
}

/**
 * On everything the Worker answers (JSON and plain-text data, errors included): never sniffed into a
 * document, never framed, and nothing loaded should a browser render it anyway. The static page's own
 * policy is in public/_headers.
 */
export const apiSecurityHeaders = createMiddleware(async (c, next) => {
  await next();
  setHeaders(c, {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  });
});
