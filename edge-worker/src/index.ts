import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { timing } from "hono/timing";
import type { AppEnv } from "./app-env.js";
import { identifyKey, requireApiKey } from "./auth/middleware.js";
import { configFrom } from "./config.js";
import { notFound, onError } from "./errors.js";
import { apiSecurityHeaders } from "./headers.js";
import { mcp } from "./mcp/server.js";
import { serveDescriptions } from "./openapi.js";
import { ipLimit, rateLimitHeaders } from "./rate-limit/middleware.js";
import { requestId } from "./request-id.js";
import { batch } from "./routes/batch.js";
import { collections } from "./routes/collections.js";
import { demo } from "./routes/demo.js";
import { jobs } from "./routes/jobs.js";
import { originLink } from "./routes/origin-link.js";
import { validationHook } from "./routes/request.js";
import { errorResponses } from "./routes/schemas.js";
import { transcripts } from "./routes/transcripts.js";
import { usage } from "./routes/usage.js";
import { webhooks } from "./routes/webhooks.js";

export { QuotaCounter } from "./rate-limit/quota-counter.js";

const config = createMiddleware<AppEnv>(async (c, next) => {
  c.set("config", configFrom(c.env));
  await next();
});

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  summary: "Liveness of the edge (does not call the origin)",
  security: [],
  responses: {
    200: {
      description: "The edge is up",
      content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } },
    },
    // Public, yet behind the per-address limit, and a bad configuration answers INTERNAL.
    ...errorResponses(["RATE_LIMITED", "INTERNAL"]),
  },
});

const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

app.onError(onError);
app.notFound(notFound);
app.use("*", requestId, apiSecurityHeaders);
// The API is for any site; /demo-key is for this site's page alone, so it gets no CORS at all.
const apiCors = cors({
  origin: "*",
  allowMethods: ["GET", "POST", "OPTIONS"],
  allowHeaders: [
    "Authorization",
    "X-API-Key",
    "Content-Type",
    "If-None-Match",
    "X-Request-Id",
    "Mcp-Protocol-Version",
  ],
  exposeHeaders: [
    "X-Request-Id",
    "X-Cache",
    "X-Stale-Reason",
    "ETag",
    "Location",
    "Retry-After",
    "Warning",
    "RateLimit-Policy",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
  ],
  maxAge: 86_400,
});
for (const path of ["/v1/*", "/mcp", "/health", "/openapi.json", "/llms.txt", "/llms-full.txt"])
  app.use(path, apiCors);
app.use("*", config, timing({ enabled: (c) => c.var.config.serverTiming }));
// The origin's own calls (signed by it, from its few addresses): before the per-address limiter.
app.route("/", originLink);
// The key is read first so that callers with their own valid key skip the per-IP limiter.
// /mcp (the tools) is keyed and limited as /v1 is.
for (const path of ["/v1/*", "/mcp"]) app.use(path, rateLimitHeaders, identifyKey);
app.use("*", ipLimit);
for (const path of ["/v1/*", "/mcp"]) app.use(path, requireApiKey);

app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200, { "Cache-Control": "no-store" }));
app.route("/", transcripts);
app.route("/", batch);
app.route("/", collections);
app.route("/", jobs);
app.route("/", usage);
app.route("/", webhooks);
app.route("/", demo);
app.route("/", mcp);

serveDescriptions(app);

export default app satisfies ExportedHandler<Env>;
