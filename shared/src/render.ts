import { z } from "zod";
import { endsSentence, textLines } from "./text.js";
import type { Segment, Transcript } from "./transcript.js";
import { momentUrl, watchUrl } from "./video-ref.js";

export const TRANSCRIPT_FORMATS = ["json", "text", "srt", "vtt", "markdown"] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];
export const TranscriptFormatSchema = z.enum(TRANSCRIPT_FORMATS);

export const TRANSCRIPT_CONTENT_TYPES: Record<TranscriptFormat, string> = {
  json: "application/json; charset=utf-8",
  text: "text/plain; charset=utf-8",
  srt: "application/x-subrip; charset=utf-8",
  vtt: "text/vtt; charset=utf-8",
  markdown: "text/markdown; charset=utf-8",
};

export interface RenderOptions {
  /**
   * Plain text: prefix each line with its start time as [mm:ss], or [hh:mm:ss] when the video runs
   * past an hour. Markdown: start each paragraph with that time, linked to the moment in the video.
   */
  timestamps?: boolean;
}

export interface RenderedTranscript {
  body: string;
  contentType: string;
}

/** How long a cue with no duration stays on screen, unless the next cue starts sooner. */
export const DEFAULT_CUE_MS = 3000;

/** A cue ready to print: non-empty text, end after start, never overlapping the next cue. */
interface Cue {
  startMs: number;
  endMs: number;
  lines: string[];
}

export function renderTranscript(
  t: Transcript,
  format: TranscriptFormat,
  opts: RenderOptions = {},
): RenderedTranscript {
  const contentType = TRANSCRIPT_CONTENT_TYPES[format];
  switch (format) {
    case "json":
      return { body: JSON.stringify(t), contentType };
    case "text":
      return { body: renderText(t, toCues(t.segments), opts.timestamps ?? false), contentType };
    case "srt":
      return { body: renderSrt(toCues(t.segments)), contentType };
    case "vtt":
      return { body: renderVtt(toCues(t.segments)), contentType };
    case "markdown":
      return { body: renderMarkdown(t, toCues(t.segments), opts.timestamps ?? false), contentType };
  }
}

/**
 * Segments → cues: blank segments dropped, segments sharing a start merged into one cue,
 * zero durations given DEFAULT_CUE_MS, and each end clipped to the next cue's start.
 */
function toCues(segments: readonly Segment[]): Cue[] {
  const sorted = segments
    .map((s) => ({ ...s, lines: textLines(s.text) }))
    .filter((s) => s.lines.length > 0)
    .sort((a, b) => a.startMs - b.startMs);
  const cues: Cue[] = [];
  for (const s of sorted) {
    const endMs = s.startMs + (s.durationMs > 0 ? s.durationMs : DEFAULT_CUE_MS);
    const last = cues.at(-1);
    if (last && last.startMs === s.startMs) {
      last.lines.push(...s.lines);
      last.endMs = Math.max(last.endMs, endMs);
    } else {
      if (last) last.endMs = Math.min(last.endMs, s.startMs);
      cues.push({ startMs: s.startMs, endMs, lines: s.lines });
    }
  }
  return cues;
}

/**
 * Whether times show hours: when the video runs past an hour (or its captions do), so that every line
 * of a transcript, and every page of one (MCP), lines up the same way.
 */
function showsHours(t: Transcript, cues: Cue[]): boolean {
  return Math.max(t.video.durationMs ?? 0, cues.at(-1)?.startMs ?? 0) >= 3_600_000;
}

function renderText(t: Transcript, cues: Cue[], timestamps: boolean): string {
  const withHours = showsHours(t, cues);
  return cues
    .map((cue) => {
      const text = cue.lines.join(" ");
      return timestamps ? `[${clockTime(cue.startMs, withHours)}] ${text}\n` : `${text}\n`;
    })
    .join("");
}

