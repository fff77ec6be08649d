import { describe, expect, it } from "vitest";
import {
  type CollectionRef,
  collectionPagePath,
  MAX_COLLECTION_REF_LENGTH,
  parseCollectionRef,
} from "../src/collection-ref.js";

const PL = "PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG";
const UC = "UCVYamHliCI9rw1tHR1xbkfw";
const playlist = (playlistId: string): CollectionRef => ({ type: "playlist", playlistId });
const handle = (h: string, tab?: "videos" | "shorts" | "streams"): CollectionRef => ({
  type: "channel",
  channel: { kind: "handle", handle: h },
  tab,
});

describe("parseCollectionRef accepts", () => {
  const accepted: [string, CollectionRef][] = [
    [PL, playlist(PL)],
    [`  ${PL}\n`, playlist(PL)],
    ["PL6B3937A5D230E335", playlist("PL6B3937A5D230E335")],
    ["UUVYamHliCI9rw1tHR1xbkfw", playlist("UUVYamHliCI9rw1tHR1xbkfw")],
    ["UULFVYamHliCI9rw1tHR1xbkfw", playlist("UULFVYamHliCI9rw1tHR1xbkfw")],
    ["OLAK5uy_nMr9h2VlS-2PULWS3RMdHQ8GiFd2J7Xvq", playlist("OLAK5uy_nMr9h2VlS-2PULWS3RMdHQ8GiFd2J7Xvq")],
    [`https://www.youtube.com/playlist?list=${PL}`, playlist(PL)],
    [`youtube.com/playlist?list=${PL}&si=abc`, playlist(PL)],
    [`https://m.youtube.com/playlist?list=${PL}`, playlist(PL)],
    [`https://music.youtube.com/playlist?list=${PL}`, playlist(PL)],
    [`https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=${PL}&index=3`, playlist(PL)],
    [`https://youtu.be/dQw4w9WgXcQ?list=${PL}`, playlist(PL)],
    [`https://www.youtube.com/embed/videoseries?list=${PL}`, playlist(PL)],
    [`<https://www.youtube.com/playlist?list=${PL}>.`, playlist(PL)],
    [encodeURIComponent(`https://www.youtube.com/playlist?list=${PL}`), playlist(PL)],
    ["@Dave2D", handle("@Dave2D")],
    ["https://www.youtube.com/@Dave2D", handle("@Dave2D")],
    ["https://www.youtube.com/@Dave2D/", handle("@Dave2D")],
    ["https://www.youtube.com/@Dave2D/featured", handle("@Dave2D")],
    ["https://www.youtube.com/@Dave2D/videos", handle("@Dave2D", "videos")],
    ["youtube.com/@dave.2d_x-y/shorts?si=1", handle("@dave.2d_x-y", "shorts")],
    ["https://m.youtube.com/@Dave2D/streams", handle("@Dave2D", "streams")],
    ["https://www.youtube.com/@%E6%97%A5%E6%9C%AC%E8%AA%9E", handle("@日本語")],
    [UC, { type: "channel", channel: { kind: "id", channelId: UC }, tab: undefined }],
    [
      `https://www.youtube.com/channel/${UC}/videos`,
      { type: "channel", channel: { kind: "id", channelId: UC }, tab: "videos" },
    ],
    [
      "https://www.youtube.com/c/LinusTechTips",
      { type: "channel", channel: { kind: "custom", name: "LinusTechTips" }, tab: undefined },
    ],
    [
      "https://www.youtube.com/user/LinusTechTips/streams",
      { type: "channel", channel: { kind: "user", name: "LinusTechTips" }, tab: "streams" },
    ],
  ];
  it.each(accepted)("%s", (input, ref) => {
    expect(parseCollectionRef(input)).toEqual({ ok: true, ref });
  });
});

