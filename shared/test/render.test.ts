import { describe, expect, it } from "vitest";
import {
  DEFAULT_CUE_MS,
  decodeHtmlEntities,
  renderTranscript,
  TRANSCRIPT_CONTENT_TYPES,
  TRANSCRIPT_FORMATS,
  TranscriptFormatSchema,
} from "../src/render.js";
import { type Segment, type Transcript, TranscriptSchema } from "../src/transcript.js";
import { transcript } from "./support/transcript.js";

interface ParsedCue {
  index?: number;
  startMs: number;
  endMs: number;
  text: string;
}

function toMs(h: string, m: string, s: string, ms: string): number {
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(ms);
}

/** Strict SRT reader: fails the test on any deviation from the format. */
function parseSrt(body: string): ParsedCue[] {
  if (body === "") return [];
  expect(body.endsWith("\n")).toBe(true);
  expect(body).not.toMatch(/\n\n\n/);
  const cues: ParsedCue[] = [];
  for (const block of body.slice(0, -1).split("\n\n")) {
    const [index = "", timing = "", ...text] = block.split("\n");
    expect(index, block).toMatch(/^[1-9][0-9]*$/);
    const t = /^(\d{2,}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d),(\d{3})$/.exec(timing);
    expect(t, timing).not.toBeNull();
    if (!t) continue;
    expect(text.length, block).toBeGreaterThan(0);
    for (const line of text) {
      expect(line.trim(), block).not.toBe("");
      expect(line, block).not.toContain("-->");
    }
    cues.push({
      index: Number(index),
      startMs: toMs(t[1] ?? "", t[2] ?? "", t[3] ?? "", t[4] ?? ""),
      endMs: toMs(t[5] ?? "", t[6] ?? "", t[7] ?? "", t[8] ?? ""),
      text: text.join("\n"),
    });
  }
  expect(cues.map((c) => c.index)).toEqual(cues.map((_, i) => i + 1));
  return cues;
}

/** Strict WebVTT reader for the subset we write; decodes the three escapes. */
function parseVtt(body: string): ParsedCue[] {
  expect(body.startsWith("WEBVTT\n")).toBe(true);
  expect(body.endsWith("\n")).toBe(true);
  if (body === "WEBVTT\n") return [];
  expect(body.startsWith("WEBVTT\n\n")).toBe(true);
  expect(body).not.toMatch(/\n\n\n/);
  const cues: ParsedCue[] = [];
  for (const block of body.slice("WEBVTT\n\n".length, -1).split("\n\n")) {
    const [timing = "", ...text] = block.split("\n");
    const t = /^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$/.exec(
      timing,
    );
    expect(t, timing).not.toBeNull();
    if (!t) continue;
    expect(text.length, block).toBeGreaterThan(0);
    for (const line of text) {
      expect(line.trim(), block).not.toBe("");
      expect(line, block).not.toMatch(/[<>]|-->|&(?!amp;|lt;|gt;)/);
    }
    cues.push({
      startMs: toMs(t[1] ?? "", t[2] ?? "", t[3] ?? "", t[4] ?? ""),
      endMs: toMs(t[5] ?? "", t[6] ?? "", t[7] ?? "", t[8] ?? ""),
      text: text
        .join("\n")
        .replace(
          /&(amp|lt|gt);/g,
          (_, n: string) => ({ amp: "&", lt: "<", gt: ">" })[n as "amp" | "lt" | "gt"],
        ),
    });
  }
  return cues;
}

function expectWellTimed(cues: ParsedCue[]): void {
  cues.forEach((cue, i) => {
    expect(cue.endMs, cue.text).toBeGreaterThan(cue.startMs);
    const next = cues[i + 1];
    if (next) {
      expect(next.startMs).toBeGreaterThan(cue.startMs);
      expect(cue.endMs, cue.text).toBeLessThanOrEqual(next.startMs);
    }
  });
}

