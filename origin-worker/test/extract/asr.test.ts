import { readFileSync } from "node:fs";
import { chunkTranscript, renderTranscript, type Segment, type Transcript } from "@ytt/shared";
import { describe, expect, it } from "vitest";
import { parseTimedtext } from "../../src/extract/parse/timedtext.js";

/** One ASR track in YouTube's json3, srv3 and format 1 shapes: see the README beside the files. */
const FIXTURES = new URL("../../../shared/test/fixtures/asr/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), "utf8");

const LINES = [
  "so this is the last step and it is very",
  "very simple you take the board",
  "[Music]",
  "[Music]",
  "and you put it back. That's it.",
];

function asrTranscript(segments: Segment[]): Transcript {
  return {
    video: {
      videoId: "dQw4w9WgXcQ",
      title: "Steps",
      channelName: "A channel",
      channelId: "UC1",
      chapters: [],
    },
    track: { languageCode: "en", name: "English (auto-generated)", kind: "asr", isTranslatable: true },
    segments,
  };
}

describe("ASR captions in the formats the worker reads", () => {
  const bodies = ["rolling.json3.json", "rolling.srv3.xml", "rolling.format1.xml"].map(fixture);

  it("carry each line once, with overlapping times: the same segments from all three formats", () => {
    const [json3, srv3, format1] = bodies.map(parseTimedtext);
    expect(json3?.map((s) => s.text)).toEqual(LINES);
    // Each line lasts until the line after next starts.
    expect(json3?.map((s) => [s.startMs, s.startMs + s.durationMs])).toEqual([
      [240, 5120],
      [2680, 7000],
      [5120, 9400],
      [7000, 11000],
      [9400, 12600],
    ]);
    expect(srv3).toEqual(json3);
    expect(format1).toEqual(json3);
  });

  it("render with every word kept, repeated speech too, and each cue ending where the next starts", () => {
    const t = asrTranscript(parseTimedtext(bodies[0] ?? ""));
    expect(renderTranscript(t, "text").body).toBe(LINES.map((line) => `${line}\n`).join(""));
    expect(renderTranscript(t, "markdown").body).toContain(
      "so this is the last step and it is very very simple you take the board \\[Music\\] \\[Music\\] and you put it back. That's it.\n",
    );
    const srtTimes = renderTranscript(t, "srt")
      .body.split("\n")
      .filter((line) => line.includes("-->"));
    expect(srtTimes).toEqual([
      "00:00:00,240 --> 00:00:02,680",
      "00:00:02,680 --> 00:00:05,120",
      "00:00:05,120 --> 00:00:07,000",
      "00:00:07,000 --> 00:00:09,400",
      "00:00:09,400 --> 00:00:12,600",
    ]);
    expect(chunkTranscript(t, { maxChars: 200 }).map((c) => [c.text, c.startMs, c.endMs])).toEqual([
      [LINES.join(" "), 240, 12_600],
    ]);
  });

  it("never read the one format whose ASR cues repeat the previous line: WebVTT is refused", () => {
    const vtt =
      "WEBVTT\nKind: captions\nLanguage: en\n\n00:00:00.240 --> 00:00:02.670 align:start position:0%\nso this is\n";
    expect(() => parseTimedtext(vtt)).toThrow(/unrecognised/);
  });
});
