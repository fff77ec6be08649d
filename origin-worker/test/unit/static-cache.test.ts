import { describe, expect, it } from "vitest";
import { StaticCache, shareable } from "../../src/browser/static-cache.js";

const ORIGIN = "https://www.youtube.com";
const bytes = (n: number) => new Uint8Array(n);
const urls = (cache: StaticCache, candidates: string[]) => candidates.filter((url) => cache.get(url));

describe("the static cache's bound", () => {
  it("evicts the least recently used files first and never holds more than its bound", () => {
    const cache = new StaticCache(100, ORIGIN);
    cache.put("a", {}, bytes(40));
    cache.put("b", {}, bytes(40));
    expect(cache.get("a")).toBeDefined(); // a is now the most recently used
    cache.put("c", {}, bytes(40));
    expect(cache.bytes).toBe(80);
    expect(urls(cache, ["a", "b", "c"])).toEqual(["a", "c"]);

    cache.put("d", {}, bytes(90));
    expect(urls(cache, ["a", "b", "c", "d"])).toEqual(["d"]);
    expect(cache.bytes).toBe(90);
  });

  it("keeps nothing larger than its bound, and nothing at all with a bound of 0", () => {
    const cache = new StaticCache(100, ORIGIN);
    cache.put("a", {}, bytes(60));
    cache.put("huge", {}, bytes(101));
    expect(urls(cache, ["a", "huge"])).toEqual(["a"]);
    const off = new StaticCache(0, ORIGIN);
    off.put("a", {}, bytes(1));
    expect(off.get("a")).toBeUndefined();
    expect(off.bytes).toBe(0);
  });

  it("counts a file once when it is kept again, headers included", () => {
    const cache = new StaticCache(1000, ORIGIN);
    cache.put("a", { "content-type": "text/javascript" }, bytes(100));
    cache.put("a", { "content-type": "text/javascript" }, bytes(100));
    expect(cache.bytes).toBe(100 + "content-type".length + "text/javascript".length);
  });

  it("keeps the content type, not the wire's encoding or length (the body is kept decoded)", () => {
    const cache = new StaticCache(1000, ORIGIN);
    cache.put(
      "a",
      {
        "content-type": "text/javascript; charset=utf-8",
        "content-encoding": "br",
        "content-length": "12",
        vary: "Accept-Encoding\nOrigin",
      },
      bytes(40),
    );
    expect(cache.get("a")?.headers).toEqual({
      "content-type": "text/javascript; charset=utf-8",
      vary: ["Accept-Encoding", "Origin"],
    });
  });
});

describe("what the static cache may keep", () => {
  const cache = new StaticCache(1000, ORIGIN);

  it("the versioned files of the real watch page (the capture's URLs) and the BotGuard interpreter by its hash", () => {
    for (const url of [
      "https://www.youtube.com/s/player/fc2a56a5/player_ias.vflset/en_US/base.js",
      "https://www.youtube.com/s/player/fc2a56a5/player_ias.vflset/en_US/captions.js",
      "https://www.youtube.com/s/desktop/03ea48a4/jsbin/network.vflset/network.js",
      "https://www.youtube.com/s/_/ytmainappweb/_/js/k=ytmainappweb.kevlar_base.en_US._s9kITg1Yyw.es5.O/am=AAAAAg/d=0/rs=AGKMywH_f1Tc2OZfRee6GfYjUYFBp-nUUA",
      "https://www.google.com/js/th/sw3VTUzeRvWIVwvWSyk6S5gHWPxOOwU1OxerozmN4Hw.js",
    ])
      expect(cache.isVersioned(url), url).toBe(true);
  });

  it("nothing dynamic, unversioned, with a query, or on another host", () => {
    for (const url of [
      "https://www.youtube.com/watch?v=GJLlxj_dtq8",
      "https://www.youtube.com/youtubei/v1/player",
      "https://www.youtube.com/api/timedtext?v=GJLlxj_dtq8&lang=en",
      "https://www.youtube.com/api/jnn/v1/GenerateIT",
      "https://jnn-pa.googleapis.com/$rpc/google.internal.waa.v1.Waa/GenerateIT",
      "https://www.youtube.com/s/player/base.js",
      "https://www.youtube.com/s/_/ytmainappweb/_/js/k=ytmainappweb.kevlar_base",
      "https://www.youtube.com/s/player/fc2a56a5/player_ias.vflset/en_US/base.js?v=2",
      "https://m.youtube.com/s/player/fc2a56a5/player_ias.vflset/en_US/base.js",
      "https://www.google.com/js/th/short.js",
      "https://www.google.com/sorry/index",
    ])
      expect(cache.isVersioned(url), url).toBe(false);
  });

  it("only a plain 200 that sets no cookie and that any cache may reuse", () => {
    const immutable = { "cache-control": "public, max-age=31536000, immutable" };
    expect(shareable(200, immutable)).toBe(true);
    expect(shareable(200, {})).toBe(true);
    for (const status of [203, 206, 304, 404, 500])
      expect(shareable(status, immutable), `${status}`).toBe(false);
    expect(shareable(200, { ...immutable, "set-cookie": "VISITOR_INFO1_LIVE=x" })).toBe(false);
    for (const cacheControl of ["no-store", "private, max-age=600", "no-cache", "public, No-Store"])
      expect(shareable(200, { "cache-control": cacheControl }), cacheControl).toBe(false);
  });
});