const SAMPLE = transcript([
  { startMs: 0, durationMs: 1540, text: "Hey, this is just a test" },
  { startMs: 1540, durationMs: 4160, text: "this is <i>not</i> the original transcript" },
  { startMs: 5000, durationMs: 500, text: "" },
  { startMs: 5700, durationMs: 3239, text: "Tom & Jerry --> \"quotes\" 'n' stuff" },
  { startMs: 9000, durationMs: 0, text: "   \n  " },
  { startMs: 9500, durationMs: 0, text: "last words\nover two lines" },
]);

describe("renderTranscript", () => {
  it("lists the formats with their content types", () => {
    expect(TRANSCRIPT_FORMATS).toEqual(["json", "text", "srt", "vtt", "markdown"]);
    for (const format of TRANSCRIPT_FORMATS) {
      expect(renderTranscript(SAMPLE, format).contentType).toBe(TRANSCRIPT_CONTENT_TYPES[format]);
      expect(TranscriptFormatSchema.safeParse(format).success).toBe(true);
    }
    expect(TRANSCRIPT_CONTENT_TYPES).toEqual({
      json: "application/json; charset=utf-8",
      text: "text/plain; charset=utf-8",
      srt: "application/x-subrip; charset=utf-8",
      vtt: "text/vtt; charset=utf-8",
      markdown: "text/markdown; charset=utf-8",
    });
    expect(TranscriptFormatSchema.safeParse("xml").success).toBe(false);
  });

  it("json is the transcript model, unchanged", () => {
    const { body } = renderTranscript(SAMPLE, "json");
    expect(TranscriptSchema.parse(JSON.parse(body))).toEqual(SAMPLE);
  });

  it("srt numbers cues from 1, drops blank segments, clips overlaps and gives zero durations an end", () => {
    const { body } = renderTranscript(SAMPLE, "srt");
    expect(parseSrt(body)).toEqual([
      { index: 1, startMs: 0, endMs: 1540, text: "Hey, this is just a test" },
      { index: 2, startMs: 1540, endMs: 5700, text: "this is <i>not</i> the original transcript" },
      { index: 3, startMs: 5700, endMs: 8939, text: "Tom & Jerry -> \"quotes\" 'n' stuff" },
      { index: 4, startMs: 9500, endMs: 9500 + DEFAULT_CUE_MS, text: "last words\nover two lines" },
    ]);
    expect(body.startsWith("1\n00:00:00,000 --> 00:00:01,540\nHey, this is just a test\n\n2\n")).toBe(true);
  });

  it("vtt has the header, escapes &, < and > and keeps the same timing", () => {
    const { body } = renderTranscript(SAMPLE, "vtt");
    expect(body).toContain("this is &lt;i&gt;not&lt;/i&gt; the original transcript");
    expect(body).toContain("Tom &amp; Jerry --&gt;");
    const cues = parseVtt(body);
    expect(cues).toEqual(
      parseSrt(renderTranscript(SAMPLE, "srt").body).map(({ index: _, ...cue }) => ({
        ...cue,
        text: cue.text.replace("->", "-->"),
      })),
    );
  });

  it("plain text is one line per cue, with optional timestamps", () => {
    expect(renderTranscript(SAMPLE, "text").body).toBe(
      "Hey, this is just a test\nthis is <i>not</i> the original transcript\nTom & Jerry --> \"quotes\" 'n' stuff\nlast words over two lines\n",
    );
    expect(renderTranscript(SAMPLE, "text", { timestamps: true }).body).toBe(
      "[00:00] Hey, this is just a test\n[00:01] this is <i>not</i> the original transcript\n[00:05] Tom & Jerry --> \"quotes\" 'n' stuff\n[00:09] last words over two lines\n",
    );
  });

  it("uses hours in text timestamps once the transcript passes an hour", () => {
    const long = transcript([
      { startMs: 61_000, durationMs: 1000, text: "a" },
      { startMs: 3_725_000, durationMs: 1000, text: "b" },
    ]);
    expect(renderTranscript(long, "text", { timestamps: true }).body).toBe("[00:01:01] a\n[01:02:05] b\n");
  });

  it("uses hours for every part of a video past an hour, its first minutes too (an MCP page is such a part)", () => {
    const start = transcript([{ startMs: 61_000, durationMs: 1000, text: "a" }]);
    start.video.durationMs = 3_725_000;
    expect(renderTranscript(start, "text", { timestamps: true }).body).toBe("[00:01:01] a\n");
    expect(renderTranscript(start, "markdown", { timestamps: true }).body).toContain(
      "[00:01:01](https://youtu.be/dQw4w9WgXcQ?t=61) a",
    );
    start.video.durationMs = 3_599_000;
    expect(renderTranscript(start, "text", { timestamps: true }).body).toBe("[01:01] a\n");
  });

  it("handles hours past 99", () => {
    const start = (123 * 3600 + 4 * 60 + 5) * 1000 + 67;
    const long = transcript([{ startMs: start, durationMs: 1000, text: "late" }]);
    expect(renderTranscript(long, "srt").body).toBe("1\n123:04:05,067 --> 123:04:06,067\nlate\n");
    expect(renderTranscript(long, "vtt").body).toBe("WEBVTT\n\n123:04:05.067 --> 123:04:06.067\nlate\n");
    expect(renderTranscript(long, "text", { timestamps: true }).body).toBe("[123:04:05] late\n");
    expect(parseSrt(renderTranscript(long, "srt").body)[0]?.startMs).toBe(start);
  });

  it("merges cues sharing a start, sorts out-of-order segments and clips a zero-duration cue to the next", () => {
    const messy = transcript([
      { startMs: 4000, durationMs: 1000, text: "third" },
      { startMs: 1000, durationMs: 0, text: "first" },
      { startMs: 2000, durationMs: 500, text: "second a" },
      { startMs: 2000, durationMs: 5000, text: "second b" },
    ]);
    const cues = parseSrt(renderTranscript(messy, "srt").body);
    expect(cues).toEqual([
      { index: 1, startMs: 1000, endMs: 2000, text: "first" },
      { index: 2, startMs: 2000, endMs: 4000, text: "second a\nsecond b" },
      { index: 3, startMs: 4000, endMs: 5000, text: "third" },
    ]);
    expectWellTimed(cues);
  });

  it("renders a transcript with no speech as valid empty documents", () => {
    const empty = transcript([{ startMs: 0, durationMs: 10, text: " " }]);
    expect(renderTranscript(empty, "srt").body).toBe("");
    expect(renderTranscript(empty, "vtt").body).toBe("WEBVTT\n");
    expect(renderTranscript(empty, "text").body).toBe("");
    expect(parseVtt(renderTranscript(empty, "vtt").body)).toEqual([]);
  });

  it("keeps every format valid for random segments", () => {
    let seed = 12345;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ["a", "b", " ", "\n", "\r\n", "<", ">", "&", "-->", "é", "\t", "&amp;"];
    for (let round = 0; round < 50; round++) {
      const segments: Segment[] = Array.from({ length: next(30) }, () => ({
        startMs: next(100_000),
        durationMs: next(3) === 0 ? 0 : next(10_000),
        text: Array.from({ length: next(8) }, () => alphabet[next(alphabet.length)]).join(""),
      }));
      const t = transcript(segments);
      const srt = parseSrt(renderTranscript(t, "srt").body);
      const vtt = parseVtt(renderTranscript(t, "vtt").body);
      expectWellTimed(srt);
      expectWellTimed(vtt);
      expect(vtt.map((c) => [c.startMs, c.endMs])).toEqual(srt.map((c) => [c.startMs, c.endMs]));
      const spoken = new Set(segments.filter((s) => s.text.trim() !== "").map((s) => s.startMs));
      expect(srt.length).toBe(spoken.size);
      const text = renderTranscript(t, "text").body;
      expect(text === "" ? 0 : text.split("\n").length - 1).toBe(spoken.size);
    }
  });
});

