import { describe, expect, it } from "vitest";
import { type ChunkOptions, chunkTranscript, estimateTokens } from "../src/chunk.js";
import { DEFAULT_CUE_MS } from "../src/render.js";
import type { Segment, Transcript } from "../src/transcript.js";
import { transcript } from "./support/transcript.js";

/** Cues two seconds apart, each lasting two seconds. */
function cues(...texts: string[]): Segment[] {
  return texts.map((text, i) => ({ startMs: i * 2000, durationMs: 2000, text }));
}

/** Deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ (t + t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "so",
  "the",
  "transcript",
  "it's",
  "42",
  "café",
  "Привет",
  "日本語です",
  "🎉",
  "a",
  "very-long-hyphenated-word",
];

function randomTranscript(random: () => number): Transcript {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const segments: Segment[] = [];
  let t = 0;
  const n = Math.floor(random() * 60);
  for (let i = 0; i < n; i++) {
    // Numbered, so no two words are alike and where a chunk's text comes from is never ambiguous.
    const words = Array.from(
      { length: Math.floor(random() * (random() < 0.05 ? 400 : 15)) },
      (_, j) => `${pick(WORDS)}${i}_${j}`,
    );
    const end = pick(["", "", ".", "?", "!", "。", '."']);
    const text = random() < 0.1 ? "   " : `${words.join(pick([" ", "  ", "\n"]))}${end}`;
    const durationMs = random() < 0.1 ? 0 : Math.floor(random() * 5000);
    segments.push({ startMs: t, durationMs, text });
    t += Math.floor(random() * 4000);
  }
  return transcript(segments);
}

function size(text: string, opts: ChunkOptions): number {
  return opts.maxChars !== undefined ? text.length : estimateTokens(text);
}

/** Text without its whitespace: what chunking must keep, in order. */
function squash(text: string): string {
  return text.replaceAll(/\s/g, "");
}

/** The shortest prefix of text holding its first n non-space characters, without trailing space. */
function prefixOf(text: string, n: number): string {
  let seen = 0;
  let i = 0;
  while (seen < n) {
    if (!/\s/.test(text[i] ?? "")) seen++;
    i++;
  }
  return text.slice(0, i);
}

describe("estimateTokens", () => {
  it("counts about four Latin letters per token, rounding up", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("a")).toBe(1);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("abcde")).toBe(2);
    // 45 letters and spaces: 12 tokens; GPT tokenizers give 10 for this sentence.
    expect(estimateTokens("the quick brown fox jumps over the lazy dog a")).toBe(12);
  });

  it("counts digits, punctuation and accented letters at half a token", () => {
    expect(estimateTokens("1234")).toBe(2);
    expect(estimateTokens("....")).toBe(2);
    expect(estimateTokens("éééé")).toBe(2);
  });

  it("counts one token per character in CJK and other non-Latin scripts, two per emoji", () => {
    expect(estimateTokens("日本語です")).toBe(5);
    expect(estimateTokens("Привет")).toBe(6);
    expect(estimateTokens("🎉")).toBe(2);
  });
});

