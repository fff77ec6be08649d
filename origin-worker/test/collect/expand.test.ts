import { type CollectionRef, parseCollectionRef } from "@ytt/shared";
import { CHANNELS, PLAYLISTS, startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CollectOptions, expandCollection } from "../../src/collect/expand.js";
import { createUpstreamFetch } from "../../src/upstream/fetch.js";
import { failureOf } from "../helpers.js";

// The expansion against the double over real TLS under YouTube's hostnames, in the production
// configuration (origin https://www.youtube.com) with only the test host rules pointing at the double.

const LONG = "PLdbl120VideosWithGapsAndNoCapts01";
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36";
const [MAIN, VIDEOS_ONLY] = CHANNELS as [(typeof CHANNELS)[0], (typeof CHANNELS)[0]];

let double: YoutubeDouble;
let options: CollectOptions;
beforeAll(async () => {
  double = await startYoutubeDouble({ potDelayMs: [0, 0] });
  options = {
    origin: "https://www.youtube.com",
    fetchUpstream: createUpstreamFetch(double.hostRules),
    userAgent: USER_AGENT,
    stepTimeoutMs: 5_000,
  };
});
afterEach(() => double.reset());
afterAll(async () => {
  await double?.close();
});

function ref(input: string): CollectionRef {
  const parsed = parseCollectionRef(input);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.ref;
}

const browseCalls = () => double.stats().requestsByPath["www.youtube.com/youtubei/v1/browse"] ?? 0;

describe("a playlist", () => {
  it("lists every entry over its two pages, saying which cannot be had", async () => {
    const listing = await expandCollection(
      ref(`https://www.youtube.com/playlist?list=${LONG}`),
      { limit: 5000 },
      options,
    );
    expect(listing).toMatchObject({ id: LONG, title: PLAYLISTS[LONG]?.title, truncated: false });
    expect(listing.tab).toBeUndefined();
    expect(listing.videos.map((v) => v.videoId)).toEqual(PLAYLISTS[LONG]?.entries.map((e) => e.videoId));
    expect(listing.videos.filter((v) => v.unavailable)).toEqual([
      { videoId: "dblDeleted1", title: "[Deleted video]", unavailable: "deleted" },
      { videoId: "dblPrivate1", title: "[Private video]", unavailable: "private" },
    ]);
    // Without captions is still a video of the playlist; its job will say so.
    expect(listing.videos[2]).toEqual({ videoId: "dblNoCapts1", title: "No captions here" });
    expect(listing.videos[0]?.title).toBe("Surface Go Review - It\u2019s Awesome");
    expect(browseCalls()).toBe(2);
  });

  it("stops at the limit, fetching no page it does not need", async () => {
    const first = await expandCollection(ref(LONG), {}, options);
    expect(first.videos).toHaveLength(100);
    expect(first.truncated).toBe(true);
    expect(browseCalls()).toBe(1);
    const more = await expandCollection(ref(LONG), { limit: 101 }, options);
    expect(more.videos).toHaveLength(101);
    expect(more.truncated).toBe(true);
    expect(browseCalls()).toBe(3);
  });

  it("that does not exist is NOT_FOUND in YouTube's words", async () => {
    const failure = await failureOf(expandCollection(ref("PLnothingHereAtAll0000000000000000"), {}, options));
    expect(failure.code).toBe("NOT_FOUND");
    const error = await expandCollection(ref("PLnothingHereAtAll0000000000000000"), {}, options).catch(
      (e) => e,
    );
    expect(error.message).toBe("The playlist does not exist.");
  });
});

