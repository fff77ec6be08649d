import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractInlineJson, type Json } from "../src/captures.js";
import {
  CHANNELS,
  CONTINUATION_TTL_MS,
  collectionPages,
  GRID_PAGE_SIZE,
  PLAYLIST_PAGE_SIZE,
  PLAYLISTS,
  SHOW_UNAVAILABLE_PARAMS,
} from "../src/collections.js";
import { startYoutubeDouble, type YoutubeDouble } from "../src/server.js";

// The double over real TLS under YouTube's hostnames, read the way a scraper reads the real site.

const LONG = "PLdbl120VideosWithGapsAndNoCapts01";
const [MAIN, VIDEOS_ONLY] = CHANNELS as [(typeof CHANNELS)[0], (typeof CHANNELS)[0]];
const WEB = { client: { clientName: "WEB", clientVersion: "2.20260114.08.00", hl: "en", gl: "US" } };

let double: YoutubeDouble;
beforeAll(async () => {
  double = await startYoutubeDouble({ potDelayMs: [0, 0] });
});
afterAll(async () => {
  await double?.close();
});

async function page(path: string) {
  const answer = await double.fetch(`https://www.youtube.com${path}`);
  return { status: answer.status, html: answer.body, location: answer.headers.location };
}

async function initialData(path: string): Promise<Json> {
  const { status, html } = await page(path);
  expect(status).toBe(200);
  return extractInlineJson(html, "var ytInitialData = ");
}

async function browse(body: Json) {
  const answer = await double.fetch("https://www.youtube.com/youtubei/v1/browse?prettyPrint=false", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ context: WEB, ...body }),
  });
  return { status: answer.status, json: JSON.parse(answer.body) };
}

const playlistContents = (data: Json): Json[] =>
  data.contents.twoColumnBrowseResultsRenderer.tabs[0].tabRenderer.content.sectionListRenderer.contents[0]
    .itemSectionRenderer.contents[0].playlistVideoListRenderer.contents;
const appended = (json: Json): Json[] =>
  json.onResponseReceivedActions[0].appendContinuationItemsAction.continuationItems;
const tokenOf = (items: Json[]): string | undefined =>
  items.at(-1)?.continuationItemRenderer?.continuationEndpoint.continuationCommand.token;
const itemsOf = (items: Json[]) => items.filter((item) => !item.continuationItemRenderer);

/** Every item of a playlist or grid, following continuations; and how many pages that took. */
async function everything(first: Json[]) {
  const items = [...itemsOf(first)];
  let token = tokenOf(first);
  let pages = 1;
  while (token) {
    const next = await browse({ continuation: token });
    expect(next.status).toBe(200);
    items.push(...itemsOf(appended(next.json)));
    token = tokenOf(appended(next.json));
    pages++;
  }
  return { items, pages };
}

