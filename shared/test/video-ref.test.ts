import { describe, expect, it } from "vitest";
import { isVideoId, MAX_VIDEO_REF_LENGTH, parseVideoRef } from "../src/video-ref.js";

const ID = "dQw4w9WgXcQ";

describe("parseVideoRef accepts", () => {
  const accepted: string[] = [
    ID,
    `  ${ID}\n`,
    "-_0aZ9-_0aZ",
    `https://www.youtube.com/watch?v=${ID}`,
    `https://www.youtube.com/watch?v=${ID}&feature=share`,
    `https://www.youtube.com/watch?feature=share&v=${ID}`,
    `https://www.youtube.com/watch?v=${ID}&t=42s`,
    `https://www.youtube.com/watch?v=${ID}&list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG&index=3`,
    `https://www.youtube.com/watch?app=desktop&v=${ID}&si=AbCdEfGhIjKl`,
    `https://www.youtube.com/watch?v=${ID}#t=1m2s`,
    `http://www.youtube.com/watch?v=${ID}`,
    `https://youtube.com/watch?v=${ID}`,
    `https://m.youtube.com/watch?v=${ID}`,
    `https://music.youtube.com/watch?v=${ID}&si=xyz`,
    `https://WWW.YouTube.COM/watch?v=${ID}`,
    `https://www.youtube.com/watch_popup?v=${ID}`,
    `https://youtu.be/${ID}`,
    `https://youtu.be/${ID}?si=AbCdEfGhIjKlMnOp`,
    `https://youtu.be/${ID}?t=10`,
    `https://youtu.be/${ID}/`,
    `https://www.youtube.com/shorts/${ID}`,
    `https://youtube.com/shorts/${ID}?feature=share`,
    `https://www.youtube.com/live/${ID}?si=abc`,
    `https://www.youtube.com/embed/${ID}?start=3&autoplay=1`,
    `https://www.youtube.com/v/${ID}`,
    `https://www.youtube.com/e/${ID}`,
    `https://www.youtube-nocookie.com/embed/${ID}`,
    `https://youtube-nocookie.com/embed/${ID}?rel=0`,
    `www.youtube.com/watch?v=${ID}`,
    `youtube.com/watch?v=${ID}`,
    `youtu.be/${ID}`,
    `m.youtube.com/shorts/${ID}`,
    `//www.youtube.com/embed/${ID}`,
    `//youtu.be/${ID}`,
    `https%3A%2F%2Fyoutu.be%2F${ID}`,
    `https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D${ID}%26t%3D5`,
    `https%253A%252F%252Fyoutu.be%252F${ID}`,
    `youtube.com%2Fshorts%2F${ID}`,
    `https://www.youtube.com/watch%3Fv%3D${ID}`,
  ];
  it.each(accepted)("%s", (input) => {
    expect(parseVideoRef(input)).toEqual({ ok: true, videoId: input.includes("-_0aZ") ? "-_0aZ9-_0aZ" : ID });
  });
});

