import type { Segment } from "@ytt/shared";

const COMBINING_MARKS = /\p{M}/gu;
const WHITESPACE = /\s+/u;

/**
 * Text as search compares it: compatibility-decomposed with the combining marks dropped (é → e,
 * ﬁ → fi, full-width letters → ASCII), lower-cased, runs of whitespace as one space.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize("NFKD")
    .replace(COMBINING_MARKS, "")
    .toLowerCase()
    .split(WHITESPACE)
    .filter((word) => word !== "")
    .join(" ");
}

/**
 * Indexes of the segments a phrase occurs in, in transcript order, each once. Segments are searched
 * as one running text, so a phrase that a cue break cuts in two is found, and names every segment
 * it spans. Case, accents and spacing do not matter (foldForSearch). An empty phrase finds nothing.
 */
export function matchingSegments(segments: readonly Segment[], phrase: string): number[] {
  const needle = foldForSearch(phrase);
  if (needle === "") return [];
  // The running text, and where each segment's part of it starts (segments with no text have none).
  const starts: number[] = [];
  const owners: number[] = [];
  let running = "";
  segments.forEach((segment, index) => {
    const folded = foldForSearch(segment.text);
    if (folded === "") return;
    if (running !== "") running += " ";
    starts.push(running.length);
    owners.push(index);
    running += folded;
  });
  const found = new Set<number>();
  for (let at = running.indexOf(needle); at >= 0; at = running.indexOf(needle, at + 1)) {
    const first = partAt(starts, at);
    const last = partAt(starts, at + needle.length - 1);
    for (let part = first; part <= last; part++) found.add(owners[part] as number);
  }
  return [...found].sort((a, b) => a - b);
}

/** The part of the running text that offset `at` falls in: the last start at or before it. */
function partAt(starts: readonly number[], at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((starts[mid] as number) <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