describe("a playlist", () => {
  it("is an HTML page with the innertube config and the playable ones of its first 100 entries", async () => {
    const { html } = await page(`/playlist?list=${LONG}`);
    const ytcfg = extractInlineJson(html, "ytcfg.set({");
    expect(ytcfg.INNERTUBE_API_KEY).toMatch(/^AIza/);
    expect(ytcfg.INNERTUBE_CLIENT_VERSION).toMatch(/^2\./);
    const data = extractInlineJson(html, "var ytInitialData = ");
    expect(data.metadata.playlistMetadataRenderer.title).toBe(PLAYLISTS[LONG]?.title);
    const first = playlistContents(data);
    // The first 100 entries but the deleted one, hidden: pages are cut, then the hidden dropped.
    expect(itemsOf(first)).toHaveLength(PLAYLIST_PAGE_SIZE - 1);
    expect(tokenOf(first)).toBeTruthy();
  });

  it("hides its unavailable entries behind an alert, and lists the rest over two pages", async () => {
    const data = await initialData(`/playlist?list=${LONG}`);
    expect(data.alerts[0].alertWithButtonRenderer).toMatchObject({
      type: "INFO",
      text: { simpleText: "2 unavailable videos are hidden" },
    });
    const { items, pages } = await everything(playlistContents(data));
    expect(pages).toBe(2);
    const playable = PLAYLISTS[LONG]?.entries.filter((e) => e.status === "ok").map((e) => e.videoId);
    expect(items.map((i) => i.playlistVideoRenderer.videoId)).toEqual(playable);
    // The hidden entries leave gaps in the numbering.
    expect(items[49].playlistVideoRenderer.index.simpleText).toBe("51");
  });

  it("lists the deleted and the private entry, unplayable, when asked as yt-dlp asks", async () => {
    const first = await browse({ browseId: `VL${LONG}`, params: SHOW_UNAVAILABLE_PARAMS });
    expect(first.status).toBe(200);
    expect(first.json.alerts).toBeUndefined();
    const { items } = await everything(playlistContents(first.json));
    expect(items).toHaveLength(120);
    const deleted = items[49].playlistVideoRenderer;
    const private_ = items[100].playlistVideoRenderer;
    expect(deleted).toMatchObject({ title: { runs: [{ text: "[Deleted video]" }] }, isPlayable: false });
    expect(private_).toMatchObject({ title: { runs: [{ text: "[Private video]" }] }, isPlayable: false });
    for (const entry of [deleted, private_]) {
      expect(entry.lengthSeconds).toBeUndefined();
      expect(entry.shortBylineText).toBeUndefined();
    }
    expect(items[2].playlistVideoRenderer).toMatchObject({ videoId: "dblNoCapts1", isPlayable: true });
  });

  it("that does not exist says so in an ERROR alert", async () => {
    const data = await initialData("/playlist?list=PLnothingHereAtAll0000000000000000");
    expect(data.alerts[0].alertRenderer).toEqual({
      type: "ERROR",
      text: { runs: [{ text: "The playlist does not exist." }] },
    });
    expect(data.contents).toBeUndefined();
    const browsed = await browse({ browseId: "VLPLnothingHereAtAll0000000000000000" });
    expect(browsed.json.alerts[0].alertRenderer.type).toBe("ERROR");
  });
});

describe("continuation tokens", () => {
  const invalid = { error: { code: 400, status: "INVALID_ARGUMENT" } };

  it("are refused when forged, altered, from another double, or without a WEB client", async () => {
    const token = tokenOf(playlistContents(await initialData(`/playlist?list=${LONG}`))) as string;
    const bytes = Buffer.from(token, "base64url");
    bytes[8] = (bytes[8] ?? 0) ^ 1;
    const other = collectionPages(randomBytes(32));
    const foreign = tokenOf(
      playlistContents((other.browse({ context: WEB, browseId: `VL${LONG}` }) as { body: Json }).body),
    );
    for (const continuation of [bytes.toString("base64url"), "4qmFsgKbARIkVkxQTG", foreign, 42]) {
      const answer = await browse({ continuation });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject(invalid);
    }
    const noClient = await double.fetch("https://www.youtube.com/youtubei/v1/browse", {
      method: "POST",
      body: JSON.stringify({ continuation: token }),
    });
    expect(noClient.status).toBe(400);
  });

  it("expire", () => {
    let clock = 1_000_000;
    const pages = collectionPages(randomBytes(32), () => clock);
    const first = pages.browse({ context: WEB, browseId: `VL${LONG}` }).body;
    const continuation = tokenOf(playlistContents(first));
    expect(pages.browse({ context: WEB, continuation }).status).toBe(200);
    clock += CONTINUATION_TTL_MS + 1;
    expect(pages.browse({ context: WEB, continuation }).status).toBe(400);
  });
});

