/**
 * The web page (`/`) and the API docs (`/docs`) driven in headless Chromium against the whole local
 * stack with the YouTube double: edge in workerd serving the static files, origin, worker, Redis.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateApiKey } from "@ytt/edge-worker/keys";
import { chromiumArgs, findChromium } from "@ytt/origin-worker";
import { expectedTranscript, PLAYLISTS, VIDEOS } from "@ytt/youtube-double";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../stack/index.js";
import { REPO_ROOT } from "../stack/paths.js";

const ARTIFACTS = join(REPO_ROOT, "test", "artifacts");
const SURFACE_GO = "GJLlxj_dtq8";
const SHORT_PLAYLIST = "PLdblThreeVideosNoGaps00000000001";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

let stack: Stack;
let browser: Browser;
let downloads: string;
/** Every URL any page asked for, and every console error (CSP violations land there). */
const requested: string[] = [];
/** The paths each page asked for. */
const pagePaths = new WeakMap<Page, string[]>();
const requestedBy = (page: Page) => pagePaths.get(page) ?? [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    youtube: "double",
    doublePotDelayMs: [100, 300],
    // A short wait budget: the origin answers 202 and the page has to poll the job.
    originEnv: { WAIT_BUDGET_MS: "200" },
    // No demo key set here: the stack turns one on, as for `make dev`, and the first test relies on it.
    // Quiet while passing; a failing test prints the stack's recent logs (afterEach).
    log: () => {},
  });
  browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    // The developer guide's mandatory flags, as the origin's browser host launches them.
    args: chromiumArgs({ locale: "en-US" }),
  });
  downloads = mkdtempSync(join(tmpdir(), "ytt-web-downloads-"));
  mkdirSync(ARTIFACTS, { recursive: true });
  const session = await browser.target().createCDPSession();
  await session.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
  await browser
    .defaultBrowserContext()
    .overridePermissions(stack.edgeUrl, ["clipboard-read", "clipboard-write", "clipboard-sanitized-write"]);
}, 180_000);

afterEach(({ task }) => {
  if (task.result?.state === "fail") console.log(stack.recentLogs());
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

/** A fresh tab on the page; `key` is what local storage holds (undefined: nothing, so the demo key). */
async function openPage(
  options: { key?: string; path?: string; viewport?: typeof DESKTOP | typeof PHONE } = {},
): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport(options.viewport ?? DESKTOP);
  const paths: string[] = [];
  pagePaths.set(page, paths);
  page.on("request", (r) => {
    requested.push(r.url());
    paths.push(new URL(r.url()).pathname);
  });
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.evaluateOnNewDocument((key) => {
    if (key) localStorage.setItem("ytt.apiKey", key);
    else localStorage.removeItem("ytt.apiKey");
  }, options.key ?? "");
  await page.goto(`${stack.edgeUrl}${options.path ?? "/"}`, { waitUntil: "networkidle0" });
  return page;
}

async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.$eval(selector, (el) => {
    (el as HTMLInputElement).value = "";
  });
  if (value) await page.type(selector, value);
}

/** Pastes a video (and optionally types a language), submits with Enter, and waits for the outcome. */
async function submit(page: Page, video: string, lang = ""): Promise<"loaded" | "error"> {
  await fill(page, "#lang", lang);
  await fill(page, "#video", video);
  await page.focus("#video");
  await page.keyboard.press("Enter");
  return settle(page);
}

async function settle(page: Page): Promise<"loaded" | "error"> {
  const handle = await page.waitForFunction(
    () => {
      if (!(document.getElementById("error") as HTMLElement).hidden) return "error";
      const progress = document.getElementById("progress-text")?.textContent ?? "";
      return progress.startsWith("Loaded") ? "loaded" : false;
    },
    { timeout: 60_000, polling: 100 },
  );
  return (await handle.jsonValue()) as "loaded" | "error";
}

const text = (page: Page, selector: string) => page.$eval(selector, (el) => el.textContent?.trim() ?? "");
const segmentTexts = (page: Page) =>
  page.$$eval("#segments > li:not([hidden]) .text", (els) => els.map((e) => e.textContent));

