import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { BURST_LIMITS, LIMITER_PERIOD_SECONDS } from "../rate-limit/limits.js";
import { quotasOf } from "../rate-limit/middleware.js";
import { HISTORY_DAYS } from "../rate-limit/quota-counter.js";
import { keyed, validationHook } from "./request.js";
import { errorResponses, KEYED_ERRORS } from "./schemas.js";

const Usage = z
  .object({
    plan: z.enum(["free", "pro", "demo"]),
    quotas: z
      .array(
        z.object({
          scope: z.enum(["key", "ip"]).openapi({
            description: "key: this key's daily quota; ip: the demo key's share for this client address.",
          }),
          limit: z.number().int(),
          used: z.number().int(),
          remaining: z.number().int(),
          resetSeconds: z
            .number()
            .int()
            .openapi({ description: "Seconds until the quota resets (UTC midnight)." }),
          resetsAt: z.string().openapi({ description: "When it resets, ISO 8601 (UTC midnight)." }),
        }),
      )
      .openapi({
        description: "Each daily quota this key's origin work counts against: extractions, not cache hits.",
      }),
    burst: z.object({ limit: z.number().int(), periodSeconds: z.number().int() }).openapi({
      description:
        "The per-minute burst limit every request counts towards. The limiter gives no counts, so none are shown; a refusal is a 429 RATE_LIMITED.",
    }),
    history: z.array(z.object({ date: z.string(), used: z.number().int() })).openapi({
      description: `Units of this key's daily quota used on each of the last ${HISTORY_DAYS} UTC days, oldest first, today last.`,
    }),
  })
  .meta({ id: "Usage" });

const usageRoute = createRoute({
  method: "get",
  path: "/v1/usage",
  operationId: "getUsage",
  summary: "This key's use today against its quota and burst limit, and its last 30 days",
  description:
    "Reading it costs no quota (it counts towards the burst limit) and carries the RateLimit-* headers of the quota with the least left.",
  ...keyed,
  responses: {
    200: { description: "The key's usage", content: { "application/json": { schema: Usage } } },
    ...errorResponses(KEYED_ERRORS),
  },
});

export const usage = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  usageRoute,
  async (c) => {
    const { caller } = c.var;
    const [quotas, history] = await Promise.all([
      Promise.all(
        quotasOf(c).map(async ({ counter, limit, scope }) => {
          const { used, remaining, resetSeconds, resetsAt } = await c.env.QUOTA.getByName(counter).consume(
            0,
            limit,
          );
          return { scope, limit, used, remaining, resetSeconds, resetsAt };
        }),
      ),
      c.env.QUOTA.getByName(caller.keyHash).history(),
    ]);
    const tightest = quotas.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    c.set("quota", { allowed: true, ...tightest });
    const burst = {
      limit: BURST_LIMITS[caller.plan === "demo" ? "demo" : "key"],
      periodSeconds: LIMITER_PERIOD_SECONDS,
    };
    return c.json({ plan: caller.plan, quotas, burst, history }, 200, { "Cache-Control": "no-store" });
  },
);