describe("parseVideoRef rejects with a reason", () => {
  const rejected: Array<[string, RegExp]> = [
    ["", /empty/],
    ["   ", /empty/],
    ["hello world", /neither a video ID/],
    ["../.././../.", /not a YouTube address|not a valid link/],
    ["dQw4w9WgXc", /exactly 11 characters.*has 10/],
    ["dQw4w9WgXcQQ", /exactly 11 characters.*has 12/],
    ["dQw4w9WgXc!", /neither a video ID/],
    [`https://youtube.com.evil.com/watch?v=${ID}`, /youtube\.com\.evil\.com is not a YouTube address/],
    [`https://notyoutube.com/watch?v=${ID}`, /notyoutube\.com is not a YouTube address/],
    [`https://evil.com/watch?v=${ID}&youtube.com`, /evil\.com is not a YouTube address/],
    [`https://youtube.com@evil.com/watch?v=${ID}`, /evil\.com is not a YouTube address/],
    [`https://evilyoutu.be/${ID}`, /not a YouTube address/],
    [`https://vimeo.com/${ID}`, /not a YouTube address/],
    [`ftp://youtube.com/watch?v=${ID}`, /http or https/],
    [`javascript:alert(1)//youtube.com/watch?v=${ID}`, /not a valid link|not a YouTube address/],
    ["https://www.youtube.com/@RickAstleyYT", /channel/],
    ["https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw", /channel/],
    ["https://www.youtube.com/c/RickAstley", /channel/],
    ["https://www.youtube.com/user/RickAstleyVEVO", /channel/],
    ["https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG", /playlist/],
    ["https://www.youtube.com/watch?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG", /playlist/],
    ["https://www.youtube.com/watch?feature=share", /v= parameter is missing/],
    ["https://www.youtube.com/watch?v=", /v= parameter is missing/],
    ["https://www.youtube.com/", /home page/],
    ["https://www.youtube.com/results?search_query=rick", /does not point to a video/],
    [`https://www.youtube.com/shorts/${ID}/extra`, /does not point to a video/],
    ["https://www.youtube.com/watch?v=dQw4w9WgXc", /video ID is not valid/],
    ["https://www.youtube.com/watch?v=dQw4w9WgXcQx", /video ID is not valid/],
    ["https://www.youtube.com/watch?v=../../etc/p", /video ID is not valid/],
    ["https://youtu.be/short", /video ID is not valid/],
    ["https://youtu.be/", /youtu\.be\/<video ID>/],
    [`https://youtu.be/a/${ID}`, /youtu\.be\/<video ID>/],
    [`https://www.youtube-nocookie.com/watch?v=${ID}`, /youtube-nocookie\.com\/embed/],
    ["%E0%A4%A", /neither a video ID/],
    ["https%3A%2F%2Fevil.com%2Fwatch%3Fv%3DdQw4w9WgXcQ", /evil\.com is not a YouTube address/],
    ["x".repeat(MAX_VIDEO_REF_LENGTH + 1), /too long/],
  ];
  it.each(rejected)("%s", (input, reason) => {
    const result = parseVideoRef(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("refuses non-strings at run time instead of throwing", () => {
    expect(parseVideoRef(undefined as unknown as string).ok).toBe(false);
    expect(parseVideoRef(42 as unknown as string).ok).toBe(false);
  });
});

describe("parseVideoRef on hostile input", () => {
  it("refuses a 1 MB input without parsing it", () => {
    const huge = `https://www.youtube.com/watch?v=${ID}&x=${"%25".repeat(350_000)}`;
    expect(huge.length).toBeGreaterThan(1_000_000);
    expect(parseVideoRef(huge)).toEqual({ ok: false, reason: expect.stringMatching(/too long/) });
  });

  it("handles near-limit inputs of every shape", () => {
    const pad = (prefix: string, unit: string) =>
      prefix + unit.repeat(Math.floor((MAX_VIDEO_REF_LENGTH - prefix.length) / unit.length));
    for (const input of [
      pad("https://www.youtube.com/watch?", "v=a&"),
      pad("", "%25"),
      pad("youtube.com/", "a/"),
      pad("", "."),
      pad("", "a"),
      pad("https://", "@"),
    ]) {
      expect(input.length).toBeLessThanOrEqual(MAX_VIDEO_REF_LENGTH);
      expect(parseVideoRef(input).ok).toBe(false);
    }
  });

  it("never throws on random strings and only ever returns valid ids", () => {
    // A seeded generator keeps failures reproducible.
    let seed = 0x9e3779b9;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const pieces = [
      "https://",
      "//",
      "youtube.com",
      "youtu.be/",
      "www.",
      "/watch?v=",
      "/shorts/",
      "%",
      "%3A",
      "%2F",
      "&",
      "?",
      "#",
      "@",
      ":",
      ".",
      "/",
      " ",
      "\u0000",
      "\uD800",
      "ü",
      ID,
    ];
    for (let i = 0; i < 5000; i++) {
      let input = "";
      const parts = Math.floor(next() * 12);
      for (let p = 0; p < parts; p++) {
        input +=
          next() < 0.5
            ? (pieces[Math.floor(next() * pieces.length)] ?? "")
            : String.fromCharCode(Math.floor(next() * 0x3000));
      }
      const result = parseVideoRef(input);
      if (result.ok) expect(isVideoId(result.videoId), input).toBe(true);
      else expect(result.reason.length, input).toBeGreaterThan(0);
    }
  });
});
