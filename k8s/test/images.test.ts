// The origin images cannot be built here (no Docker engine). What can be checked is checked:
// the Dockerfile's pins and wiring against the manifests, and the exact build step it runs
// (k8s/images/bundle.mjs) producing bundles that start, serve their probes and stop on SIGTERM.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { find, generatedConfigMap, K8S_DIR, render } from "./render.js";

const REPO = join(K8S_DIR, "..");
const dockerfile = readFileSync(join(REPO, "origin-worker", "Dockerfile"), "utf8");
const objects = render("prod");
const configMap = generatedConfigMap(objects, "origin-config", "ytt").data ?? {};
const podSpec = (name: string) => find(objects, "Deployment", name, "ytt").spec.template.spec;

/** Dockerfile stages by name, each with its instructions (continuation lines joined). */
function stages(): Map<string, { from: string; lines: string[] }> {
  const result = new Map<string, { from: string; lines: string[] }>();
  let current: { from: string; lines: string[] } | undefined;
  for (const line of dockerfile.replace(/\\\n/g, " ").split("\n")) {
    const from = /^FROM (\S+) AS (\S+)$/.exec(line);
    if (from) {
      current = { from: from[1] as string, lines: [] };
      result.set(from[2] as string, current);
    } else if (current && /^[A-Z]+ /.test(line)) current.lines.push(line);
  }
  return result;
}
const STAGES = stages();
const instruction = (stage: string, name: string) =>
  STAGES.get(stage)
    ?.lines.filter((l) => l.startsWith(`${name} `))
    .map((l) => l.slice(name.length + 1)) ?? [];

describe("origin-worker/Dockerfile", () => {
  it("builds on the Node version the repository pins, in every stage", () => {
    const nodeVersion = readFileSync(join(REPO, ".node-version"), "utf8").trim();
    expect(dockerfile).toContain(`ARG NODE_VERSION=${nodeVersion}\n`);
    for (const stage of ["build", "runtime"])
      expect(STAGES.get(stage)?.from).toBe(`node:$\{NODE_VERSION}-bookworm-slim`);
    expect(STAGES.get("api")?.from).toBe("runtime");
    expect(STAGES.get("worker")?.from).toBe("runtime");
  });

  it("installs with the pnpm version the repository pins", () => {
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
      packageManager: string;
    };
    const [, version] = manifest.packageManager.split("@");
    expect(instruction("build", "RUN")).toContain(`npm install -g pnpm@${version}`);
  });

  it("pins every Debian package, Chromium included, and runs under tini", () => {
    const installs = [
      ...dockerfile.replace(/\\\n/g, " ").matchAll(/apt-get install -y --no-install-recommends ([^&]+)/g),
    ];
    const packages = installs.flatMap((m) => (m[1] as string).trim().split(/\s+/));
    expect(packages.length).toBeGreaterThan(0);
    for (const p of packages) expect(p, p).toMatch(/^[a-z0-9.+-]+=[\w.:~+-]+$/);
    expect(packages.some((p) => p.startsWith("chromium="))).toBe(true);
    expect(packages.some((p) => p.startsWith("tini="))).toBe(true);
    expect(instruction("runtime", "ENTRYPOINT")).toEqual(['["/usr/bin/tini", "--"]']);
  });

  it("runs as the non-root user the pods run as, exposes the configured ports, finds Chromium where the config says", () => {
    for (const [stage, deployment] of [
      ["api", "origin-api"],
      ["worker", "origin-worker"],
    ] as const) {
      const uid = podSpec(deployment).securityContext.runAsUser;
      expect(instruction(stage, "USER")).toEqual([`${uid}:${uid}`]);
    }
    expect(instruction("api", "EXPOSE")).toEqual([`${configMap.ORIGIN_PORT} ${configMap.OPS_PORT}`]);
    expect(instruction("worker", "EXPOSE")).toEqual([configMap.OPS_PORT]);
    expect(instruction("worker", "ENV")[0]).toContain(`CHROMIUM_PATH=${configMap.CHROMIUM_PATH}`);
    expect(podSpec("origin-api").containers[0].image).toMatch(/\/ytt-origin-api:/);
    expect(podSpec("origin-worker").containers[0].image).toMatch(/\/ytt-origin-worker:/);
  });

  it("carries the canary the CronJob runs, with its video list where CANARY_VIDEOS_FILE says", () => {
    const canary = find(objects, "CronJob", "origin-canary", "ytt").spec.jobTemplate.spec.template.spec;
    const bundle = canary.containers[0].args.at(-1);
    const copies = instruction("worker", "COPY");
    expect(copies.some((c) => c.startsWith("--from=build ") && c.includes(`/out/${basename(bundle)} `))).toBe(
      true,
    );
    const listFile = /CANARY_VIDEOS_FILE=(\S+)/.exec(instruction("worker", "ENV").join(" "))?.[1];
    expect(copies).toContain(`origin-worker/canary/videos.txt ${listFile}`);
    expect(readFileSync(join(REPO, "origin-worker", "Dockerfile.dockerignore"), "utf8")).toMatch(
      /^!origin-worker\/canary$/m,
    );
  });
});

