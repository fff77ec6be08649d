import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadWorkerConfig, proxyUrls } from "../../src/config.js";
import { NoEgress, type ProxyOutcome, ProxyPool } from "../../src/egress/pool.js";

const URLS = ["http://a:secret-a@127.0.0.1:1", "socks5://b:secret-b@127.0.0.1:2", "https://127.0.0.1:3"];

describe("the proxy pool's bookkeeping", () => {
  const pool = (outcomes: [string, ProxyOutcome][] = []) =>
    new ProxyPool(URLS, {
      quarantineBaseMs: 1000,
      quarantineMaxMs: 5000,
      onOutcome: (id, outcome) => outcomes.push([id, outcome]),
    });

  it("takes proxies in turn, skips quarantined ones, and says when the first is back", async () => {
    const outcomes: [string, ProxyOutcome][] = [];
    const p = pool(outcomes);
    try {
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push((await p.acquire(0)).id);
      expect(ids).toEqual(["p1", "p2", "p3", "p1"]);
      p.report("p1", "blocked", 0);
      p.report("p2", "auth_failed", 0);
      expect((await p.acquire(10)).id).toBe("p3");
      expect((await p.acquire(20)).id).toBe("p3");
      p.report("p3", "unreachable", 500);
      await expect(p.acquire(600)).rejects.toEqual(new NoEgress(1000));
      expect((await p.acquire(1000)).id).toBe("p1");
      expect(outcomes).toEqual([
        ["p1", "blocked"],
        ["p2", "auth_failed"],
        ["p3", "unreachable"],
      ]);
    } finally {
      await p.close();
    }
  });

  it("doubles the quarantine per strike in a row, up to the maximum; a success wipes the slate; a neutral failure does neither", async () => {
    const p = pool();
    // When the first proxy is back, every one being quarantined.
    const back = () =>
      p.acquire(0).then(
        () => 0,
        (e: NoEgress) => e.retryAt,
      );
    const strikeAll = (outcome: ProxyOutcome) => {
      for (const id of ["p1", "p2", "p3"]) p.report(id, outcome, 0);
    };
    try {
      strikeAll("blocked");
      expect(await back()).toBe(1000);
      strikeAll("blocked");
      expect(await back()).toBe(2000);
      strikeAll("blocked");
      strikeAll("blocked");
      expect(await back()).toBe(5000);
      strikeAll("failed");
      expect(await back()).toBe(5000);
      strikeAll("ok");
      strikeAll("blocked");
      expect(await back()).toBe(1000);
    } finally {
      await p.close();
    }
  });

  it("describes itself without credentials", () => {
    expect(pool().describe()).toEqual([
      { id: "p1", proxy: "http://127.0.0.1:1" },
      { id: "p2", proxy: "socks5://127.0.0.1:2" },
      { id: "p3", proxy: "https://127.0.0.1:3" },
    ]);
  });
});

describe("PROXY_URLS and PROXY_URLS_FILE", () => {
  it("are checked at start-up, a bad entry named by its position, never echoed", () => {
    expect(loadWorkerConfig({ PROXY_URLS: URLS.join(" , ") }).PROXY_URLS).toBeDefined();
    for (const bad of [
      "ftp://u:hunter2@h:1",
      "http://u:hunter2@h",
      "not a url hunter2",
      "http://u:hunter2@:8",
    ]) {
      expect(() => loadWorkerConfig({ PROXY_URLS: `${URLS[0]},${bad}` }), bad).toThrow(
        /proxy 2 is not a proxy URL/,
      );
      expect(() => loadWorkerConfig({ PROXY_URLS: bad }), bad).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining("hunter2") }),
      );
    }
  });

  it("reads a file of one URL per line, skipping blanks and comments, and refuses both at once", () => {
    const dir = mkdtempSync(join(tmpdir(), "ytt-proxies-"));
    const file = join(dir, "proxies.txt");
    writeFileSync(file, `# residential pool\n${URLS[0]}\n\n  ${URLS[1]}  \n`);
    expect(proxyUrls({ PROXY_URLS: undefined, PROXY_URLS_FILE: file })).toEqual([URLS[0], URLS[1]]);
    expect(() => loadWorkerConfig({ PROXY_URLS: URLS[0], PROXY_URLS_FILE: file })).toThrow(/not both/);
    expect(proxyUrls({ PROXY_URLS: undefined, PROXY_URLS_FILE: undefined })).toEqual([]);
  });
});
