import { decodeHtmlEntities, type Segment } from "@ytt/shared";

/**
 * Parsers for the three `/api/timedtext` formats. Each returns segments in order with integer
 * millisecond times and the caption text as the viewer reads it; cues that only carry layout
 * (json3 window events, newline-only append events, empty cues) are dropped.
 */

const toMs = (value: unknown): number => {
  const n = typeof value === "number" ? value : Number.parseFloat(String(value ?? "0"));
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
};

interface Json3Event {
  tStartMs?: number | string;
  dDurationMs?: number | string;
  aAppend?: number | string;
  segs?: { utf8?: string }[];
}

export function parseJson3(body: string): Segment[] {
  const data = JSON.parse(body) as { events?: Json3Event[] };
  const segments: Segment[] = [];
  for (const event of data.events ?? []) {
    if (!event.segs) continue;
    const text = event.segs.map((s) => s.utf8 ?? "").join("");
    if (text.trim() === "") continue;
    const previous = segments.at(-1);
    // An append event continues the cue on screen rather than starting a new one.
    if (event.aAppend && Number(event.aAppend) === 1 && previous) {
      previous.text += text;
      continue;
    }
    segments.push({ startMs: toMs(event.tStartMs), durationMs: toMs(event.dDurationMs), text });
  }
  return segments;
}

/** A name starts only where no name character precedes it, so a long run of them is read once. */
const ATTRIBUTE = /(?<![-\w:.])([a-zA-Z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function attributes(source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of source.matchAll(ATTRIBUTE)) out[m[1] as string] = decodeHtmlEntities(m[2] ?? m[3] ?? "");
  return out;
}

/**
 * Elements `<name attrs>inner</name>` or `<name attrs/>`, not nested in themselves. Found by
 * scanning forward (indexOf), not by a lazy pattern: a body of unclosed elements would make a
 * pattern search to the end from every one of them.
 */
function* elements(xml: string, name: string): Generator<{ attrs: Record<string, string>; inner: string }> {
  const open = `<${name}`;
  const close = `</${name}>`;
  for (let at = xml.indexOf(open); at >= 0; at = xml.indexOf(open, at)) {
    const nameEnd = at + open.length;
    const next = xml[nameEnd] ?? "";
    // `<pen` is not `<p`: the name must end here.
    if (next !== ">" && next !== "/" && next.trim() !== "") {
      at = nameEnd;
      continue;
    }
    const tagEnd = xml.indexOf(">", nameEnd);
    if (tagEnd < 0) return;
    if (xml[tagEnd - 1] === "/") {
      yield { attrs: attributes(xml.slice(nameEnd, tagEnd - 1)), inner: "" };
      at = tagEnd + 1;
      continue;
    }
    const end = xml.indexOf(close, tagEnd + 1);
    // Unclosed: no later element of this name can close either.
    if (end < 0) return;
    yield { attrs: attributes(xml.slice(nameEnd, tagEnd)), inner: xml.slice(tagEnd + 1, end) };
    at = end + close.length;
  }
}

/** `[^<>]`: a run of unclosed `<` is scanned once, not once per `<`. */
const TAG = /<[^<>]*>/g;

export function parseSrv3(body: string): Segment[] {
  const segments: Segment[] = [];
  const bodyStart = body.indexOf("<body");
  for (const p of elements(bodyStart >= 0 ? body.slice(bodyStart) : body, "p")) {
    // Word spans (<s>) concatenate to the cue; the markup itself is not text.
    const text = decodeHtmlEntities(p.inner.replace(TAG, ""));
    if (text.trim() === "") continue;
    segments.push({ startMs: toMs(p.attrs.t), durationMs: toMs(p.attrs.d), text });
  }
  return segments;
}

/** Formatting YouTube keeps inside format 1 cues; anything else that looks like a tag is text. */
const FORMAT_TAG = /<\/?(?:i|b|u|font)(?:\s[^>]*)?>/gi;

export function parseFormat1(body: string): Segment[] {
  const segments: Segment[] = [];
  for (const t of elements(body, "text")) {
    // Format 1 is HTML inside XML: one decode for XML, formatting tags out, one decode for HTML.
    const html = decodeHtmlEntities(t.inner);
    const text = decodeHtmlEntities(html.replace(FORMAT_TAG, ""));
    if (text.trim() === "") continue;
    const start = Number.parseFloat(t.attrs.start ?? "0");
    const duration = t.attrs.dur === undefined ? 0 : Number.parseFloat(t.attrs.dur);
    segments.push({ startMs: toMs(start * 1000), durationMs: toMs(duration * 1000), text });
  }
  return segments;
}

/** Parses a timedtext body by its content, whatever `fmt` was asked for. */
export function parseTimedtext(body: string): Segment[] {
  const head = body.trimStart().slice(0, 200);
  if (head.startsWith("{")) return parseJson3(body);
  if (head.includes("<timedtext")) return parseSrv3(body);
  if (head.includes("<transcript")) return parseFormat1(body);
  throw new Error(`unrecognised timedtext body: ${JSON.stringify(head.slice(0, 40))}`);
}