/** Starts a bundle as the image's CMD would, resolving with its "ready" log line. */
function start(bundle: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--enable-source-maps", bundle], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: Record<string, unknown>[] = [];
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${basename(bundle)} exited with ${code} before ready`)));
    createInterface({ input: child.stdout as NonNullable<ChildProcess["stdout"]> }).on("line", (line) => {
      // pino writes JSON lines; anything else (a library's stray print) is kept as text.
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = { text: line };
      }
      lines.push(entry);
      if (entry.msg === "ready") resolve(entry);
    });
  });
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once("exit", (code) => resolve(code));
      child.kill("SIGTERM");
    });
  return { ready, stop, lines, child };
}

describe("the bundles the images run", () => {
  const out = mkdtempSync(join(tmpdir(), "ytt-bundle-"));
  const queue = `k8s-image-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const env = {
    ...configMap,
    SIGNING_KEYS: "k8s-test:0123456789abcdef0123456789abcdef",
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    ORIGIN_HOST: "127.0.0.1",
    ORIGIN_PORT: "0",
    OPS_PORT: "0",
    QUEUE_NAME: queue,
    CHROMIUM_PATH: process.env.CHROMIUM_PATH ?? configMap.CHROMIUM_PATH ?? "",
  };
  const running: ReturnType<typeof start>[] = [];

  beforeAll(() => {
    execFileSync(process.execPath, [join(K8S_DIR, "images", "bundle.mjs"), out], {
      cwd: REPO,
      stdio: "inherit",
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    rmSync(out, { recursive: true, force: true });
  });

  it("the canary's bundle starts as the CronJob runs it (an unreadable list: exit 2, before any browser)", async () => {
    const container = find(objects, "CronJob", "origin-canary", "ytt").spec.jobTemplate.spec.template.spec
      .containers[0];
    const bundle = join(out, basename(container.args.at(-1)));
    const child = spawn(process.execPath, [bundle], {
      env: { PATH: process.env.PATH ?? "", ...env, CANARY_VIDEOS_FILE: join(out, "no-such-list.txt") },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.once("close", resolve));
    expect(stderr).toMatch(/^canary: ENOENT.*no-such-list\.txt/m);
    expect(code).toBe(2);
  });

  for (const [stage, probesOf] of [
    ["api", "origin-api"],
    ["worker", "origin-worker"],
  ] as const) {
    it(`${stage}: the CMD's bundle starts, answers its probes and exits 0 on SIGTERM`, async () => {
      const cmd = JSON.parse(instruction(stage, "CMD")[0] ?? "[]") as string[];
      const bundle = join(out, basename(cmd.at(-1) ?? ""));
      expect(existsSync(bundle)).toBe(true);
      const proc = start(bundle, env);
      running.push(proc);
      const ready = await proc.ready;
      const container = podSpec(probesOf).containers[0];
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        const res = await fetch(`http://127.0.0.1:${ready.opsPort}${probe.httpGet.path}`);
        expect(res.status, probe.httpGet.path).toBe(200);
      }
      if (stage === "api") {
        const depth = await (await fetch(`http://127.0.0.1:${ready.opsPort}/queue-depth`)).json();
        expect(depth).toMatchObject({ depth: 0 });
      }
      expect(await proc.stop()).toBe(0);
    }, 60_000);
  }

  it("webhooks: the API image carries the bundle its Deployment runs, which answers its probes and exits 0 on SIGTERM", async () => {
    const container = podSpec("origin-webhooks").containers[0];
    const bundle = basename(container.command.at(-1));
    const copies = instruction("api", "COPY");
    expect(copies.some((c) => c.startsWith("--from=build ") && c.includes(`/out/${bundle} `))).toBe(true);
    const proc = start(join(out, bundle), env);
    running.push(proc);
    const ready = await proc.ready;
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      const res = await fetch(`http://127.0.0.1:${ready.opsPort}${probe.httpGet.path}`);
      expect(res.status, probe.httpGet.path).toBe(200);
    }
    expect(await proc.stop()).toBe(0);
  }, 60_000);
});
