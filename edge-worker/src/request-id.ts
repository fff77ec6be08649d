import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env.js";
import { setHeaders } from "./headers.js";

/** Ids a client may choose: short and free of anything that could inject into logs or headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Accepts the caller's X-Request-Id when sane, else makes one; echoed on every response and sent to the origin. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const offered = c.req.header("X-Request-Id");
  const id = offered && SANE_REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
  c.set("requestId", id);
  await next();
  setHeaders(c, { "X-Request-Id": id });
});
