import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** Serves a fetch handler over Node HTTP; resolves once it listens (port 0 picks a free port). */
export function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
) {
  return new Promise<Listening>((resolve) => {
    const server = serve({ fetch, port, hostname }, () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    );
  });
}
