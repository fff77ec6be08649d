import type { Hook } from "@hono/zod-openapi";
import { ApiError, invalidRequest, parseVideoRef } from "@ytt/shared";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env.js";
import { burstLimit } from "../rate-limit/middleware.js";
import type { ResolveContext } from "../resolve.js";
import { security } from "./schemas.js";

/** The video ID behind whatever the client sent, or INVALID_VIDEO_REFERENCE saying why not. */
export function videoIdFrom(ref: string): string {
  const parsed = parseVideoRef(ref);
  if (!parsed.ok) throw new ApiError("INVALID_VIDEO_REFERENCE", { details: { reason: parsed.reason } });
  return parsed.videoId;
}

/** Every route validates through zod; a failure is INVALID_REQUEST with the issues. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw invalidRequest(result.error.issues);
};

export function resolveContext(c: Context<AppEnv>): ResolveContext {
  return {
    env: c.env,
    config: c.var.config,
    requestId: c.var.requestId,
    caller: c.var.caller,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  };
}

/** Route options for /v1 routes: documented as needing a key, under its burst limit (the quota is charged where origin work is). */
export const keyed = { security, middleware: [burstLimit] };

/** A route's bound on its body: a bigger one is PAYLOAD_TOO_LARGE, refused before anything reads it. */
export function bodyUpTo(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError("PAYLOAD_TOO_LARGE");
    },
  });
}
