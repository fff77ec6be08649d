import { ApiError } from "@ytt/shared";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { demoKeyElsewhere, fromOwnPage } from "../auth/demo.js";

/**
 * GET /demo-key: the shared key the web page uses when the operator enables it (404 otherwise),
 * handed only to the page's own origin (no CORS either, so no other site can read it). A helper of
 * the page, not part of the API, so it stays out of /openapi.json. Requests with the key count per
 * client address (DEMO_LIMITER, QUOTA_DEMO_PER_IP_PER_DAY) and against one daily budget for all
 * (QUOTA_DEMO_PER_DAY).
 */
export const demo = new Hono<AppEnv>().get("/demo-key", (c) => {
  const { demoKey, dailyQuota } = c.var.config;
  if (!demoKey) throw new ApiError("NOT_FOUND");
  if (!fromOwnPage(c.req)) throw demoKeyElsewhere();
  return c.json({ key: demoKey, plan: "demo", dailyLimit: dailyQuota.demo }, 200, {
    "Cache-Control": "no-store",
  });
});