/** A paragraph ends at a sentence's end once this long, and anywhere once twice as long. */
const PARAGRAPH_CHARS = 600;
/** Characters that would make caption text markup: escaped, so a caption cannot write a heading or a link. */
const MARKDOWN_SPECIAL = /[\\`*_[\]<>#|~]/g;

/**
 * For a reader or a language model: YAML front matter (title, channel, link, language, kind), the
 * title as a heading, chapters as second-level headings, and the cues joined into paragraphs.
 */
function renderMarkdown(t: Transcript, cues: Cue[], timestamps: boolean): string {
  const { video, track } = t;
  const front = [
    `title: ${JSON.stringify(video.title)}`,
    `channel: ${JSON.stringify(video.channelName)}`,
    `url: ${watchUrl(video.videoId)}`,
    `language: ${JSON.stringify(track.languageCode)}`,
    `kind: ${track.kind}`,
    ...(track.translatedFrom ? [`translated_from: ${JSON.stringify(track.translatedFrom)}`] : []),
  ];
  const withHours = showsHours(t, cues);
  const chapters = [...video.chapters].sort((a, b) => a.startMs - b.startMs);
  const out = [`---\n${front.join("\n")}\n---\n`, `# ${escapeMarkdown(video.title || video.videoId)}\n`];
  let paragraph: { startMs: number; text: string } | undefined;
  const flush = () => {
    if (!paragraph) return;
    const link = `[${clockTime(paragraph.startMs, withHours)}](${momentUrl(video.videoId, paragraph.startMs)})`;
    out.push(`${timestamps ? `${link} ` : ""}${paragraph.text}\n`);
    paragraph = undefined;
  };
  let nextChapter = 0;
  for (const cue of cues) {
    if (nextChapter < chapters.length && cue.startMs >= (chapters[nextChapter]?.startMs ?? 0)) {
      flush();
      while (nextChapter < chapters.length && cue.startMs >= (chapters[nextChapter]?.startMs ?? 0))
        nextChapter++;
      out.push(`## ${escapeMarkdown(chapters[nextChapter - 1]?.title ?? "")}\n`);
    }
    const text = escapeMarkdown(cue.lines.join(" "));
    paragraph = paragraph
      ? { ...paragraph, text: `${paragraph.text} ${text}` }
      : { startMs: cue.startMs, text };
    const long = paragraph.text.length >= PARAGRAPH_CHARS;
    if ((long && endsSentence(text)) || paragraph.text.length >= 2 * PARAGRAPH_CHARS) flush();
  }
  flush();
  return out.join("\n");
}

function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (ch) => `\\${ch}`);
}

function renderSrt(cues: Cue[]): string {
  return cues
    .map((cue, i) => {
      // SRT has no escaping; "-->" inside the text would read as a timing line.
      const text = cue.lines.map((line) => line.replaceAll("-->", "->")).join("\n");
      return `${i + 1}\n${cueTime(cue.startMs, ",")} --> ${cueTime(cue.endMs, ",")}\n${text}\n`;
    })
    .join("\n");
}

function renderVtt(cues: Cue[]): string {
  const body = cues
    .map(
      (cue) =>
        `${cueTime(cue.startMs, ".")} --> ${cueTime(cue.endMs, ".")}\n${cue.lines.map(escapeVtt).join("\n")}\n`,
    )
    .join("\n");
  return body === "" ? "WEBVTT\n" : `WEBVTT\n\n${body}`;
}

function escapeVtt(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (WebVTT); hours grow past two digits when they must. */
function cueTime(ms: number, separator: "," | "."): string {
  const { h, m, s } = split(ms);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${separator}${pad(ms % 1000, 3)}`;
}

/** [hh:]mm:ss: hours only when withHours, so all lines of one transcript line up. */
function clockTime(ms: number, withHours: boolean): string {
  const { h, m, s } = split(ms);
  return withHours ? `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}` : `${pad(m, 2)}:${pad(s, 2)}`;
}

function split(ms: number): { h: number; m: number; s: number } {
  const totalSeconds = Math.floor(ms / 1000);
  return { h: Math.floor(totalSeconds / 3600), m: Math.floor(totalSeconds / 60) % 60, s: totalSeconds % 60 };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};
const ENTITY = /&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,6}));/g;

/**
 * Decodes the HTML entities YouTube puts in caption text, in a single pass, so "&amp;lt;"
 * becomes "&lt;" and not "<". Unknown names and invalid code points stay as written.
 */
export function decodeHtmlEntities(text: string): string {
  return text.replace(
    ENTITY,
    (entity, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (name !== undefined)
        return Object.hasOwn(NAMED_ENTITIES, name) ? (NAMED_ENTITIES[name] ?? entity) : entity;
      const codePoint = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? "", 16);
      const valid = codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff);
      return valid ? String.fromCodePoint(codePoint) : entity;
    },
  );
}
