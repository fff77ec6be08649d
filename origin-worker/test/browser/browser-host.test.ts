import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers.js";

/** Live (non-zombie) processes as pid → parent pid. */
function liveProcesses(): Map<number, number> {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,stat="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length === 3 && !cols[2]?.startsWith("Z"));
  return new Map(rows.map((cols) => [Number(cols[0]), Number(cols[1])]));
}

/** `pid` and all its live descendants. */
function processTree(pid: number): number[] {
  const table = liveProcesses();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of table) if (parent === tree[i]) tree.push(child);
  }
  return tree.filter((p) => table.has(p));
}

let double: YoutubeDouble;
const leftovers: number[] = [];

beforeAll(async () => {
  double = await startYoutubeDouble();
});

afterAll(async () => {
  // Only if the assertion failed: do not leave Chromium running on a shared machine.
  for (const pid of leftovers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await double?.close();
});

describe("the browser host", () => {
  it("takes its Chromium (every process of it) down when its worker process is SIGKILLed", async () => {
    const script = fileURLToPath(new URL("./browser-host-process.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...double.upstreamEnv },
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const browserPid = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        const match = /"browserPid":(\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`the host process exited (${code}) before launching`)));
    });
    const chromium = processTree(browserPid);
    leftovers.push(...chromium);
    // The browser, and at least the renderer of the open page.
    expect(chromium.length).toBeGreaterThan(1);

    child.kill("SIGKILL");
    await exited;
    const survivors = () => {
      const table = liveProcesses();
      return chromium.filter((pid) => table.has(pid));
    };
    await eventually(async () => (survivors().length === 0 ? true : undefined), 5_000).catch(() => {});
    expect(survivors()).toEqual([]);
  });
});
