import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** Where a process's output lines go: the CLI prints them with a prefix, tests keep them quiet. */
export type LogSink = (name: string, line: string) => void;

export const printLog: LogSink = (name, line) => {
  process.stdout.write(`[${name}] ${line}\n`);
};

/** Lines kept per process, so a failing test can show what the process said last. */
const TAIL_LINES = 200;

export interface ProcessSpec {
  /** The log prefix: edge, api, worker, double, redis. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  log: LogSink;
}

/**
 * A child process in its own process group (detached), so stopping it also stops what it
 * started (workerd under wrangler, Chromium under a worker) and nothing is left orphaned.
 */
export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly tail: string[] = [];
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly descendantGroups = new Set<number>();

  constructor(spec: ProcessSpec) {
    this.name = spec.name;
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      this.child.once("error", (error) => {
        this.remember(`spawn failed: ${error.message}`, spec.log);
        this.exitInfo = { code: -1, signal: null };
        resolve(this.exitInfo);
      });
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let pending = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) this.remember(line, spec.log);
      });
      stream?.on("end", () => {
        if (pending) this.remember(pending, spec.log);
        pending = "";
      });
    }
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} did not start`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last lines the process printed. */
  recentLogs(): string {
    return this.tail.map((line) => `[${this.name}] ${line}`).join("\n");
  }

  /** Sends a signal to the whole process group. */
  signalGroup(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(-this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }

  /**
   * SIGTERM to the group, SIGKILL after `graceMs`; then SIGKILL once more for any straggler still
   * in the group (a grandchild that outlived its parent keeps the group id).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.noteDescendantGroups();
    this.signalGroup("SIGTERM");
    const timer = sleep(graceMs).then(() => "timeout" as const);
    if ((await Promise.race([this.exited, timer])) === "timeout") this.signalGroup("SIGKILL");
    await this.exited;
    for (const group of this.groups()) killGroup(group);
  }

  /**
   * Process groups of this process and its descendants: puppeteer starts Chromium detached, in a
   * group of its own, which a signal to our group does not reach.
   */
  groups(): number[] {
    return [this.pid, ...this.descendantGroups];
  }

  /** Records the groups of the current descendants, so they can be stopped after their parent is gone. */
  noteDescendantGroups(): void {
    if (!this.running) return;
    for (const group of descendantGroups(this.pid)) this.descendantGroups.add(group);
  }

  private remember(line: string, log: LogSink) {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    log(this.name, line);
  }
}

/** SIGKILL whatever is left in a process group; a no-op when it is empty. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

interface PsRow {
  pid: number;
  ppid: number;
  pgid: number;
  command: string;
}

/** Every live process (zombies left out), from ps. */
export function processTable(): PsRow[] {
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,pgid=,stat=,comm="], { encoding: "utf8" });
  return out
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 5 && !cols[3]?.startsWith("Z"))
    .map((cols) => ({
      pid: Number(cols[0]),
      ppid: Number(cols[1]),
      pgid: Number(cols[2]),
      command: cols.slice(4).join(" "),
    }));
}

/** Descendants of `pid` (children, grandchildren, ...). */
export function descendants(pid: number, table = processTable()): PsRow[] {
  const found: PsRow[] = [];
  let frontier = [pid];
  while (frontier.length) {
    const children = table.filter((row) => frontier.includes(row.ppid));
    found.push(...children);
    frontier = children.map((row) => row.pid);
  }
  return found;
}

function descendantGroups(pid: number): number[] {
  return [...new Set(descendants(pid).map((row) => row.pgid))].filter((group) => group !== pid);
}

/** Processes still alive in a process group, so callers can check nothing outlived a stop. */
export function groupMembers(pgid: number): { pid: number; command: string }[] {
  return processTable()
    .filter((row) => row.pgid === pgid)
    .map(({ pid, command }) => ({ pid, command }));
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/**
 * Polls `probe` until it returns true. When a process is given, fails early if it exits, and stops
 * it (so nothing is left running) before failing with its last log lines.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  {
    process: proc,
    timeoutMs = 60_000,
    intervalMs = 100,
  }: { process?: ManagedProcess; timeoutMs?: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && !proc.running) {
      await proc.stop();
      throw new Error(`${what}: the process exited before it was ready\n${proc.recentLogs()}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(intervalMs);
  }
  await proc?.stop();
  throw new Error(`${what}: not ready after ${timeoutMs} ms${proc ? `\n${proc.recentLogs()}` : ""}`);
}

/** True when GET `url` answers with a 2xx status. */
export async function answersOk(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  return res.ok;
}
