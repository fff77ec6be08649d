import { describe, expect, it } from "vitest";
import { descriptionChapters, videoMetadata } from "../../src/extract/metadata.js";
import { parseTimedtext } from "../../src/extract/parse/timedtext.js";

/**
 * Text YouTube (or an uploader) controls, at the sizes YouTube allows, shaped to make a backtracking
 * pattern run for minutes: these must come back at once (a super-linear pattern would time the test
 * out). `make test` also lints every pattern with eslint-plugin-regexp's super-linear rules.
 */

const LONG = 5_000;
const spaces = " ".repeat(LONG - 10);

describe("5,000-character adversarial descriptions and titles", () => {
  it.each([
    ["CR", "\r"],
    ["U+2028", "\u2028"],
    ["U+2029", "\u2029"],
  ])(
    "a timestamp, a long run of spaces, a character, %s and a character: no chapters, no freeze",
    (_name, breaker) => {
      const line = `0:00${spaces}x${breaker}x`;
      expect(line.length).toBeGreaterThanOrEqual(LONG - 5);
      expect(descriptionChapters(line)).toEqual([]);
      expect(descriptionChapters(`${line}\n${line}\n${line}`)).toEqual([]);
    },
  );

  it("chapters still come from every kind of line break, titles trimmed", () => {
    expect(descriptionChapters(`0:00 Intro${spaces}\r1:00 - Middle\u20282:00 — End\u2029`)).toEqual([
      { title: "Intro", startMs: 0 },
      { title: "Middle", startMs: 60_000 },
      { title: "End", startMs: 120_000 },
    ]);
  });

  it("a title and description of 5,000 spaces, separators and timestamps are read as text", () => {
    const title = `${"- ".repeat(LONG / 2)}`;
    const description = `${"0:00 ".repeat(LONG / 5)}\r`;
    const video = videoMetadata(
      "dblUnicode1",
      { videoDetails: { title, shortDescription: description, lengthSeconds: "60", author: "a" } },
      undefined,
    );
    expect(video.title).toBe(title);
    expect(video.chapters).toEqual([]);
  });

  it("timedtext with 5,000 unclosed elements keeps the closed ones and does not freeze", () => {
    const body = `<?xml version="1.0" encoding="utf-8" ?><timedtext format="3"><body><p t="0" d="1000">first</p>${'<p t="5">'.repeat(LONG)}</body></timedtext>`;
    expect(parseTimedtext(body)).toEqual([{ startMs: 0, durationMs: 1000, text: "first" }]);
  });

  it("timedtext with 5,000 unclosed '<' and long attribute names parses without a freeze", () => {
    const body = `<?xml version="1.0" encoding="utf-8" ?><timedtext format="3"><body><p t="0" d="1000" ${"a".repeat(LONG)}>${"<".repeat(LONG)}hi</p></body></timedtext>`;
    expect(() => parseTimedtext(body)).not.toThrow();
  });
});
