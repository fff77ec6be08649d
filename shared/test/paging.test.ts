import { describe, expect, it } from "vitest";
import { estimateTokens } from "../src/chunk.js";
import { transcriptPage } from "../src/paging.js";
import { renderTranscript, type TranscriptFormat } from "../src/render.js";
import type { Segment, Transcript } from "../src/transcript.js";
import { transcript } from "./support/transcript.js";

/** A lecture in two chapters. */
const lecture = (segments: Segment[]): Transcript =>
  transcript(segments, {
    title: "A lecture",
    chapters: [
      { title: "Opening", startMs: 0 },
      { title: "Middle", startMs: 1_500_000 },
    ],
  });

/** An hour of cues, every 2.5 s, of varying length so page ends do not fall on a pattern. */
const LONG = lecture(
  Array.from({ length: 1440 }, (_, i) => ({
    startMs: i * 2500,
    durationMs: 2400,
    text: `cue ${i + 1} says ${"word ".repeat(i % 7)}and ends.`,
  })),
);

/** Every page from the first, as a client following the cursor would get them. */
function allPages(t: Transcript, format: TranscriptFormat, maxTokens: number, timestamps = false) {
  const pages = [transcriptPage(t, 0, { format, maxTokens, timestamps })];
  for (let last = pages[0]; last && last.end < t.segments.length; last = pages.at(-1))
    pages.push(transcriptPage(t, last.end, { format, maxTokens, timestamps }));
  return pages;
}

describe("transcriptPage", () => {
  for (const format of ["text", "markdown", "json"] as const) {
    it(`pages a long ${format} transcript into maximal runs of cues within the budget`, () => {
      const maxTokens = 1500;
      const pages = allPages(LONG, format, maxTokens, true);
      expect(pages.length).toBeGreaterThan(3);
      // Contiguous, in order, every segment exactly once.
      expect(pages.map((p) => [p.start, p.end])).toEqual(
        pages.map((p, i) => [i === 0 ? 0 : pages[i - 1]?.end, p.end]),
      );
      expect(pages.at(-1)?.end).toBe(LONG.segments.length);
      for (const page of pages) {
        const slice = { ...LONG, segments: LONG.segments.slice(page.start, page.end) };
        // The page is the shared renderer's own output for its cues, and its estimate is of that text.
        expect(page.body).toBe(renderTranscript(slice, format, { timestamps: true }).body);
        expect(page.tokens).toBe(estimateTokens(page.body));
        expect(page.tokens).toBeLessThanOrEqual(maxTokens);
        // Maximal: one more cue would not have fitted.
        if (page.end < LONG.segments.length) {
          const longer = { ...LONG, segments: LONG.segments.slice(page.start, page.end + 1) };
          expect(estimateTokens(renderTranscript(longer, format, { timestamps: true }).body)).toBeGreaterThan(
            maxTokens,
          );
        }
      }
    });
  }

  it("gives a markdown page the front matter and the chapter it starts in", () => {
    const pages = allPages(LONG, "markdown", 2000);
    const middle = pages.find((p) => (LONG.segments[p.start]?.startMs ?? 0) > 1_500_000);
    expect(middle?.body).toMatch(/^---\ntitle: "A lecture"/);
    expect(middle?.body).toContain("\n## Middle\n");
    expect(middle?.body).not.toContain("## Opening");
  });

  it("returns the whole transcript as one page when it fits", () => {
    const page = transcriptPage(LONG, 0, { format: "text", maxTokens: 1_000_000 });
    expect([page.start, page.end]).toEqual([0, LONG.segments.length]);
    expect(page.body).toBe(renderTranscript(LONG, "text").body);
  });

  it("puts a cue larger than the budget on a page of its own rather than dropping it", () => {
    const t = lecture([
      { startMs: 0, durationMs: 1000, text: "short" },
      { startMs: 1000, durationMs: 1000, text: "long ".repeat(400) },
      { startMs: 2000, durationMs: 1000, text: "after" },
    ]);
    const pages = allPages(t, "text", 100);
    expect(pages.map((p) => [p.start, p.end])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(pages[1]?.tokens).toBeGreaterThan(100);
  });

  it("answers a transcript without segments with one empty page", () => {
    const page = transcriptPage(lecture([]), 0, { format: "json", maxTokens: 500 });
    expect([page.start, page.end]).toEqual([0, 0]);
    expect(JSON.parse(page.body).segments).toEqual([]);
  });

  it("refuses a start outside the transcript", () => {
    expect(() => transcriptPage(LONG, LONG.segments.length, { format: "text", maxTokens: 500 })).toThrow(
      RangeError,
    );
    expect(() => transcriptPage(LONG, -1, { format: "text", maxTokens: 500 })).toThrow(RangeError);
  });
});
