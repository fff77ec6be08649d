/**
 * The headers of the static web page (public/, served by wrangler's assets with public/_headers) and of
 * the Worker's own answers, as the real dev server sends them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  PACKAGE_DIR,
  standInOriginVars,
  startWranglerDev,
  type WranglerDev,
} from "../support/wrangler-dev.js";

let dir: string;
let edge: WranglerDev | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ytt-edge-page-headers-"));
  edge = await startWranglerDev({
    config: join(PACKAGE_DIR, "wrangler.jsonc"),
    persistTo: dir,
    readyPath: "/health",
    // Nothing here reaches the origin; the config only has to be valid.
    vars: standInOriginVars(await freePort()),
  });
});

afterAll(async () => {
  await edge?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${edge?.url}${path}`, { headers: { "CF-Connecting-IP": "192.0.2.20" } });

describe("response headers under wrangler dev", () => {
  it("gives the page and its files a policy of this site only, never framed or sniffed", async () => {
    for (const path of ["/", "/docs", "/app.js", "/api.js", "/style.css", "/favicon.svg"]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ]) {
        expect(csp, `${path}: ${directive}`).toContain(directive);
      }
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
    }
    // The rules file itself is not served: the path falls through to the Worker's JSON 404.
    const rules = await get("/_headers");
    expect(rules.status).toBe(404);
    expect(rules.headers.get("Content-Type")).toContain("application/json");
  });

  it("gives the Worker's answers the API policy, not the page's", async () => {
    for (const path of [
      "/health",
      "/openapi.json",
      "/llms.txt",
      "/llms-full.txt",
      "/v1/transcripts/dQw4w9WgXcQ",
      "/demo-key",
    ]) {
      const res = await get(path);
      expect(res.headers.get("Content-Security-Policy"), path).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
    }
  });
});
