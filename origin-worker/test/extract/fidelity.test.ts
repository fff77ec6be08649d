import { startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import puppeteer, { type Browser, type HTTPResponse, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumArgs, DIRECT, findChromium } from "../../src/browser/chromium.js";
import { consentCookie } from "../../src/browser/consent.js";
import type { Engine } from "../../src/extract/index.js";
import { productionEngine } from "../helpers.js";

/**
 * What the engine of 2025 did, replayed against the double of the 2026 site, must fail: an
 * allow-list without www.google.com mints no pot, and a track requested as soon as the tracklist
 * shows goes out without one. Both answer 200 with an empty body, as YouTube does (research §1, §2.3).
 */

let double: YoutubeDouble;
let engine: Engine;

beforeAll(async () => {
  // The late end of the real player's range: the 2025 engine's early request must beat the pot even
  // on a busy machine.
  double = await startYoutubeDouble({ potDelayMs: [1_200, 1_500] });
  engine = productionEngine(double, { navigationTimeoutMs: 10_000 });
});

afterAll(async () => {
  await engine?.close();
  await double?.close();
});

const WATCH = "https://www.youtube.com/watch?v=GJLlxj_dtq8&hl=en";

/** The English manual track's URL as the player holds it, and whether a pot was added to it. */
const englishTrackUrl = (page: Page) =>
  page.evaluate(() => {
    const player = document.querySelector("#movie_player") as unknown as {
      getAudioTrack(): { captionTracks: { languageCode: string; kind?: string; url: string }[] };
    };
    const track = player.getAudioTrack().captionTracks.find((t) => t.languageCode === "en" && !t.kind);
    return track?.url ?? "";
  });

/** The 2025 engine's move: load the module and select the track the moment the tracklist shows. */
const selectAsSoonAsListed = (page: Page) =>
  page.evaluate(async () => {
    const player = document.querySelector("#movie_player") as unknown as {
      loadModule(name: string): void;
      getOption(module: string, option: string, options?: unknown): unknown;
      setOption(module: string, option: string, value: unknown): void;
    };
    player.loadModule("captions");
    for (let i = 0; i < 200; i++) {
      const list = player.getOption("captions", "tracklist", { includeAsr: true });
      const track = Array.isArray(list) ? list.find((t) => t.languageCode === "en" && !t.kind) : undefined;
      if (track) {
        player.setOption("captions", "track", track);
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  });

const firstTimedtext = (page: Page) =>
  page.waitForResponse((r) => new URL(r.url()).pathname === "/api/timedtext", { timeout: 10_000 });

async function answerOf(response: HTTPResponse) {
  return {
    status: response.status(),
    pot: new URL(response.url()).searchParams.get("pot"),
    body: await response.text(),
  };
}

describe("the 2025 engine against the 2026 double", () => {
  it("an allow-list of YouTube's hosts alone (www.google.com refused) mints no pot: the caption request answers empty", async () => {
    let browser: Browser | undefined;
    try {
      browser = await puppeteer.launch({
        executablePath: findChromium(process.env.CHROMIUM_PATH),
        pipe: true,
        args: chromiumArgs({
          locale: "en-US",
          upstream: { hostRules: double.hostRules, trustedSpki: double.spki },
        }),
      });
      const context = await browser.createBrowserContext({ proxyServer: DIRECT });
      await context.setCookie(consentCookie("https://www.youtube.com"));
      const page = await context.newPage();
      const refused: string[] = [];
      await page.setRequestInterception(true);
      page.on("request", (request) => {
        const host = new URL(request.url()).hostname;
        if (["www.youtube.com", "youtube.com", "m.youtube.com", "consent.youtube.com"].includes(host)) {
          request.continue().catch(() => {});
        } else {
          refused.push(host);
          request.abort("accessdenied").catch(() => {});
        }
      });
      await page.goto(WATCH, { waitUntil: "domcontentloaded" });
      const answer = firstTimedtext(page);
      expect(await selectAsSoonAsListed(page)).toBe(true);
      expect(await answerOf(await answer)).toEqual({ status: 200, pot: null, body: "" });
      // Long past the latest decoration: without the BotGuard script there is still no pot.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(new URL(await englishTrackUrl(page)).searchParams.get("pot")).toBeNull();
      expect(refused).toContain("www.google.com");
    } finally {
      await browser?.close();
    }
  });

  it("with BotGuard allowed, a track selected as soon as it is listed still goes out without a pot and answers empty", async () => {
    const { first, decorated } = await engine.browser.withPage(async ({ page }) => {
      await page.goto(WATCH, { waitUntil: "domcontentloaded" });
      const answer = firstTimedtext(page);
      expect(await selectAsSoonAsListed(page)).toBe(true);
      const first = await answerOf(await answer);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return { first, decorated: await englishTrackUrl(page) };
    });
    expect(first).toEqual({ status: 200, pot: null, body: "" });
    // The pot did come, later: what the engine now waits for.
    expect(new URL(decorated).searchParams.get("pot")).toBeTruthy();
  });

  it("the window's ytInitialPlayerResponse caption URLs need the pot (exp=xpe): no route may fetch them bare", async () => {
    const answer = await double.fetch(WATCH);
    const marker = "var ytInitialPlayerResponse = ";
    const start = answer.body.indexOf(marker) + marker.length;
    const response = JSON.parse(answer.body.slice(start, answer.body.indexOf(";</script>", start))) as {
      captions: { playerCaptionsTracklistRenderer: { captionTracks: { baseUrl: string }[] } };
    };
    const url = response.captions.playerCaptionsTracklistRenderer.captionTracks[0]?.baseUrl ?? "";
    expect(new URL(url).searchParams.get("exp")).toMatch(/xp[ev]/);
    const bare = await double.fetch(`${url}&fmt=json3`);
    expect({ status: bare.status, body: bare.body }).toEqual({ status: 200, body: "" });
  });
});