describe("decodeHtmlEntities", () => {
  it.each([
    ["Tom &amp; Jerry", "Tom & Jerry"],
    ["&lt;b&gt;", "<b>"],
    ["&quot;hi&quot; &#39;there&#39; &apos;you&apos;", "\"hi\" 'there' 'you'"],
    ["a&nbsp;b", "a\u00a0b"],
    ["&#65;&#x42;&#X43;&#x1F600;", "ABC😀"],
    ["&amp;lt;", "&lt;"],
    ["&amp;amp;", "&amp;"],
    ["&#38;lt;", "&lt;"],
    ["&copy; &unknown; & &; &#; &#x; &amp", "&copy; &unknown; & &; &#; &#x; &amp"],
    ["&#0; &#xD800; &#1114112; &#x110000;", "&#0; &#xD800; &#1114112; &#x110000;"],
    ["no entities", "no entities"],
    ["&AMP;", "&AMP;"],
  ])("%s", (input, expected) => {
    expect(decodeHtmlEntities(input)).toBe(expected);
  });

  it("is linear on long hostile input", () => {
    const hostile = "&#".repeat(200_000) + "&amp;".repeat(200_000);
    expect(decodeHtmlEntities(hostile)).toBe("&#".repeat(200_000) + "&".repeat(200_000));
  });
});