describe("a channel", () => {
  const selectedTab = (data: Json) =>
    data.contents.twoColumnBrowseResultsRenderer.tabs.find((t: Json) => t.tabRenderer.selected).tabRenderer;
  const grid = (data: Json): Json[] => selectedTab(data).content.richGridRenderer.contents;

  it("lists its videos tab 30 at a time (later pages as lockupViewModel), the same under /@handle, /channel/, /c/ and /user/", async () => {
    const data = await initialData("/@doublechannel/videos");
    expect(data.metadata.channelMetadataRenderer.externalId).toBe(MAIN.channelId);
    expect(itemsOf(grid(data))).toHaveLength(GRID_PAGE_SIZE);
    const { items, pages } = await everything(grid(data));
    expect(pages).toBe(3);
    // The first page in the old shape, the later ones in the new.
    const content = items.map((i) => i.richItemRenderer.content);
    expect(content.slice(0, GRID_PAGE_SIZE).map((c) => c.videoRenderer.videoId)).toEqual(
      MAIN.tabs.videos?.slice(0, GRID_PAGE_SIZE),
    );
    expect(content.slice(GRID_PAGE_SIZE).map((c) => c.lockupViewModel.contentId)).toEqual(
      MAIN.tabs.videos?.slice(GRID_PAGE_SIZE),
    );
    for (const path of [
      `/channel/${MAIN.channelId}/videos`,
      "/c/DoubleChannel/videos",
      "/user/doublechannel/videos",
    ]) {
      const first = itemsOf(grid(await initialData(path)));
      expect(first.map((i) => i.richItemRenderer.content.videoRenderer.videoId)).toEqual(
        MAIN.tabs.videos?.slice(0, GRID_PAGE_SIZE),
      );
    }
  });

  it("lists shorts as shortsLockupViewModel and streams as lockupViewModel", async () => {
    const shorts = itemsOf(grid(await initialData("/@doublechannel/shorts")));
    expect(
      shorts.map(
        (i) =>
          i.richItemRenderer.content.shortsLockupViewModel.onTap.innertubeCommand.reelWatchEndpoint.videoId,
      ),
    ).toEqual(MAIN.tabs.shorts);
    const streams = itemsOf(grid(await initialData("/@doublechannel/streams")));
    expect(streams.map((i) => i.richItemRenderer.content.lockupViewModel.contentId)).toEqual(
      MAIN.tabs.streams,
    );
    expect(
      streams[0].richItemRenderer.content.lockupViewModel.metadata.lockupMetadataViewModel.title.content,
    ).toBe("Live: markets now");
  });

  it("without the tab asked for shows its home tab", async () => {
    const data = await initialData(`/${VIDEOS_ONLY.handle}/streams`);
    const tab = selectedTab(data);
    expect(tab.endpoint.commandMetadata.webCommandMetadata.url).toBe(`/${VIDEOS_ONLY.handle}/featured`);
    expect(tab.content.richGridRenderer).toBeUndefined();
  });

  it("that does not exist is a 404", async () => {
    expect((await page("/@nobodyatall/videos")).status).toBe(404);
    expect((await page("/channel/UCnobodyNobodyNobody0000/videos")).status).toBe(404);
  });
});

describe("refusals", () => {
  it("a rate-limited page is the 429 captcha page, a rate-limited browse a 429", async () => {
    double.failNext(1, "rateLimit", { on: "watch" });
    const limited = await page(`/playlist?list=${LONG}`);
    expect(limited.status).toBe(429);
    expect(limited.html).toContain("g-recaptcha");
    double.failNext(1, "rateLimit", { on: "innertube" });
    expect((await browse({ browseId: `VL${LONG}` })).status).toBe(429);
    double.reset();
  });

  it("any other refusal is the captcha page on a page, PERMISSION_DENIED on browse", async () => {
    double.failNext(1, "botCheck", { on: "watch" });
    const flagged = await page(`/playlist?list=${LONG}`);
    expect(flagged.status).toBe(429);
    expect(flagged.html).toContain("g-recaptcha");
    double.failNext(1, "sessionLimit", { on: "innertube" });
    expect((await browse({ browseId: `VL${LONG}` })).status).toBe(403);
    double.reset();
  });

  it("a page is behind the consent interstitial like any page of the site", async () => {
    double.setConsent({ everywhere: true, accepted: "issued-only" });
    const gated = await page(`/playlist?list=${LONG}`);
    expect(gated.status).toBe(302);
    expect(String(gated.location).startsWith("https://consent.youtube.com/m?continue=")).toBe(true);
    double.reset();
  });
});
