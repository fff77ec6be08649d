import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { QUICK_POT_DELAY_MS } from "../helpers.js";
import { doubleEnv, runTool } from "./run-tool.js";

/** The canary against the double in the production configuration, each configured route alone. */

let double: YoutubeDouble;
const dir = mkdtempSync(join(tmpdir(), "ytt-canary-"));

/** A videos file as an operator writes one: links, comments, blank lines. */
function videosFile(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `# test list\n${lines.join("\n")}\n`);
  return file;
}

/** The table's row of a route, as [ok, p50, max, failed]. */
function row(stdout: string, route: string): string[] {
  const line = stdout.split("\n").find((l) => l.startsWith(`${route} `));
  if (!line) throw new Error(`no row for ${route} in\n${stdout}`);
  return line
    .slice(route.length)
    .trim()
    .split(/\s{2,}/);
}

beforeAll(async () => {
  double = await startYoutubeDouble({ potDelayMs: QUICK_POT_DELAY_MS });
});
beforeEach(() => double.reset());
afterAll(async () => {
  await double?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("canary", () => {
  it("runs every listed video through each route alone and prints a table per route; exit 0 when the player page answers all", async () => {
    const file = videosFile("ok.txt", [
      "GJLlxj_dtq8  # the captured video",
      "",
      "https://youtu.be/dblAsrOnly1",
    ]);
    const run = await runTool("canary", ["--videos", file], doubleEnv(double));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split("\n")[0]).toMatch(/^route\s+ok\s+p50 ms\s+max ms\s+failed$/);
    for (const route of ["player-page", "innertube-android"]) {
      const [ok, p50, max, failed] = row(run.stdout, route);
      expect(ok).toBe("2/2");
      expect(Number(p50)).toBeGreaterThan(0);
      expect(Number(max)).toBeGreaterThanOrEqual(Number(p50));
      expect(failed).toBeUndefined();
    }
    // Each route on its own: the watch page twice (player page), the innertube player twice (ANDROID).
    expect(double.stats().watchPages).toEqual({ GJLlxj_dtq8: 1, dblAsrOnly1: 1 });
    expect(run.stderr).toMatch(/^route=innertube-android video=dblAsrOnly1 result=success ms=\d+$/m);
  });

  describe("when the player page fails on a listed video", () => {
    const pushes: { method?: string; url?: string; body: string }[] = [];
    let gateway: Server;
    beforeAll(async () => {
      gateway = createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        req.on("end", () => {
          pushes.push({ method: req.method, url: req.url, body });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    });
    afterAll(() => new Promise((resolve) => gateway.close(resolve)));

    it("exits 1, names the video, and pushes every route's result to the Pushgateway", async () => {
      const before = Date.now() / 1000;
      const run = await runTool("canary", [], {
        ...doubleEnv(double),
        // dblFallback: the WEB player's pot is rejected, only the ANDROID route gets its captions.
        CANARY_VIDEOS_FILE: videosFile("fallback.txt", ["dblFallback"]),
        CANARY_PUSHGATEWAY_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`,
      });
      expect(run.code, run.stderr).toBe(1);
      expect(row(run.stdout, "player-page")).toEqual(["0/1", "-", "-", "dblFallback INTERNAL"]);
      expect(row(run.stdout, "innertube-android")[0]).toBe("1/1");

      expect(pushes).toHaveLength(1);
      const [push] = pushes;
      // PUT: the group holds this run only.
      expect(push).toMatchObject({ method: "PUT", url: "/metrics/job/ytt_canary" });
      const value = (series: string) =>
        Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(push?.body ?? "")?.[1]);
      expect(value('ytt_canary_route_success{route="player-page",video="dblFallback"}')).toBe(0);
      expect(value('ytt_canary_route_success{route="innertube-android",video="dblFallback"}')).toBe(1);
      expect(
        value('ytt_canary_route_duration_seconds{route="innertube-android",video="dblFallback"}'),
      ).toBeGreaterThan(0);
      const lastRun = value("ytt_canary_last_run_timestamp_seconds");
      expect(lastRun).toBeGreaterThanOrEqual(before);
      expect(lastRun).toBeLessThanOrEqual(Date.now() / 1000);
    });
  });

  it("exits 2 when it cannot run: an unreadable list, a line that is no video", async () => {
    const missing = await runTool("canary", ["--videos", join(dir, "missing.txt")], doubleEnv(double));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^canary: ENOENT/m);
    const bad = await runTool(
      "canary",
      ["--videos", videosFile("bad.txt", ["GJLlxj_dtq8", "not a video"])],
      doubleEnv(double),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.txt:3: /);
    expect(double.stats().watchPages).toEqual({});
  });
});
