import { BrowserHost } from "../../src/browser/browser-host.js";

/**
 * A stand-in for a worker process: launches the browser host as a worker does, opens a page on
 * the origin given as argv[2], prints the browser's pid and holds the job open until killed.
 */
const origin = process.argv[2];
if (!origin) throw new Error("usage: browser-host-process.ts <origin>");
const host = new BrowserHost({
  youtubeOrigin: origin,
  locale: "en-US",
  navigationTimeoutMs: 10_000,
  recycleAfterJobs: 100,
  ...(process.env.CHROMIUM_PATH ? { chromiumPath: process.env.CHROMIUM_PATH } : {}),
});
await host.withPage(async ({ page }) => {
  await page.goto(`${origin}/robots.txt`);
  console.log(JSON.stringify({ browserPid: host.pid() }));
  await new Promise(() => {});
});
