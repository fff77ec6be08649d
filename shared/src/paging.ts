import { estimateTokens } from "./chunk.js";
import { type RenderedTranscript, renderTranscript, type TranscriptFormat } from "./render.js";
import type { Transcript } from "./transcript.js";

export interface PageOptions {
  format: TranscriptFormat;
  timestamps?: boolean;
  /** Budget of the whole rendered page (front matter, headings, JSON metadata included), in estimateTokens() tokens. */
  maxTokens: number;
}

export interface TranscriptPage extends RenderedTranscript {
  /** The page renders transcript.segments[start, end). */
  start: number;
  end: number;
  /** estimateTokens(body). */
  tokens: number;
}

/**
 * The page of a transcript that starts at segment `start`: the longest run of segments whose
 * rendering, with the shared renderers, stays within the budget. Each page is a rendering of its own
 * (a markdown page has the front matter and the chapter it starts in; a JSON page the video and
 * track), so a reader can take any page alone. A page holds at least one segment, even one that
 * alone exceeds the budget; a transcript without segments is one empty page.
 *
 * A rendering only grows as segments are added, so the end is found by doubling the run, then
 * bisecting: O(log n) renderings, none much more than twice the budget, however long the transcript.
 */
export function transcriptPage(t: Transcript, start: number, options: PageOptions): TranscriptPage {
  const count = t.segments.length;
  if (!Number.isInteger(start) || start < 0 || (start >= count && !(start === 0 && count === 0)))
    throw new RangeError(`transcriptPage: start ${start} is outside 0..${Math.max(0, count - 1)}`);
  const measure = (end: number): TranscriptPage => {
    const rendered = renderTranscript({ ...t, segments: t.segments.slice(start, end) }, options.format, {
      timestamps: options.timestamps ?? false,
    });
    return { ...rendered, start, end, tokens: estimateTokens(rendered.body) };
  };
  let fits = measure(Math.min(start + 1, count));
  if (fits.tokens > options.maxTokens) return fits;
  // Doubling: `fits` ends at the last run that fitted; `over` at the first that did not, if any.
  let over: number | undefined;
  for (let step = 1; fits.end < count; step *= 2) {
    const probe = measure(Math.min(count, fits.end + step));
    if (probe.tokens > options.maxTokens) {
      over = probe.end;
      break;
    }
    fits = probe;
  }
  while (over !== undefined && over - fits.end > 1) {
    const probe = measure(Math.floor((fits.end + over) / 2));
    if (probe.tokens > options.maxTokens) over = probe.end;
    else fits = probe;
  }
  return fits;
}
