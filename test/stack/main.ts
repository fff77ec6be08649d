/**
 * `pnpm dev` / `make dev`: the whole chain on this machine, logs prefixed per process, Ctrl-C stops
 * everything. YOUTUBE=double points the workers at the YouTube double instead of youtube.com.
 */
import { join } from "node:path";
import { leftoverProcesses, type Stack, startStack } from "./index.js";
import { STATE_ROOT } from "./paths.js";

const youtube = process.env.YOUTUBE === "double" ? "double" : "real";
if (process.env.YOUTUBE && process.env.YOUTUBE !== "double" && process.env.YOUTUBE !== "real") {
  console.error(`YOUTUBE must be "double" or "real", not ${JSON.stringify(process.env.YOUTUBE)}`);
  process.exit(2);
}
const workers = Number(process.env.WORKERS ?? 1);

let stack: Stack | undefined;
let stopping = false;

async function stop(reason: string, code: number) {
  if (stopping) return;
  stopping = true;
  console.log(`\nstopping the stack (${reason})...`);
  if (stack) {
    await stack.close();
    const leftovers = leftoverProcesses(stack);
    if (leftovers.length) {
      console.error(`still running after stop: ${leftovers.map((p) => `${p.pid} ${p.command}`).join(", ")}`);
      code ||= 1;
    } else {
      console.log("stopped: no process left behind");
    }
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop("SIGINT", 0));
process.on("SIGTERM", () => void stop("SIGTERM", 0));

try {
  stack = await startStack({
    youtube,
    workers,
    watch: true,
    // The documented local ports when free; the edge state persists across runs (cached transcripts).
    ports: { edge: 8787, origin: 8788, ops: 9090, double: 8443, doubleControl: 8790 },
    persistDir: join(STATE_ROOT, "dev", "edge-state"),
    queueName: process.env.QUEUE_NAME ?? "transcripts-dev",
  });
} catch (error) {
  console.error(`\nthe stack did not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

// A process that dies on its own takes the stack down: a half-running chain only misleads.
for (const proc of stack.processes()) {
  void proc.exited.then(({ code, signal }) => {
    if (!stopping) void stop(`${proc.name} exited (${signal ?? `code ${code}`})`, 1);
  });
}

const video = youtube === "double" ? "GJLlxj_dtq8" : "jNQXAC9IVRw";
console.log(`
  yt-transcript-headless is running (YouTube: ${youtube === "double" ? `the double, as ${stack.youtubeOrigin} (control ${stack.double?.controlUrl})` : "youtube.com"})

  web page  ${stack.edgeUrl}/   (works at once: the shared demo key is on)
  API docs  ${stack.edgeUrl}/docs
  edge      ${stack.edgeUrl}
  origin    ${stack.originUrl}  (signed requests only; ops ${stack.opsUrl})
  redis     ${stack.redisUrl}   queue ${stack.queueName}
  API key   ${stack.apiKey}

  curl -H "Authorization: Bearer ${stack.apiKey}" "${stack.edgeUrl}/v1/transcripts/${video}?lang=en"
  curl -H "Authorization: Bearer ${stack.apiKey}" "${stack.edgeUrl}/v1/transcripts/${video}?lang=en&format=srt"

  Ctrl-C stops everything.
`);
