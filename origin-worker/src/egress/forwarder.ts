import { Server } from "proxy-chain";

/**
 * A local, credential-free proxy on 127.0.0.1 in front of one upstream proxy (proxy-chain, Apify's
 * maintained chaining proxy): Chromium's per-context `proxyServer` cannot carry credentials, and
 * Node's CONNECT has no SOCKS, so both talk plain HTTP CONNECT to this, which adds the credentials
 * (Basic, or SOCKS4/5 auth) upstream. An upstream 407 reaches the client as proxy-chain's 597.
 */
export interface Forwarder {
  /** http://127.0.0.1:<port>, no credentials. */
  url: string;
  close(): Promise<void>;
}

export async function startForwarder(upstreamUrl: string): Promise<Forwarder> {
  const server = new Server({
    host: "127.0.0.1",
    port: 0,
    verbose: false,
    prepareRequestFunction: () => ({ upstreamProxyUrl: upstreamUrl }),
  });
  await server.listen();
  return {
    url: `http://127.0.0.1:${server.port}`,
    close: () => server.close(true),
  };
}
