import type { Segment } from "@ytt/shared";
import type { CatalogueTrack } from "./catalogue.js";

/**
 * `/api/timedtext` bodies in the three formats YouTube answers, with the quirks of the real ones:
 * json3 window events without `segs`, ASR cues split into word segments followed by newline-only
 * append events; srv3 `<p t d>` with `<s>` word spans; format 1 in seconds and HTML-in-XML escaped.
 */

export type TimedtextFormat = "json3" | "srv3" | "format1";

const xmlEscape = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
const htmlEscape = (s: string) => xmlEscape(s).replaceAll("'", "&#39;");

/** ASR cues arrive as words: the first at the cue start, the rest with offsets. */
function words(text: string): { utf8: string; offsetMs: number }[] {
  return text.split(/(?= )/).map((utf8, i) => ({ utf8, offsetMs: i * 240 }));
}

/**
 * The newline an ASR line's window gets 10 ms before the next line starts, lasting until this line
 * leaves, as in YouTube's json3 and srv3 (shared/test/fixtures/asr/README.md); none after the last.
 */
function newlineBefore(
  s: Segment,
  next: Segment | undefined,
): { tStartMs: number; dDurationMs: number } | undefined {
  if (!next) return undefined;
  const tStartMs = next.startMs - 10;
  return { tStartMs, dDurationMs: Math.max(10, s.startMs + s.durationMs - tStartMs) };
}

function json3(track: CatalogueTrack, segments: Segment[]): string {
  const events: unknown[] = [];
  const last = segments.at(-1);
  const total = last ? last.startMs + last.durationMs : 0;
  if (track.kind === "asr") {
    events.push({ tStartMs: 0, dDurationMs: total, id: 1, wpWinPosId: 1, wsWinStyleId: 1 });
    segments.forEach((s, index) => {
      events.push({
        tStartMs: s.startMs,
        dDurationMs: s.durationMs,
        wWinId: 1,
        segs: words(s.text).map((w, i) =>
          i === 0 ? { utf8: w.utf8, acAsrConf: 0 } : { utf8: w.utf8, tOffsetMs: w.offsetMs, acAsrConf: 0 },
        ),
      });
      const append = newlineBefore(s, segments[index + 1]);
      if (append) events.push({ ...append, wWinId: 1, aAppend: 1, segs: [{ utf8: "\n" }] });
    });
  } else {
    for (const s of segments)
      events.push({ tStartMs: s.startMs, dDurationMs: s.durationMs, segs: [{ utf8: s.text }] });
  }
  return JSON.stringify({
    wireMagic: "pb3",
    pens: [{}],
    wsWinStyles: [{}, { mhModeHint: 2, juJustifCode: 0, sdScrollDir: 3 }],
    wpWinPositions: [{}, { apPoint: 6, ahHorPos: 20, avVerPos: 100, rcRows: 2, ccCols: 40 }],
    events,
  });
}

function srv3(track: CatalogueTrack, segments: Segment[]): string {
  const body = segments.map((s, index) => {
    if (track.kind !== "asr") return `<p t="${s.startMs}" d="${s.durationMs}">${xmlEscape(s.text)}</p>`;
    const spans = words(s.text)
      .map((w, i) => `<s${i ? ` t="${w.offsetMs}"` : ""} ac="0">${xmlEscape(w.utf8)}</s>`)
      .join("");
    const append = newlineBefore(s, segments[index + 1]);
    const newline = append ? `\n<p t="${append.tStartMs}" d="${append.dDurationMs}" w="1" a="1">\n</p>` : "";
    return `<p t="${s.startMs}" d="${s.durationMs}" w="1">${spans}</p>${newline}`;
  });
  return `<?xml version="1.0" encoding="utf-8" ?><timedtext format="3">\n<head>\n<ws id="0"/>\n<ws id="1" mh="2" ju="0" sd="3"/>\n<wp id="0"/>\n<wp id="1" ap="6" ah="20" av="100" rc="2" cc="40"/>\n</head>\n<body>\n${body.join("\n")}\n</body>\n</timedtext>\n`;
}

const seconds = (ms: number) => String(ms / 1000);

function format1(segments: Segment[]): string {
  const lines = segments.map(
    (s) =>
      `<text start="${seconds(s.startMs)}" dur="${seconds(s.durationMs)}">${xmlEscape(htmlEscape(s.text))}</text>`,
  );
  return `<?xml version="1.0" encoding="utf-8" ?><transcript>${lines.join("")}</transcript>`;
}

export function renderTimedtext(format: TimedtextFormat, track: CatalogueTrack, segments: Segment[]) {
  switch (format) {
    case "json3":
      return { body: json3(track, segments), contentType: "application/json; charset=UTF-8" };
    case "srv3":
      return { body: srv3(track, segments), contentType: "text/xml; charset=UTF-8" };
    case "format1":
      return { body: format1(segments), contentType: "text/xml; charset=UTF-8" };
  }
}

/** YouTube picks the format from `fmt`; no `fmt` (or an unknown one) is format 1. */
export function timedtextFormat(fmt: string | null): TimedtextFormat {
  return fmt === "json3" || fmt === "srv3" ? fmt : "format1";
}
