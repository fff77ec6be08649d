import type { TranscriptFormat } from "@ytt/shared";

const MEDIA_TYPES: Record<string, TranscriptFormat> = {
  "application/json": "json",
  "text/plain": "text",
  "application/x-subrip": "srt",
  "text/srt": "srt",
  "text/vtt": "vtt",
  "text/markdown": "markdown",
};

/** `format=` wins; else the most preferred Accept media type we can render; else JSON. */
export function negotiateFormat(
  explicit: TranscriptFormat | undefined,
  accept: string | undefined,
): TranscriptFormat {
  if (explicit) return explicit;
  if (!accept) return "json";
  const ranked = accept
    .slice(0, 1024)
    .split(",")
    .map((part, index) => {
      const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith("q="));
      return { type, q: q ? Number(q.slice(2)) || 0 : 1, index };
    })
    .filter((m) => m.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranked) {
    const format = MEDIA_TYPES[type];
    if (format) return format;
  }
  return "json";
}
