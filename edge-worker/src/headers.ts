/** Sets headers on the final response, copying it first when its headers are immutable (fetched or cached responses). */
export function setHeaders(c: { res: Response }, headers: Record<string, string>): void {
  try {
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  } catch {
    c.res = new Response(c.res.body, c.res);
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  }
}