describe("markdown, for readers and language models", () => {
  const chaptered = (segments: Segment[]): Transcript => {
    const t = transcript(segments);
    return {
      ...t,
      video: {
        ...t.video,
        title: "How *not* to # panic",
        chapters: [
          { title: "Intro", startMs: 0 },
          { title: "The [middle]", startMs: 60_000 },
        ],
      },
    };
  };

  it("opens with front matter and the title, and makes chapters headings", () => {
    const body = renderTranscript(
      chaptered([
        { startMs: 0, durationMs: 2000, text: "Welcome." },
        { startMs: 61_000, durationMs: 2000, text: "Now the middle." },
      ]),
      "markdown",
    ).body;
    expect(body).toBe(
      [
        "---",
        'title: "How *not* to # panic"',
        'channel: "A channel"',
        "url: https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        'language: "en"',
        "kind: manual",
        "---",
        "",
        "# How \\*not\\* to \\# panic",
        "",
        "## Intro",
        "",
        "Welcome.",
        "",
        "## The \\[middle\\]",
        "",
        "Now the middle.",
        "",
      ].join("\n"),
    );
  });

  it("joins cues into paragraphs that end at a sentence, and links each to its moment with timestamps=true", () => {
    const sentence = "This sentence has exactly enough words to fill a paragraph in time.";
    const segments = Array.from({ length: 40 }, (_, i) => ({
      startMs: 3_700_000 + i * 3000,
      durationMs: 3000,
      text: sentence,
    }));
    const body = renderTranscript(transcript(segments), "markdown", { timestamps: true }).body;
    const paragraphs = body.split("\n\n").filter((p) => p.startsWith("["));
    expect(paragraphs.length).toBeGreaterThan(2);
    for (const p of paragraphs) {
      expect(p).toMatch(/^\[01:\d\d:\d\d\]\(https:\/\/youtu\.be\/dQw4w9WgXcQ\?t=\d+\) /);
      expect(p.trimEnd()).toMatch(/\.$/);
      expect(p.length).toBeLessThan(1300);
    }
    expect(paragraphs[0]).toMatch(/\?t=3700\) /);
    // Every cue's words are there, once, in order.
    const words = paragraphs.map((p) => p.replace(/^\S+ /, "").trim()).join(" ");
    expect(words).toBe(Array(40).fill(sentence).join(" "));
  });

  it("escapes what captions could use to write markup", () => {
    const body = renderTranscript(
      transcript([
        { startMs: 0, durationMs: 1000, text: "# not a heading [link](https://evil.example) <script>" },
      ]),
      "markdown",
    ).body;
    expect(body).toContain("\\# not a heading \\[link\\](https://evil.example) \\<script\\>");
    expect(body).not.toMatch(/^# not/m);
  });
});
