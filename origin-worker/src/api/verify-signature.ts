import {
  ApiError,
  CALLER_HEADER,
  parseCaller,
  SIGNATURE_HEADERS,
  timingSafeEqual,
  verifyRequest,
} from "@ytt/shared";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
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
  /** Longer bodies are refused (413) before or while they are read, never buffered whole. */
  maxBodyBytes: number;
}

function refuse(c: Context<ApiEnv>, reason: string): never {
  c.get("log").warn(
    { reason, keyId: c.req.header(SIGNATURE_HEADERS.keyId) },
    "request refused: not signed by the edge",
  );
  throw new ApiError("UNAUTHORIZED", {
    message: "The request is not signed by the edge.",
    details: { reason },
  });
}

/**
 * Lets through only requests the edge signed: right key, fresh timestamp, body untouched, nonce
 * never seen, and a caller named. Anything else is 401 before a handler (and so the queue) sees it.
 * Three steps, cheapest first: the headers alone (Access token, signature headers present, caller
 * well formed), then a bounded body, then the HMAC and the nonce.
 */
export function verifySignature(options: SignatureOptions) {
  const headersOnly = createMiddleware<ApiEnv>(async (c, next) => {
    if (options.access) {
      const id = c.req.header("cf-access-client-id") ?? "";
      const secret = c.req.header("cf-access-client-secret") ?? "";
      const idOk = timingSafeEqual(id, options.access.clientId);
      const secretOk = timingSafeEqual(secret, options.access.clientSecret);
      if (!idOk || !secretOk) refuse(c, "access-token");
    }
    const headers = c.req.raw.headers;
    if (Object.values(SIGNATURE_HEADERS).some((name) => !headers.has(name))) refuse(c, "missing");
    const caller = parseCaller(headers.get(CALLER_HEADER) ?? undefined);
    if (!caller) return refuse(c, "no-caller");
    c.set("caller", caller);
    await next();
  });
  const boundedBody = bodyLimit({
    maxSize: options.maxBodyBytes,
    onError: () => {
      throw new ApiError("PAYLOAD_TOO_LARGE");
    },
  });
  const signature = createMiddleware<ApiEnv>(async (c, next) => {
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
    if (!result.ok) refuse(c, result.reason);
    await next();
  });
  return [headersOnly, boundedBody, signature] as const;
}
