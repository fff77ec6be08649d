import { request } from "node:http";
import type { Socket } from "node:net";

/** The proxy would not open the tunnel: its status (proxy-chain: 597 upstream credentials refused, 59x unreachable). */
export class TunnelRefused extends Error {
  constructor(readonly status: number) {
    super(`the proxy answered CONNECT with ${status}`);
    this.name = "TunnelRefused";
  }
}

/** A TCP tunnel to host:port through an HTTP proxy (the job's local forwarder), by CONNECT. */
export function openTunnel(
  proxyUrl: string,
  host: string,
  port: number,
  signal?: AbortSignal,
): Promise<Socket> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const connect = request({
      host: proxy.hostname,
      port: Number(proxy.port) || 80,
      method: "CONNECT",
      path: `${host}:${port}`,
      headers: { host: `${host}:${port}` },
      ...(signal ? { signal } : {}),
    });
    connect.once("connect", (response, socket) => {
      if (response.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(new TunnelRefused(response.statusCode ?? 0));
    });
    connect.once("error", reject);
    connect.end();
  });
}