async function apiGet(path: string, key = stack.apiKey): Promise<Response> {
  return fetch(`${stack.edgeUrl}${path}`, { headers: { Authorization: `Bearer ${key}` } });
}

describe("the web page", () => {
  it("shows the transcript of a pasted link with no key typed (the stack's demo key), and the video's details", async () => {
    const page = await openPage();
    expect(await text(page, "#key-state")).toBe("(using the shared demo key)");
    const progress: string[] = [];
    await page.exposeFunction("recordProgress", (t: string) => progress.push(t));
    await page.$eval("#progress-text", (el) => {
      new MutationObserver(() =>
        (window as unknown as { recordProgress(t: string): void }).recordProgress(el.textContent ?? ""),
      ).observe(el, { childList: true, characterData: true, subtree: true });
    });

    expect(await submit(page, `https://youtu.be/${SURFACE_GO}?si=shared`)).toBe("loaded");
    const expected = expectedTranscript(SURFACE_GO, { languageCode: "en", kind: "manual" });
    expect(await text(page, "#video-title")).toBe(VIDEOS[SURFACE_GO]?.title);
    expect(await text(page, "#video-channel")).toBe("Dave2D");
    expect(await text(page, "#video-duration")).toBe("5 min 17 s");
    expect(await segmentTexts(page)).toEqual(expected.segments.map((s) => s.text));
    const links = await page.$$eval("#segments a.time", (as) =>
      as.map((a) => [a.textContent, (a as HTMLAnchorElement).href]),
    );
    expect(links).toEqual(
      expected.segments.map((s) => [
        `0:${String(Math.floor(s.startMs / 1000)).padStart(2, "0")}`,
        `https://www.youtube.com/watch?v=${SURFACE_GO}&t=${Math.floor(s.startMs / 1000)}s`,
      ]),
    );
    const chapters = await page.$$eval("#chapters li", (lis) =>
      lis.map((li) => li.textContent?.replace(/\s+/g, " ").trim()),
    );
    expect(chapters).toHaveLength(10);
    expect(chapters[0]).toBe("0:39 Build Quality");
    // The origin answered 202 (tiny wait budget): the page polled the job and said so.
    expect(progress.some((t) => /Waiting for a free worker|Reading the captions/.test(t))).toBe(true);
    expect(await page.$eval("#progress", (el) => el.getAttribute("aria-live"))).toBe("polite");
    // Once the language list is in, every track is a button; the shown one is pressed.
    await page.waitForSelector("#language-switch:not([hidden])");
    const tracks = await page.$$eval("#language-switch button", (bs) =>
      bs.map((b) => [b.textContent, b.getAttribute("aria-pressed")]),
    );
    expect(tracks).toHaveLength(VIDEOS[SURFACE_GO]?.tracks?.length ?? -1);
    expect(tracks.filter(([, pressed]) => pressed === "true")).toEqual([["English (en)", "true"]]);
    expect(new URL(page.url()).searchParams.get("v")).toBe(SURFACE_GO);

    // Search filters and highlights.
    await page.type("#search", "SMALL");
    await page.waitForFunction(() => document.querySelectorAll("#segments > li:not([hidden])").length === 1);
    expect(await segmentTexts(page)).toEqual(["It is small,\nbut it is good."]);
    expect(await page.$$eval("#segments mark", (ms) => ms.map((m) => m.textContent))).toEqual(["small"]);
    expect(await text(page, "#search-count")).toBe("1 of 3 segments contain “SMALL”.");

    await page.screenshot({ path: join(ARTIFACTS, "page-desktop.png"), fullPage: true });
    await page.close();
  });

  it("fits a phone screen: no sideways scrolling, finger-sized controls", async () => {
    const page = await openPage({ key: stack.apiKey, path: `/?v=${SURFACE_GO}`, viewport: PHONE });
    await page.tap("#submit");
    expect(await settle(page)).toBe("loaded");
    await page.waitForSelector("#language-switch:not([hidden])");
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    const smallControls = await page.$$eval("button, input, select", (els) =>
      els
        .filter((el) => (el as HTMLElement).offsetParent !== null)
        .filter((el) => el.getBoundingClientRect().height < 36)
        .map((el) => el.id || el.textContent),
    );
    expect(smallControls).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "page-phone.png"), fullPage: true });
    await page.close();
  });

  it("switches language and translates, keeping the language list", async () => {
    const page = await openPage({ key: stack.apiKey, path: `/?v=${SURFACE_GO}` });
    await page.keyboard.press("Enter"); // the button is focused
    expect(await settle(page)).toBe("loaded");
    await page.waitForSelector("#language-switch:not([hidden])");
    const [german] = await page.$$("xpath/.//button[contains(., 'German (de)')]");
    await german?.click();
    await page.waitForFunction(() =>
      document.getElementById("video-track")?.textContent?.startsWith("German"),
    );
    expect(await segmentTexts(page)).toEqual(
      expectedTranscript(SURFACE_GO, { languageCode: "de", kind: "manual" }).segments.map((s) => s.text),
    );
    expect(new URL(page.url()).searchParams.get("lang")).toBe("de");

    await page.select("#tlang", "fr");
    await page.waitForFunction(() =>
      document.getElementById("video-track")?.textContent?.includes("translated"),
    );
    expect(await segmentTexts(page)).toEqual(
      expectedTranscript(SURFACE_GO, { languageCode: "de", kind: "manual", translateTo: "fr" }).segments.map(
        (s) => s.text,
      ),
    );
    await page.close();
  });

  it("fills the form from a shared link but spends no key until the button is pressed", async () => {
    for (const key of [stack.apiKey, undefined]) {
      const page = await openPage({ key, path: `/?v=${SURFACE_GO}&lang=de&tlang=fr` });
      // openPage waited for the network to go quiet: the page asked the API nothing.
      expect(requestedBy(page).filter((p) => p.startsWith("/v1/"))).toEqual([]);
      expect(await page.$eval("#video", (el) => (el as HTMLInputElement).value)).toBe(SURFACE_GO);
      expect(await page.$eval("#lang", (el) => (el as HTMLInputElement).value)).toBe("de");
      expect(await page.$eval("#tlang", (el) => (el as HTMLSelectElement).value)).toBe("fr");
      expect(await page.$eval("#progress", (el) => (el as HTMLElement).hidden)).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("submit");
      await page.click("#submit");
      expect(await settle(page)).toBe("loaded");
      expect(requestedBy(page).filter((p) => p.startsWith("/v1/transcripts/")).length).toBeGreaterThan(0);
      await page.close();
    }
  });

  it("downloads and copies the API's own renderings, byte for byte", async () => {
    const page = await openPage({ key: stack.apiKey });
    expect(await submit(page, SURFACE_GO, "de")).toBe("loaded");
    const files = { text: "txt", srt: "srt", vtt: "vtt", json: "json", markdown: "md" } as const;
    for (const [format, extension] of Object.entries(files)) {
      await page.select("#format", format);
      await page.click("#download");
      const file = join(downloads, `${SURFACE_GO}.de.${extension}`);
      await page.waitForFunction(() =>
        document.getElementById("action-status")?.textContent?.startsWith("Downloaded"),
      );
      await waitForFile(file);
      const api = await apiGet(
        `/v1/transcripts/${SURFACE_GO}?lang=de&kind=any&fallback=error&format=${format}`,
      );
      expect(api.status).toBe(200);
      expect(readFileSync(file, "utf8")).toBe(await api.text());
    }
    await page.select("#format", "srt");
    await page.bringToFront(); // the clipboard only takes writes from a focused document
    await page.click("#copy");
    await page.waitForFunction(() => document.getElementById("action-status")?.textContent !== "");
    expect(await text(page, "#action-status")).toBe("Copied the transcript as SRT.");
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const srt = await apiGet(`/v1/transcripts/${SURFACE_GO}?lang=de&format=srt`);
    expect(copied).toBe(await srt.text());
    // "Copy for an LLM" copies the Markdown rendering whatever the menu says (SRT still), and nothing more.
    await page.click("#copy-llm");
    await page.waitForFunction(() =>
      document.getElementById("action-status")?.textContent?.startsWith("Copied the transcript as Markdown"),
    );
    const forLlm = await page.evaluate(() => navigator.clipboard.readText());
    const markdown = await apiGet(`/v1/transcripts/${SURFACE_GO}?lang=de&format=markdown`);
    expect(forLlm).toBe(await markdown.text());
    expect(forLlm.startsWith("---\ntitle: ")).toBe(true);
    await page.close();
  });

  it("rides out a connection dropped while it polls, and still gets the language list", async () => {
    const page = await openPage();
    // The first language-list request and the first job poll die in transit, as a dropped
    // keep-alive connection would make them; the page must try again rather than give up.
    const toDrop = new Set(["languages", "job poll"]);
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      const { pathname } = new URL(request.url());
      const kind = pathname.endsWith("/languages")
        ? "languages"
        : pathname.startsWith("/v1/jobs/")
          ? "job poll"
          : undefined;
      if (kind && toDrop.delete(kind)) void request.abort("connectionreset");
      else void request.continue();
    });
    // Every request of this video takes 1.5 s at the double, so the origin answers 202 and the page polls.
    const video = "dblSlowPage";
    expect(await submit(page, video)).toBe("loaded");
    expect(toDrop.size).toBe(0);
    const expected = expectedTranscript(video, { languageCode: "en", kind: "manual" });
    expect(await segmentTexts(page)).toEqual(expected.segments.map((s) => s.text));
    // The language list arrived after all: it fills the language suggestions.
    await page.waitForSelector("#lang-options option");
    expect(await page.$$eval("#lang-options option", (os) => os.map((o) => o.value))).toEqual(["en"]);
    await page.close();
  });

  it("says clearly when a video has no captions", async () => {
    const page = await openPage({ key: stack.apiKey });
    expect(await submit(page, "https://www.youtube.com/watch?v=dblNoCapts1")).toBe("error");
    expect(await text(page, "#error-title")).toBe("This video has no captions.");
    expect(await page.$eval("#error", (el) => el.getAttribute("role"))).toBe("alert");
    expect(await page.$eval("#result", (el) => (el as HTMLElement).hidden)).toBe(true);
    await page.close();
  });

  it("offers the available languages as buttons when the asked one is missing", async () => {
    const page = await openPage({ key: stack.apiKey });
    expect(await submit(page, SURFACE_GO, "fr")).toBe("error");
    expect(await text(page, "#error-title")).toBe("There is no transcript in “fr”.");
    await page.screenshot({ path: join(ARTIFACTS, "page-error-desktop.png") });
    const offered = await page.$$eval("#error-actions button", (bs) => bs.map((b) => b.textContent));
    expect(offered).toEqual(VIDEOS[SURFACE_GO]?.tracks?.map((t) => `${t.name} (${t.languageCode})`));
    // Keyboard only: Tab to the Czech button and press Enter.
    const czech = (await page.$$("#error-actions button"))[1];
    await czech?.focus();
    await page.keyboard.press("Enter");
    expect(await settle(page)).toBe("loaded");
    expect(await segmentTexts(page)).toEqual(
      expectedTranscript(SURFACE_GO, { languageCode: "cs", kind: "manual" }).segments.map((s) => s.text),
    );
    await page.close();
  });

  it("explains a link that is not a YouTube video", async () => {
    const page = await openPage({ key: stack.apiKey });
    expect(await submit(page, "https://vimeo.com/12345")).toBe("error");
    expect(await text(page, "#error-title")).toBe("That is not a YouTube link or video ID.");
    expect(await submit(page, "")).toBe("error");
    expect(await text(page, "#error-title")).toBe("Paste a YouTube link or video ID first.");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("video");
    await page.close();
  });

  it("says when the API key is refused, and points at the key field", async () => {
    const page = await openPage({ key: stack.apiKey });
    await page.click("#key-settings summary");
    await fill(page, "#api-key", generateApiKey("live"));
    await page.keyboard.press("Tab"); // change event: the key is stored
    expect(await submit(page, SURFACE_GO)).toBe("error");
    expect(await text(page, "#error-title")).toBe("The API key was not accepted.");
    expect(await page.$eval("#key-settings", (el) => (el as HTMLDetailsElement).open)).toBe(true);
    await page.click("#error-actions button");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("api-key");
    await page.close();
  });

  it("fetches a playlist with the user's own key, showing its progress, and downloads every result", async () => {
    const playlist = `https://www.youtube.com/playlist?list=${SHORT_PLAYLIST}`;
    // The shared demo key serves single videos only: the page asks for the user's own key.
    const withDemoKey = await openPage();
    await fill(withDemoKey, "#video", playlist);
    await withDemoKey.click("#submit");
    await withDemoKey.waitForSelector("#error:not([hidden])");
    expect(await text(withDemoKey, "#error-title")).toBe("An API key is needed.");
    expect(requestedBy(withDemoKey)).not.toContain("/v1/collections");
    await withDemoKey.close();

    const page = await openPage({ key: stack.apiKey });
    await fill(page, "#video", playlist);
    await page.click("#submit");
    // The job's first state, straight from the 202, before its first poll.
    await page.waitForFunction(
      () => document.getElementById("collection-status")?.textContent === "Listing the videos…",
    );
    await page.waitForFunction(
      () => document.getElementById("collection-status")?.textContent === "3 of 3 videos.",
      { timeout: 60_000, polling: 100 },
    );
    expect(await text(page, "#collection-title")).toBe(PLAYLISTS[SHORT_PLAYLIST]?.title);
    expect(await page.$eval("#collection-bar", (el) => (el as HTMLProgressElement).value)).toBe(3);
    const items = await page.$$eval("#collection-items li", (lis) =>
      lis.map((li) => [li.querySelector("a")?.getAttribute("href"), li.className]),
    );
    expect(items).toEqual(PLAYLISTS[SHORT_PLAYLIST]?.entries.map((e) => [`?v=${e.videoId}`, "completed"]));

    await page.click("#collection-download");
    const file = join(downloads, `${SHORT_PLAYLIST}.jsonl`);
    await waitForFile(file);
    const lines = readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => [l.videoId, l.status, l.body.video.videoId])).toEqual(
      PLAYLISTS[SHORT_PLAYLIST]?.entries.map((e) => [e.videoId, "completed", e.videoId]),
    );
    await page.close();
  });

  it("renders /docs from /openapi.json", async () => {
    const page = await openPage({ path: "/docs" });
    await page.waitForSelector("#operations .operation");
    await page.screenshot({ path: join(ARTIFACTS, "docs-desktop.png") });
    const doc = (await (await fetch(`${stack.edgeUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ["get", "post"].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    const shown = await page.$$eval(".operation", (sections) =>
      sections.map((s) => s.getAttribute("aria-label")),
    );
    expect(shown.sort()).toEqual(operations.sort());
    const transcriptParams = await page.$$eval(
      "[aria-label='GET /v1/transcripts/{video}'] tbody td:first-child code",
      (cs) => cs.map((c) => c.textContent),
    );
    expect(transcriptParams).toEqual(
      expect.arrayContaining(["video", "lang", "kind", "tlang", "fallback", "format"]),
    );
    const schemas = await page.$$eval("#schemas h3", (hs) => hs.map((h) => h.textContent));
    expect(schemas.sort()).toEqual(Object.keys(doc.components.schemas ?? {}).sort());
    await page.close();
  });

  it("sends a strict Content-Security-Policy, and no page asked any other host", async () => {
    const res = await fetch(`${stack.edgeUrl}/`);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
    const hosts = new Set(requested.map((u) => new URL(u).origin));
    expect([...hosts].filter((h) => h !== "null")).toEqual([stack.edgeUrl]);
    expect(requested.length).toBeGreaterThan(20);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
  });
});

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (existsSync(file) && !readdirSync(downloads).some((f) => f.endsWith(".crdownload"))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no download at ${file}; have ${readdirSync(downloads).join(", ")}`);
}
