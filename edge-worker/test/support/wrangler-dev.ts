/** Runs `wrangler dev` as a child process (Node side): for the node tests and the benchmark. */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { TEST_SIGNING_KEY_ID, TEST_SIGNING_SECRET } from "./constants.js";

export const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

/** Vars that point a `wrangler dev` edge at the origin stand-in, signing with the test key. */
export function standInOriginVars(originPort: number): Record<string, string> {
  return {
    ORIGIN_URL: `http://127.0.0.1:${originPort}`,
    SIGNING_KEY_ID: TEST_SIGNING_KEY_ID,
    SIGNING_SECRET: TEST_SIGNING_SECRET,
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface WranglerDev {
  url: string;
  stop(): Promise<void>;
}

/** Starts `wrangler dev -c config` on a free port and resolves once `readyPath` answers. */
export async function startWranglerDev(options: {
  config: string;
  persistTo: string;
  vars?: Record<string, string>;
  readyPath?: string;
  timeoutMs?: number;
  /** Extra environment for wrangler and its workerd (e.g. MINIFLARE_WORKERD_V8_FLAGS). */
  env?: Record<string, string>;
}): Promise<WranglerDev> {
  const port = await freePort();
  const args = ["exec", "wrangler", "dev", "-c", options.config, "--port", String(port), "--ip", "127.0.0.1"];
  args.push("--persist-to", options.persistTo, "--show-interactive-dev-session=false");
  for (const [k, v] of Object.entries(options.vars ?? {})) args.push("--var", `${k}:${v}`);
  // Its own process group, so stopping it also stops the workerd processes it starts.
  const child = spawn("pnpm", args, {
    cwd: PACKAGE_DIR,
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...options.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const dev = { url, stop: () => stop(child) };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}: ${stderr}`);
    try {
      await fetch(url + (options.readyPath ?? "/"));
      return dev;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await dev.stop();
  throw new Error(`wrangler dev did not come up: ${stderr}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (!child.pid || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return; // Already gone.
  }
  await exited;
}
