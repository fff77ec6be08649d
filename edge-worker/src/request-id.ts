import { requestIdFrom } from "@ytt/shared";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env.js";
import { setHeaders } from "./headers.js";

/** Accepts the caller's X-Request-Id when sane, else makes one; echoed on every response and sent to the origin. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const id = requestIdFrom(c.req.header("X-Request-Id"));
  c.set("requestId", id);
  await next();
  setHeaders(c, { "X-Request-Id": id });
});