describe("parseCollectionRef refuses, saying why", () => {
  const refused: [string, RegExp][] = [
    ["", /empty/],
    ["   ", /empty/],
    ["RDdQw4w9WgXcQ", /Mix.*never ends/],
    ["https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=RDdQw4w9WgXcQ&start_radio=1", /Mix/],
    ["RDCLAK5uy_mqS2vPtJPBzKaS_TeSc5mDZIaMRFo-_pc", /Mix/],
    ["https://www.youtube.com/playlist?list=WL", /Watch later.*private/],
    ["https://www.youtube.com/playlist?list=LL", /Liked videos/],
    ["https://www.youtube.com/playlist?list=LM", /Liked music/],
    ["https://www.youtube.com/playlist", /no list= parameter/],
    ["https://www.youtube.com/playlist?list=PL%20x", /not valid/],
    ["https://www.youtube.com/playlist?list=PLｘ0sYbCqOb8TBPRdmBHs5Iftvv9T", /look-alike/],
    ["XX0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG", /begin with PL, UU, OLAK5uy_ or FL/],
    ["PLshort", /12 to 64 characters; this one has 7/],
    [`PL${"a".repeat(70)}`, /this one has 72/],
    ["dQw4w9WgXcQ", /video ID/],
    ["https://www.youtube.com/watch?v=dQw4w9WgXcQ", /neither a playlist nor a channel/],
    ["https://youtu.be/dQw4w9WgXcQ", /neither a playlist nor a channel/],
    ["https://www.youtube.com/", /home page/],
    ["@ab", /3 to 30/],
    [`@${"a".repeat(31)}`, /3 to 30/],
    ["@bad/handle", /3 to 30/],
    ["https://www.youtube.com/@Dave2D/playlists", /playlists tab.*videos, shorts or streams/],
    ["https://www.youtube.com/@Dave2D/community", /community tab/],
    ["https://www.youtube.com/@Dave2D/nonsense", /not a channel tab/],
    ["https://www.youtube.com/@Dave2D/videos/extra", /extra parts after the tab/],
    ["https://www.youtube.com/channel/UCshort/videos", /UC followed by 22/],
    ["https://www.youtube.com/channel", /neither a playlist nor a channel/],
    ["https://www.youtube.com/c/bad%20name", /name is not valid/],
    [`https://www.youtube.com.evil.example/playlist?list=${PL}`, /not a YouTube address/],
    [`https://ｙｏｕｔｕｂｅ.com/playlist?list=${PL}`, /outside plain ASCII/],
    [`https://xn--yutube-wqf.com/playlist?list=${PL}`, /punycode/],
    [`ftp://www.youtube.com/playlist?list=${PL}`, /http or https/],
    ["https://www.youtube.com/@Dave2D\n/videos", /control character/],
    ["just words", /neither a playlist ID/],
    [`https://www.youtube.com/playlist?list=${"P".repeat(MAX_COLLECTION_REF_LENGTH)}`, /too long/],
  ];
  it.each(refused)("%j", (input, reason) => {
    const result = parseCollectionRef(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("refuses a non-string", () => {
    expect(parseCollectionRef(42 as unknown as string).ok).toBe(false);
  });

  it("stays fast on long hostile input", () => {
    const hostile = [
      `@${"a".repeat(MAX_COLLECTION_REF_LENGTH - 1)}`,
      `https://www.youtube.com/@${"a-".repeat(1000)}`,
      `youtube.com/c/${"%2".repeat(600)}`,
    ];
    const started = performance.now();
    for (const input of hostile) expect(parseCollectionRef(input).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe("collectionPagePath", () => {
  it("is the page each reference is read from", () => {
    expect(collectionPagePath(playlist(PL))).toBe(`/playlist?list=${PL}`);
    expect(collectionPagePath(handle("@Dave2D"))).toBe("/@Dave2D/videos");
    expect(collectionPagePath(handle("@日本語"), "shorts")).toBe("/@%E6%97%A5%E6%9C%AC%E8%AA%9E/shorts");
    expect(
      collectionPagePath(
        { type: "channel", channel: { kind: "id", channelId: UC }, tab: undefined },
        "streams",
      ),
    ).toBe(`/channel/${UC}/streams`);
    expect(
      collectionPagePath({ type: "channel", channel: { kind: "user", name: "ab c" }, tab: undefined }),
    ).toBe("/user/ab%20c/videos");
  });

  it("round-trips through the parser", () => {
    const ref = handle("@日本語", "streams");
    expect(parseCollectionRef(`https://www.youtube.com${collectionPagePath(ref, "streams")}`)).toEqual({
      ok: true,
      ref,
    });
  });
});
