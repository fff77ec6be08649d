import { request } from "node:https";
import { checkCallbackUrl } from "@ytt/shared";
import { type HostRules, resolveHost } from "../upstream/host-rules.js";
import { guardedLookup, RefusedAddress, type Resolver } from "./guard.js";
import type { WebhookHeaders } from "./sign.js";

export interface SendOptions {
  /** The whole attempt: connect, TLS, request, response headers. */
  timeoutMs: number;
  /** Test-only (WEBHOOK_HOST_RULES): a host mapped here connects to the rule's target, unchecked. */
  hostRules?: HostRules;
  resolve?: Resolver;
  /** Test-only: certificates to trust besides the system's (a receiver's self-signed one). */
  ca?: string;
}

/**
 * How one attempt went. `status` is the receiver's answer when there was one; `error` says why
 * there was none (or why it does not count). `permanent`: trying again cannot help (the URL or
 * its addresses are refused), so no retry is scheduled.
 */
export interface AttemptResult {
  ok: boolean;
  status?: number;
  error?: string;
  permanent?: boolean;
}

const USER_AGENT = "ytt-webhooks/1 (+https://www.standardwebhooks.com)";

/**
 * POSTs one signed delivery. Only a 2xx counts (Standard Webhooks); a redirect is not followed
 * (it could point anywhere, the cluster included) and counts as a failure. The response body is
 * never read: the socket is dropped once the status line and headers (bounded by Node's 16 KiB
 * header limit) are in, so a receiver cannot make us read megabytes or hold us with a slow body.
 */
export function sendWebhook(
  url: string,
  body: string,
  headers: WebhookHeaders,
  options: SendOptions,
): Promise<AttemptResult> {
  const check = checkCallbackUrl(url);
  if (!check.ok) return Promise.resolve({ ok: false, error: `refused: ${check.reason}`, permanent: true });
  const target = new URL(url);
  const mapped = options.hostRules
    ? resolveHost(options.hostRules, { host: target.hostname, port: 443 })
    : undefined;
  const rerouted = mapped !== undefined && (mapped.host !== target.hostname || mapped.port !== 443);
  return new Promise((settle) => {
    const req = request({
      method: "POST",
      host: rerouted ? mapped.host : target.hostname,
      port: rerouted ? mapped.port : 443,
      path: target.pathname + target.search,
      // The certificate must be the callback host's, wherever a test rule sends the connection.
      ...(rerouted ? { servername: target.hostname } : {}),
      headers: {
        ...headers,
        host: target.host,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "user-agent": USER_AGENT,
      },
      ...(rerouted ? {} : { lookup: guardedLookup(options.resolve) }),
      ...(options.ca ? { ca: options.ca } : {}),
      // A connection of its own: a pooled socket would skip the lookup and so the address check.
      agent: false,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    req.once("response", (res) => {
      const status = res.statusCode ?? 0;
      res.destroy();
      const ok = status >= 200 && status < 300;
      const redirect = status >= 300 && status < 400;
      settle({ ok, status, ...(redirect ? { error: "redirect not followed" } : {}) });
    });
    req.once("error", (error: NodeJS.ErrnoException) => {
      if (error instanceof RefusedAddress) {
        settle({ ok: false, error: `refused: ${error.reason}`, permanent: true });
      } else if (error.name === "TimeoutError" || error.name === "AbortError") {
        settle({ ok: false, error: "timeout" });
      } else {
        // A code (ECONNREFUSED, CERT_HAS_EXPIRED, ...) says enough; messages may quote the receiver.
        settle({ ok: false, error: error.code ?? "network error" });
      }
    });
    req.end(body);
  });
}