describe("chunkTranscript", () => {
  it("keeps every chunk within its budget, loses no text, and repeats no more than the overlap (generated transcripts)", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const t = randomTranscript(random);
      const budget = 2 + Math.floor(random() * 300);
      const overlap = random() < 0.3 ? 0 : Math.floor(random() * (budget / 2));
      const opts: ChunkOptions =
        random() < 0.5 ? { maxChars: budget, overlap } : { maxTokens: budget, overlap };
      const chunks = chunkTranscript(t, opts);
      const context = `seed ${seed} ${JSON.stringify(opts)}`;
      // Spaces aside (a split word is joined with one), the chunks carry the transcript's text in order.
      const all = squash(t.segments.map((s) => s.text).join(""));
      let done = 0;
      // Problems are collected and asserted once: an expect per chunk would make this test slow.
      const problems: string[] = [];
      chunks.forEach((chunk, i) => {
        const where = `chunk ${i}`;
        if (chunk.index !== i) problems.push(`${where}: index ${chunk.index}`);
        if (size(chunk.text, opts) > budget) problems.push(`${where}: over the budget`);
        if (chunk.endMs < chunk.startMs) problems.push(`${where}: ends before it starts`);
        if (chunk.firstSegment > chunk.lastSegment) problems.push(`${where}: segment range reversed`);
        if (chunk.url !== `https://youtu.be/dQw4w9WgXcQ?t=${Math.floor(chunk.startMs / 1000)}`)
          problems.push(`${where}: url ${chunk.url}`);
        const text = squash(chunk.text);
        const previous = squash(chunks[i - 1]?.text ?? "");
        // The chunk is a repeat of the previous chunk's end (within the overlap) and then at least
        // one new character, going on exactly where the transcript stopped. No repeat is longer
        // than the overlap allows: a character weighs at least a quarter token.
        let repeated = Math.min(previous.length, text.length - 1, 4 * overlap);
        while (
          repeated >= 0 &&
          !(
            previous.endsWith(text.slice(0, repeated)) &&
            all.startsWith(text.slice(repeated), done) &&
            size(prefixOf(chunk.text, repeated), opts) <= overlap
          )
        )
          repeated--;
        if (repeated < 0) problems.push(`${where}: not the overlap and then the text that follows`);
        done += text.length - Math.max(repeated, 0);
      });
      expect(problems, context).toEqual([]);
      expect(done, context).toBe(all.length);
    }
  });

  it("ends a chunk at a sentence end when that keeps it at least half full", () => {
    const t = transcript(cues("One two three four.", "Five six seven", "eight nine ten.", "Eleven."));
    // 19 + 1 + 14 = 34 fits in 36, adding "eight nine ten." would not; 19 is at least half of 36.
    const chunks = chunkTranscript(t, { maxChars: 36 });
    expect(chunks.map((c) => c.text)).toEqual([
      "One two three four.",
      "Five six seven eight nine ten.",
      "Eleven.",
    ]);
    expect(chunks.map((c) => [c.firstSegment, c.lastSegment])).toEqual([
      [0, 0],
      [1, 2],
      [3, 3],
    ]);
  });

  it("fills a chunk to the last cue that fits when no sentence ends in its second half", () => {
    const t = transcript(cues("Hi.", "one two three four", "five six seven eight", "nine ten"));
    const chunks = chunkTranscript(t, { maxChars: 45 });
    expect(chunks.map((c) => c.text)).toEqual(["Hi. one two three four five six seven eight", "nine ten"]);
  });

  it("gives each chunk its first cue's start and its last cue's end, and a deep link to the start", () => {
    const t = transcript([
      { startMs: 61_500, durationMs: 2000, text: "first cue" },
      { startMs: 63_000, durationMs: 5000, text: "second cue two" },
      { startMs: 70_000, durationMs: 0, text: "third" },
      { startMs: 125_999, durationMs: 1000, text: "fourth cue" },
    ]);
    const chunks = chunkTranscript(t, { maxChars: 20 });
    expect(chunks).toEqual([
      {
        index: 0,
        startMs: 61_500,
        // Clipped to the next cue's start, as the SRT renderer prints it.
        endMs: 63_000,
        text: "first cue",
        url: "https://youtu.be/dQw4w9WgXcQ?t=61",
        firstSegment: 0,
        lastSegment: 0,
      },
      {
        index: 1,
        startMs: 63_000,
        endMs: 70_000 + DEFAULT_CUE_MS,
        text: "second cue two third",
        url: "https://youtu.be/dQw4w9WgXcQ?t=63",
        firstSegment: 1,
        lastSegment: 2,
      },
      {
        index: 2,
        startMs: 125_999,
        endMs: 126_999,
        text: "fourth cue",
        url: "https://youtu.be/dQw4w9WgXcQ?t=125",
        firstSegment: 3,
        lastSegment: 3,
      },
    ]);
  });

  it("starts the next chunk with the previous chunk's trailing cues that fit in the overlap", () => {
    const t = transcript(cues("aaaa", "bbbb", "cccc", "dddd", "eeee", "ffff"));
    const chunks = chunkTranscript(t, { maxChars: 14, overlap: 7 });
    expect(chunks.map((c) => c.text)).toEqual(["aaaa bbbb cccc", "cccc dddd eeee", "eeee ffff"]);
    expect(chunks.map((c) => [c.firstSegment, c.lastSegment])).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
  });

  it("repeats fewer cues when the whole overlap would leave no room for the next cue", () => {
    const t = transcript(cues("aaaa", "bbbb", "cccc", "dddddddddddddd"));
    // "bbbb cccc" fits in the overlap, but with it the 14-character cue would not fit in 19.
    expect(chunkTranscript(t, { maxChars: 19, overlap: 9 }).map((c) => c.text)).toEqual([
      "aaaa bbbb cccc",
      "cccc dddddddddddddd",
    ]);
  });

  it("returns no chunks for an empty or blank transcript", () => {
    expect(chunkTranscript(transcript([]), { maxChars: 200 })).toEqual([]);
    expect(chunkTranscript(transcript(cues("  ", "\n")), { maxTokens: 50 })).toEqual([]);
  });

  it("splits one huge cue at spaces, sharing out its time by length", () => {
    const text = Array.from({ length: 100 }, (_, i) => `w${String(i).padStart(2, "0")}`).join(" ");
    const t = transcript([{ startMs: 10_000, durationMs: 39_900, text }]);
    const chunks = chunkTranscript(t, { maxChars: 200 });
    expect(chunks.map((c) => c.text.length)).toEqual([199, 199]);
    expect(chunks.map((c) => c.text).join(" ")).toBe(text);
    expect(chunks.map((c) => [c.firstSegment, c.lastSegment])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    // 399 characters over 39.9 s, 100 ms each: the second part starts at character 200.
    expect(chunks.map((c) => [c.startMs, c.endMs])).toEqual([
      [10_000, 29_900],
      [30_000, 49_900],
    ]);
  });

  it("cuts a word longer than the budget between characters, never inside a surrogate pair", () => {
    const t = transcript(cues("日本語🎉日本語🎉日本語🎉"));
    const chunks = chunkTranscript(t, { maxTokens: 4 });
    for (const c of chunks) expect(estimateTokens(c.text)).toBeLessThanOrEqual(4);
    expect(chunks.map((c) => c.text).join("")).toBe("日本語🎉日本語🎉日本語🎉");
    expect(chunks.map((c) => c.text)).toEqual(["日本語", "🎉日本", "語🎉日", "本語🎉"]);
  });

  it("splits every cue when the budget is smaller than any cue", () => {
    const t = transcript(cues("one two three", "four five six"));
    const chunks = chunkTranscript(t, { maxChars: 9 });
    expect(chunks.map((c) => c.text)).toEqual(["one two", "three", "four five", "six"]);
    expect(chunks.map((c) => c.firstSegment)).toEqual([0, 0, 1, 1]);
  });

  it("rejects a missing or double budget, a budget under 2 and an overlap over half the budget", () => {
    const t = transcript(cues("x"));
    expect(() => chunkTranscript(t, {})).toThrow(RangeError);
    expect(() => chunkTranscript(t, { maxChars: 10, maxTokens: 10 })).toThrow(RangeError);
    expect(() => chunkTranscript(t, { maxChars: 1 })).toThrow(RangeError);
    expect(() => chunkTranscript(t, { maxChars: 10.5 })).toThrow(RangeError);
    expect(() => chunkTranscript(t, { maxChars: 10, overlap: 6 })).toThrow(RangeError);
    expect(chunkTranscript(t, { maxChars: 10, overlap: 5 })).toHaveLength(1);
  });
});
