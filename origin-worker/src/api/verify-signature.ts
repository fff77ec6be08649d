import { ApiError, SIGNATURE_HEADERS, timingSafeEqual, verifyRequest } from "@ytt/shared";
import { createMiddleware } from "hono/factory";
import type { Redis } from "ioredis";
import type { ApiEnv } from "./context.js";

export interface SignatureOptions {
  keys: Map<string, string>;
  maxSkewSeconds: number;
  /** Where nonces are remembered (SET NX EX): a replayed request is refused by every API replica. */
  redis: Redis;
  noncePrefix: string;
  /** When set, Cloudflare Access service-token headers must match too. */
  access?: { clientId: string; clientSecret: string } | undefined;
}

/**
 * Lets through only requests the edge signed: right key, fresh timestamp, body untouched, nonce
 * never seen. Anything else is 401 before a handler (and so the queue) sees it.
 */
export function verifySignature(options: SignatureOptions) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const refuse = (reason: string): never => {
      c.get("log").warn(
        { reason, keyId: c.req.header(SIGNATURE_HEADERS.keyId) },
        "request refused: not signed by the edge",
      );
      throw new ApiError("UNAUTHORIZED", {
        message: "The request is not signed by the edge.",
        details: { reason },
      });
    };
    if (options.access) {
      const id = c.req.header("cf-access-client-id") ?? "";
      const secret = c.req.header("cf-access-client-secret") ?? "";
      const idOk = timingSafeEqual(id, options.access.clientId);
      const secretOk = timingSafeEqual(secret, options.access.clientSecret);
      if (!idOk || !secretOk) refuse("access-token");
    }
    const url = new URL(c.req.url);
    const body = new Uint8Array(await c.req.arrayBuffer());
    const result = await verifyRequest({
      method: c.req.method,
      pathWithQuery: url.pathname + url.search,
      headers: c.req.raw.headers,
      body,
      secretFor: (keyId) => options.keys.get(keyId),
      maxSkewSeconds: options.maxSkewSeconds,
      rememberNonce: async (nonce, ttlSeconds) =>
        (await options.redis.set(`${options.noncePrefix}:${nonce}`, "1", "EX", ttlSeconds, "NX")) === "OK",
    });
    if (!result.ok) refuse(result.reason);
    await next();
  });
}
