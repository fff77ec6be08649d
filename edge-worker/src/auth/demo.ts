import { ApiError } from "@ytt/shared";
import type { HonoRequest } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";

/**
 * Whether the browser says the request comes from this site's own page: its Origin is the Worker's
 * own or, as same-origin GETs carry no Origin, Sec-Fetch-Site says same-origin. Browsers set both
 * and pages cannot change them, so another site cannot spend the demo key through its visitors
 * (a script can claim anything: the per-address limits are for that).
 */
export function fromOwnPage(req: HonoRequest): boolean {
  const origin = req.header("Origin");
  if (origin !== undefined) return origin === new URL(req.url).origin;
  return req.header("Sec-Fetch-Site") === "same-origin";
}

/** The demo key (or /demo-key) asked for from anywhere but this site's page. */
export function demoKeyElsewhere(): ApiError {
  return new ApiError("FORBIDDEN", {
    message: "The shared demo key works only on this site's own web page. Use your own API key.",
    details: { reason: "demo-key-other-origin" },
  });
}

/** For routes the web page never uses (batch): the demo key is refused before it spends anything. */
export const ownKeyOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.var.caller.plan === "demo") {
    throw new ApiError("FORBIDDEN", {
      message:
        "The shared demo key serves the web page only, which does not use this route. Use your own API key.",
      details: { reason: "demo-key-route" },
    });
  }
  await next();
});
