/**
 * The edge as the stack runs it: wrangler's own dev server (workerd, local KV / Durable Objects /
 * rate limiters) started through its API, so file watching can be turned off for tests: a reload
 * while a test runs would cut its connections. Options come as JSON in EDGE_PROCESS_OPTIONS.
 */
import { unstable_startWorker } from "wrangler";

interface EdgeProcessOptions {
  config: string;
  port: number;
  persistDir: string;
  secretsFile: string;
  vars: Record<string, string>;
  watch: boolean;
}

const options = JSON.parse(process.env.EDGE_PROCESS_OPTIONS ?? "{}") as EdgeProcessOptions;
const worker = await unstable_startWorker({
  config: options.config,
  envFiles: [options.secretsFile],
  bindings: Object.fromEntries(
    Object.entries(options.vars).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
  ),
  dev: {
    remote: false,
    watch: options.watch,
    liveReload: false,
    persist: options.persistDir,
    server: { hostname: "127.0.0.1", port: options.port },
    inspector: false,
  },
});
await worker.ready;
console.log(`edge ready on http://127.0.0.1:${options.port} (watch: ${options.watch})`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    worker.dispose().finally(() => process.exit(0));
  });
}
