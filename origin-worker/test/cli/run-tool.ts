import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { YoutubeDouble } from "@ytt/youtube-double";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * An operator tool run as a real process (`node --import tsx src/cli/<tool>.ts`), as the package
 * script runs it, with nothing of this process's environment but what a shell would give it.
 */
export function runTool(tool: "extract" | "canary", args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", `src/cli/${tool}.ts`, ...args], {
    cwd: PACKAGE_DIR,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise<ToolRun>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/**
 * The worker's environment pointing at the double in the production configuration, and only that:
 * no SIGNING_KEYS, no Redis (the tools need neither), short timeouts so a failure fails fast.
 */
export const doubleEnv = (double: YoutubeDouble): Record<string, string> => ({
  ...double.upstreamEnv,
  ...(process.env.CHROMIUM_PATH ? { CHROMIUM_PATH: process.env.CHROMIUM_PATH } : {}),
  NAVIGATION_TIMEOUT_MS: "5000",
  JOB_TIMEOUT_MS: "20000",
});
