import { z } from "zod";
import { DEFAULT_CUE_MS } from "./render.js";
import { endsSentence, textLines } from "./text.js";
import type { Transcript } from "./transcript.js";
import { momentUrl } from "./video-ref.js";

/**
 * Token estimate for a hard budget when the reader's tokenizer is unknown, so it errs high.
 * Weights per UTF-16 code unit, in quarter tokens:
 * - ASCII letters and spaces 1 (¼ token): English runs at ~4–5.5 characters per token in the GPT
 *   and Claude tokenizers, so English prose is overestimated by 0–35%;
 * - other ASCII (digits, punctuation) and Latin-script letters with accents (U+0080–U+024F) 2:
 *   digits go in groups of at most three, punctuation and accented words split more often;
 * - everything else 4 (one token): Cyrillic, Greek, Arabic, Indic and Thai run at 1–3 characters
 *   per token, Chinese, Japanese and Korean at about one character per token; an emoji or other
 *   character outside the BMP is two code units, so two tokens, which is what they usually cost.
 * The result is the ceiling, so a non-empty text is at least one token.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(quarterTokens(text) / 4);
}

function quarterTokens(text: string): number {
  let q = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) q += isAsciiLetterOrSpace(c) ? 1 : 2;
    else q += c <= 0x24f ? 2 : 4;
  }
  return q;
}

function isAsciiLetterOrSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Budget bounds the API accepts, shared so the REST routes and the MCP tools agree. Characters are
 * UTF-16 code units (JavaScript's String.length; never fewer than a code point count).
 */
export const CHUNK_LIMITS = {
  chars: { min: 200, max: 100_000 },
  tokens: { min: 50, max: 25_000 },
} as const;

export interface ChunkOptions {
  /** Budget in characters (UTF-16 code units). Exactly one of maxChars and maxTokens. */
  maxChars?: number;
  /** Budget in estimateTokens() tokens. */
  maxTokens?: number;
  /** How much of the end of a chunk to repeat at the start of the next, in the budget's unit; at most half the budget. */
  overlap?: number;
}

export const TranscriptChunkSchema = z.object({
  index: z.number().int().nonnegative(),
  startMs: z.number().int().nonnegative().describe("Start of the chunk's first cue (or part of a cue)."),
  endMs: z
    .number()
    .int()
    .nonnegative()
    .describe("End of its last cue: the end the SRT and WebVTT renderings print."),
  text: z.string().describe("The cues' text joined with single spaces, within the budget."),
  url: z.string().describe("The moment the chunk starts, on YouTube: https://youtu.be/ID?t=seconds."),
  firstSegment: z
    .number()
    .int()
    .nonnegative()
    .describe("Index into segments of the first cue the chunk draws on."),
  lastSegment: z
    .number()
    .int()
    .nonnegative()
    .describe("Index into segments of the last cue the chunk draws on (inclusive)."),
});
export type TranscriptChunk = z.infer<typeof TranscriptChunkSchema>;

/** A cue, or a part of a cue too long for the budget, with its weight in the budget's unit. */
interface Piece {
  segment: number;
  startMs: number;
  endMs: number;
  text: string;
  weight: number;
}

/**
 * Splits a transcript into chunks no larger than the budget, for a reader with a fixed context
 * (a language model, an embedding index). Segments are taken in the transcript's order, which is
 * time order as extracted. A chunk ends at the last sentence end that keeps at least half of the
 * room it had for new text, else at the last cue that fits; a cue larger than the whole budget is
 * cut at spaces (or, for a longer word, anywhere but inside a surrogate pair) with its time shared
 * out by length. With overlap, a chunk starts with the previous chunk's trailing cues that fit in
 * it, so a reader sees each cut with some context; a chunk always brings at least one new cue.
 */
export function chunkTranscript(transcript: Transcript, options: ChunkOptions): TranscriptChunk[] {
  const { maxChars, maxTokens, overlap = 0 } = options;
  if ((maxChars === undefined) === (maxTokens === undefined))
    throw new RangeError("chunkTranscript: give exactly one of maxChars and maxTokens");
  const budget = maxChars ?? maxTokens ?? 0;
  // Two units fit any one character: a surrogate pair is two code units, or two tokens.
  if (!Number.isInteger(budget) || budget < 2)
    throw new RangeError("chunkTranscript: budget must be an integer of at least 2");
  if (!Number.isInteger(overlap) || overlap < 0 || overlap * 2 > budget)
    throw new RangeError("chunkTranscript: overlap must be an integer from 0 to half the budget");
  // Tokens are counted in quarters, so a chunk fits when its quarter count is at most 4 × budget.
  const scale = maxChars === undefined ? 4 : 1;
  const weigh = maxChars === undefined ? quarterTokens : (text: string) => text.length;
  const limit = budget * scale;
  const overlapLimit = overlap * scale;
  const sep = weigh(" ");

  const pieces = toPieces(transcript, weigh, limit);
  const videoId = transcript.video.videoId;
  const chunks: TranscriptChunk[] = [];
  let carry: Piece[] = [];
  let next = 0;
  while (next < pieces.length) {
    const first = pieces[next] as Piece;
    // Repeat only as much overlap as leaves room for the first new piece.
    let weight = joinedWeight(carry, sep);
    let drop = 0;
    while (drop < carry.length && weight + sep + first.weight > limit) {
      weight -= (carry[drop] as Piece).weight + (drop < carry.length - 1 ? sep : 0);
      drop++;
    }
    carry = carry.slice(drop);
    const chunk = [...carry];
    const room = limit - weight;
    let sentenceCut = -1;
    let sentenceWeight = 0;
    for (; next < pieces.length; next++) {
      const piece = pieces[next] as Piece;
      const added = weight + (chunk.length > 0 ? sep : 0) + piece.weight;
      if (added > limit) break;
      chunk.push(piece);
      weight = added;
      if (endsSentence(piece.text)) {
        sentenceCut = chunk.length;
        sentenceWeight = weight;
      }
    }
    const full = next < pieces.length;
    if (full && sentenceCut > carry.length && sentenceWeight - (limit - room) >= room / 2) {
      next -= chunk.length - sentenceCut;
      chunk.length = sentenceCut;
    }
    chunks.push(toChunk(chunks.length, chunk, videoId));
    let from = chunk.length;
    let carried = 0;
    while (from > 0) {
      const more = carried + (from < chunk.length ? sep : 0) + (chunk[from - 1] as Piece).weight;
      if (more > overlapLimit) break;
      carried = more;
      from--;
    }
    carry = chunk.slice(from);
  }
  return chunks;
}

