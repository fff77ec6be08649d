import { BrowserHost } from "../../src/browser/browser-host.js";

/**
 * A stand-in for a worker process: launches the browser host as a worker does (YouTube's hostnames
 * sent to the double by UPSTREAM_HOST_RULES and UPSTREAM_TRUSTED_SPKI), opens a page, prints the
 * browser's pid and holds the job open until killed.
 */
const origin = "https://www.youtube.com";
const host = new BrowserHost({
  youtubeOrigin: origin,
  upstream: { hostRules: process.env.UPSTREAM_HOST_RULES, trustedSpki: process.env.UPSTREAM_TRUSTED_SPKI },
  locale: "en-US",
  navigationTimeoutMs: 10_000,
  recycleAfterJobs: 100,
  staticCacheMaxBytes: 0,
  ...(process.env.CHROMIUM_PATH ? { chromiumPath: process.env.CHROMIUM_PATH } : {}),
});
await host.withPage(async ({ page }) => {
  await page.goto(`${origin}/robots.txt`);
  console.log(JSON.stringify({ browserPid: host.pid() }));
  await new Promise(() => {});
});
