import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EDGE_DIR, nodeEnv, STACK_DIR } from "./paths.js";
import { answersOk, type LogSink, ManagedProcess, waitUntil } from "./processes.js";

export interface EdgeOptions {
  port: number;
  originUrl: string;
  signingKey: { id: string; secret: string };
  /** The key the origin's workers sign their calls to the edge with. */
  originLinkKey: { id: string; secret: string };
  /** The web page's shared demo key, turned on so the page works without a key typed in. */
  demoKey: string;
  /** Local KV, Durable Object and rate-limiter state (wrangler --persist-to). */
  persistDir: string;
  /** Where the per-run secrets file is written (mode 0600). */
  runDir: string;
  /** Overrides of wrangler.jsonc vars (quotas, TTLs, origin timeout). */
  vars?: Record<string, string> | undefined;
  /** Rebuild and reload when the edge's sources change (the CLI: yes; tests: no). */
  watch: boolean;
  log: LogSink;
}

/**
 * The edge-worker's own wrangler.jsonc in wrangler's dev server (workerd), local bindings only.
 * Secrets go in a per-run env file, never argv or logs; plain vars override wrangler.jsonc. The
 * demo key is on, as the web page needs it to work at once for whoever opens it.
 */
export async function startEdge(options: EdgeOptions): Promise<ManagedProcess> {
  const secretsFile = join(options.runDir, "edge.env");
  writeFileSync(
    secretsFile,
    `SIGNING_SECRET=${options.signingKey.secret}\nORIGIN_LINK_SECRET=${options.originLinkKey.secret}\nDEMO_KEY=${options.demoKey}\nACCESS_CLIENT_ID=\nACCESS_CLIENT_SECRET=\n`,
    { mode: 0o600 },
  );
  const edgeOptions = {
    config: join(EDGE_DIR, "wrangler.jsonc"),
    port: options.port,
    persistDir: options.persistDir,
    secretsFile,
    vars: {
      ORIGIN_URL: options.originUrl,
      SIGNING_KEY_ID: options.signingKey.id,
      ORIGIN_LINK_KEY_ID: options.originLinkKey.id,
      DEMO_KEY_ENABLED: "true",
      ...options.vars,
    },
    watch: options.watch,
  };
  const edge = new ManagedProcess({
    name: "edge",
    command: process.execPath,
    args: ["--import", "tsx", join(STACK_DIR, "edge-process.ts")],
    cwd: EDGE_DIR,
    env: nodeEnv({
      EDGE_PROCESS_OPTIONS: JSON.stringify(edgeOptions),
      // No telemetry, no update check, no interactive UI.
      WRANGLER_SEND_METRICS: "false",
      CI: "1",
    }),
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