function joinedWeight(pieces: readonly Piece[], sep: number): number {
  let w = 0;
  for (const p of pieces) w += p.weight;
  return pieces.length > 0 ? w + sep * (pieces.length - 1) : 0;
}

function toChunk(index: number, pieces: readonly Piece[], videoId: string): TranscriptChunk {
  const first = pieces[0] as Piece;
  const last = pieces.at(-1) as Piece;
  return {
    index,
    startMs: first.startMs,
    endMs: last.endMs,
    text: pieces.map((p) => p.text).join(" "),
    url: momentUrl(videoId, first.startMs),
    firstSegment: first.segment,
    lastSegment: last.segment,
  };
}

/**
 * Non-blank segments as pieces: lines joined with spaces, each ending where the renderers end it
 * (DEFAULT_CUE_MS when it has no duration, never past the next cue's start); a piece heavier than
 * the limit is cut into parts that fit.
 */
function toPieces(transcript: Transcript, weigh: (text: string) => number, limit: number): Piece[] {
  const cues = transcript.segments
    .map((s, segment) => ({
      segment,
      startMs: s.startMs,
      durationMs: s.durationMs,
      text: textLines(s.text).join(" "),
    }))
    .filter((c) => c.text !== "");
  const pieces: Piece[] = [];
  cues.forEach((cue, i) => {
    const nextStart = cues[i + 1]?.startMs;
    let endMs = cue.startMs + (cue.durationMs > 0 ? cue.durationMs : DEFAULT_CUE_MS);
    if (nextStart !== undefined && nextStart > cue.startMs) endMs = Math.min(endMs, nextStart);
    const weight = weigh(cue.text);
    if (weight <= limit) {
      pieces.push({ segment: cue.segment, startMs: cue.startMs, endMs, text: cue.text, weight });
      return;
    }
    const at = (chars: number) => cue.startMs + Math.floor(((endMs - cue.startMs) * chars) / cue.text.length);
    for (const part of splitText(cue.text, weigh, limit))
      pieces.push({
        segment: cue.segment,
        startMs: at(part.begin),
        endMs: at(part.end),
        text: part.text,
        weight: weigh(part.text),
      });
  });
  return pieces;
}

/**
 * Cuts text into parts within the limit, at spaces, and a word heavier than the limit between code
 * points; each part with its [begin, end) offsets in text, for its share of the cue's time.
 * Weights add up over code units (both weigh functions do), so the parts are weighed as they grow.
 */
function splitText(
  text: string,
  weigh: (text: string) => number,
  limit: number,
): { text: string; begin: number; end: number }[] {
  const parts: { text: string; begin: number; end: number }[] = [];
  const sep = weigh(" ");
  let part: { words: string[]; begin: number; end: number; weight: number } | undefined;
  const add = (word: string, begin: number) => {
    const w = weigh(word);
    if (part && part.weight + sep + w <= limit) {
      part.words.push(word);
      part.end = begin + word.length;
      part.weight += sep + w;
      return;
    }
    if (part) parts.push({ text: part.words.join(" "), begin: part.begin, end: part.end });
    part = { words: [word], begin, end: begin + word.length, weight: w };
  };
  let i = 0;
  while (i < text.length) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    let j = text.indexOf(" ", i);
    if (j < 0) j = text.length;
    const word = text.slice(i, j);
    if (weigh(word) <= limit) add(word, i);
    else {
      let begin = i;
      let w = 0;
      for (const ch of word) {
        const cw = weigh(ch);
        if (w + cw > limit) {
          add(text.slice(begin, i), begin);
          begin = i;
          w = 0;
        }
        w += cw;
        i += ch.length;
      }
      add(text.slice(begin, i), begin);
    }
    i = j;
  }
  if (part) parts.push({ text: part.words.join(" "), begin: part.begin, end: part.end });
  return parts;
}
