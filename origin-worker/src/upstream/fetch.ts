import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { openTunnel } from "../egress/tunnel.js";
import { type HostRules, parseHostRules, resolveHost } from "./host-rules.js";

/**
 * HTTP from the worker itself (not from the browser), for the innertube app clients: a request
 * that must not look like a browser's. Honours UPSTREAM_HOST_RULES like Chromium does, keeping the
 * original Host header and TLS server name, so that under the test-only rules the YouTube double
 * answers as www.youtube.com. Certificates are always verified: the double's CA is trusted through
 * NODE_EXTRA_CA_CERTS, never by switching verification off. Through a job's proxy (its local
 * forwarder), every request is a CONNECT tunnel to the URL's own host: the proxy resolves it.
 */

export interface UpstreamRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export type UpstreamFetch = (url: string, init?: UpstreamRequest) => Promise<UpstreamResponse>;

/** A player response is about 200 kB; anything past this is not an answer we can use. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

function decoded(response: IncomingMessage): NodeJS.ReadableStream {
  switch (response.headers["content-encoding"]) {
    case "gzip":
      return response.pipe(createGunzip());
    case "deflate":
      return response.pipe(createInflate());
    case "br":
      return response.pipe(createBrotliDecompress());
    default:
      return response;
  }
}

/**
 * `hostRules` in Chromium's --host-resolver-rules syntax (absent: plain DNS); `proxyServer`: the
 * job's local forwarder (absent: direct).
 */
export function createUpstreamFetch(hostRules?: string, proxyServer?: string): UpstreamFetch {
  const rules: HostRules = parseHostRules(hostRules ?? "");
  return async (url, init = {}) => {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    if (!secure && target.protocol !== "http:") throw new Error(`not an http(s) URL: ${url}`);
    const port = Number(target.port) || (secure ? 443 : 80);
    const connectTo = resolveHost(rules, { host: target.hostname, port });
    const tunnel = proxyServer
      ? await openTunnel(proxyServer, target.hostname, port, init.signal)
      : undefined;
    const send = secure ? httpsRequest : httpRequest;
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const request = send(
        {
          host: connectTo.host,
          port: connectTo.port,
          // No agent: Node then opens the connection with createConnection, inside the tunnel.
          ...(tunnel
            ? {
                createConnection: () =>
                  secure ? tlsConnect({ socket: tunnel, servername: target.hostname }) : tunnel,
              }
            : {}),
          path: `${target.pathname}${target.search}`,
          method: init.method ?? "GET",
          // Host is the URL's, not the mapped address: the server (YouTube, or the double) routes by it.
          headers: { "accept-encoding": "gzip, deflate, br", ...init.headers, host: target.host },
          // SNI and certificate check against the original hostname, as the browser does.
          ...(secure ? { servername: target.hostname } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const body = decoded(response);
          body.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              request.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on("error", reject);
          body.on("error", reject);
          body.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      request.on("error", reject);
      request.end(init.body);
    });
  };
}