describe("a channel", () => {
  it("lists its videos tab over three grid pages, by handle, ID, /c/ or /user/", async () => {
    const listing = await expandCollection(
      ref("https://www.youtube.com/@doublechannel"),
      { limit: 5000 },
      options,
    );
    expect(listing).toMatchObject({ id: MAIN.channelId, title: MAIN.title, tab: "videos", truncated: false });
    expect(listing.videos.map((v) => v.videoId)).toEqual(MAIN.tabs.videos);
    expect(listing.videos.every((v) => v.title.startsWith("Double video "))).toBe(true);
    expect(browseCalls()).toBe(2);
    for (const link of [
      `https://www.youtube.com/channel/${MAIN.channelId}/videos`,
      "https://www.youtube.com/c/DoubleChannel",
      "youtube.com/user/doublechannel/videos",
    ]) {
      const same = await expandCollection(ref(link), { limit: 45 }, options);
      expect(same.videos.map((v) => v.videoId)).toEqual(MAIN.tabs.videos?.slice(0, 45));
      expect(same.truncated).toBe(true);
    }
  });

  it("lists shorts and streams, the tab asked for winning over the link's", async () => {
    const shorts = await expandCollection(ref("https://www.youtube.com/@doublechannel/shorts"), {}, options);
    expect(shorts.videos.map((v) => v.videoId)).toEqual(MAIN.tabs.shorts);
    const streams = await expandCollection(ref("@doublechannel"), { tab: "streams" }, options);
    expect(streams.tab).toBe("streams");
    expect(streams.videos[0]).toEqual({ videoId: "dblLiveNow1", title: "Live: markets now" });
    expect(streams.videos.map((v) => v.videoId)).toEqual(MAIN.tabs.streams);
  });

  it("without the tab, or that does not exist, is NOT_FOUND", async () => {
    const noTab = await expandCollection(ref(VIDEOS_ONLY.handle), { tab: "shorts" }, options).catch((e) => e);
    expect(noTab).toMatchObject({ code: "NOT_FOUND", message: "The channel has no shorts tab." });
    const nobody = await expandCollection(ref("@nobodyatall"), {}, options).catch((e) => e);
    expect(nobody).toMatchObject({ code: "NOT_FOUND", message: "The channel does not exist." });
  });
});

describe("refusals and limits", () => {
  it("a rate-limited page or continuation is BLOCKED_BY_YOUTUBE with YouTube's Retry-After", async () => {
    double.failNext(1, "rateLimit", { on: "watch", retryAfterSeconds: 120 });
    expect(await failureOf(expandCollection(ref(LONG), {}, options))).toMatchObject({
      code: "BLOCKED_BY_YOUTUBE",
      details: { retryAfterSeconds: 120 },
    });
    double.failNext(1, "rateLimit", { on: "innertube" });
    expect((await failureOf(expandCollection(ref("@doublechannel"), { limit: 31 }, options))).code).toBe(
      "BLOCKED_BY_YOUTUBE",
    );
  });

  it("a flagged visitor's page or continuation, or a consent wall SOCS does not pass, is BLOCKED_BY_YOUTUBE", async () => {
    double.failNext(1, "botCheck", { on: "watch" });
    expect((await failureOf(expandCollection(ref(LONG), {}, options))).code).toBe("BLOCKED_BY_YOUTUBE");
    double.failNext(1, "sessionLimit", { on: "innertube" });
    expect((await failureOf(expandCollection(ref("@doublechannel"), { limit: 31 }, options))).code).toBe(
      "BLOCKED_BY_YOUTUBE",
    );
    double.setConsent({ everywhere: true, accepted: "issued-only" });
    expect(await failureOf(expandCollection(ref(LONG), {}, options))).toMatchObject({
      code: "BLOCKED_BY_YOUTUBE",
    });
    // The usual wall takes the SOCS decision the worker sends.
    double.setConsent({ everywhere: true, accepted: "any-decision" });
    expect((await expandCollection(ref(LONG), { limit: 3 }, options)).videos).toHaveLength(3);
  });

  it("a page slower than the step timeout is UPSTREAM_TIMEOUT", async () => {
    double.setLatency(400);
    expect(
      await failureOf(expandCollection(ref(LONG), {}, { ...options, stepTimeoutMs: 150 })),
    ).toMatchObject({
      code: "UPSTREAM_TIMEOUT",
      details: { step: "collection page" },
    });
  });

  it("a limit outside 1–5000 is INVALID_REQUEST, before any request", async () => {
    for (const limit of [0, 5001, 2.5]) {
      expect((await failureOf(expandCollection(ref(LONG), { limit }, options))).code).toBe("INVALID_REQUEST");
    }
    expect(double.stats().requests).toBe(0);
  });
});
