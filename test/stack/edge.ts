import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EDGE_DIR, nodeEnv } from "./paths.js";
import { answersOk, freePort, type LogSink, ManagedProcess, waitUntil } from "./processes.js";

const WRANGLER = join(EDGE_DIR, "node_modules", ".bin", "wrangler");

export interface EdgeOptions {
  port: number;
  originUrl: string;
  signingKey: { id: string; secret: string };
  /** Local KV, Durable Object and rate-limiter state (wrangler --persist-to). */
  persistDir: string;
  /** Where the per-run secrets file is written (mode 0600). */
  runDir: string;
  /** Overrides of wrangler.jsonc vars (quotas, TTLs, origin timeout). */
  vars?: Record<string, string>;
  log: LogSink;
}

/** Environment for every wrangler invocation: no telemetry, no update check, no interactive UI. */
function wranglerEnv(): Record<string, string | undefined> {
  return nodeEnv({ WRANGLER_SEND_METRICS: "false", WRANGLER_LOG_SANITIZE: "true", CI: "1" });
}

/**
 * `wrangler dev` on the edge-worker's own wrangler.jsonc, in workerd, local bindings only. Secrets go
 * in a per-run env file (not argv, where `ps` would show them); plain vars go as --var.
 */
export async function startEdge(options: EdgeOptions): Promise<ManagedProcess> {
  const secretsFile = join(options.runDir, "edge.env");
  writeFileSync(
    secretsFile,
    `SIGNING_SECRET=${options.signingKey.secret}\nACCESS_CLIENT_ID=\nACCESS_CLIENT_SECRET=\n`,
    {
      mode: 0o600,
    },
  );
  const vars = { ORIGIN_URL: options.originUrl, SIGNING_KEY_ID: options.signingKey.id, ...options.vars };
  const edge = new ManagedProcess({
    name: "edge",
    command: WRANGLER,
    args: [
      "dev",
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(options.port),
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      options.persistDir,
      "--env-file",
      secretsFile,
      "--show-interactive-dev-session=false",
      "--live-reload=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    cwd: EDGE_DIR,
    env: wranglerEnv(),
    log: options.log,
  });
  // The probe has its own client IP so it does not eat into 127.0.0.1's IP rate limit.
  const probe = () =>
    answersOk(`http://127.0.0.1:${options.port}/health`, { "CF-Connecting-IP": "192.0.2.254" });
  await waitUntil("edge (wrangler dev)", probe, {
    process: edge,
    timeoutMs: 90_000,
    intervalMs: 250,
  });
  return edge;
}
