import { createServer, type IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import { parseHostRules, resolveHost } from "../src/upstream/host-rules.js";

/**
 * A forward proxy as residential proxy providers run them, for tests: CONNECT only (everything of
 * YouTube's is https), Basic credentials required (407 otherwise), and its own exit address
 * (`localAddress`), so that the YouTube double can tell exits apart and refuse one. Targets resolve
 * through the double's host rules, as DNS would send YouTube's hostnames to YouTube.
 */
export interface ForwardProxy {
  /** http://user:password@127.0.0.1:port */
  url: string;
  /** Every CONNECT target it accepted (host:port), in order. */
  tunnels: string[];
  /** CONNECTs refused for their credentials. */
  refused: number;
  /** Bytes it carried from its targets back to its clients. */
  bytesDown(): number;
  close(): Promise<void>;
}

export interface ForwardProxyOptions {
  username: string;
  password: string;
  /** The address it connects from (127.0.0.2, 127.0.0.3...). */
  exitAddress: string;
  /** Chromium --host-resolver-rules syntax: the double's `hostRules`. */
  hostRules: string;
}

function credentialsOf(req: IncomingMessage): string | undefined {
  const header = req.headers["proxy-authorization"] ?? "";
  const [scheme, value] = header.split(" ");
  if (scheme?.toLowerCase() !== "basic" || !value) return undefined;
  return Buffer.from(value, "base64").toString("utf8");
}

export async function startForwardProxy(options: ForwardProxyOptions): Promise<ForwardProxy> {
  const rules = parseHostRules(options.hostRules);
  const tunnels: string[] = [];
  const open = new Set<Socket>();
  let refused = 0;
  let down = 0;
  const server = createServer((_req, res) => {
    res.writeHead(405, { allow: "CONNECT" }).end();
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    if (credentialsOf(req) !== `${options.username}:${options.password}`) {
      refused++;
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
      );
      return;
    }
    const [host = "", port = "443"] = (req.url ?? "").split(":");
    const target = resolveHost(rules, { host, port: Number(port) });
    const upstream = connect({ host: target.host, port: target.port, localAddress: options.exitAddress });
    open.add(upstream);
    upstream.on("close", () => open.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("connect", () => {
      tunnels.push(`${host}:${port}`);
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.on("data", (chunk: Buffer) => {
        down += chunk.length;
      });
      upstream.pipe(client);
      client.pipe(upstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const auth = `${encodeURIComponent(options.username)}:${encodeURIComponent(options.password)}`;
  return {
    url: `http://${auth}@127.0.0.1:${port}`,
    tunnels,
    get refused() {
      return refused;
    },
    bytesDown: () => down,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
