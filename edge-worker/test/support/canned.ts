import type { LanguageList, Transcript } from "@ytt/shared";

/** The transcript the origin stand-in answers for a video and language. */
export function cannedTranscript(videoId: string, languageCode = "en"): Transcript {
  return {
    video: {
      videoId,
      title: `Video ${videoId}`,
      channelName: "Test Channel",
      channelId: "UCtestchannel000000000000",
      durationMs: 7000,
      chapters: [],
    },
    track: { languageCode, name: "English", kind: "manual", isTranslatable: true },
    segments: [
      { startMs: 0, durationMs: 2000, text: "Hello & welcome" },
      { startMs: 2000, durationMs: 2500, text: "to the <test>" },
      { startMs: 4500, durationMs: 2500, text: "Goodbye" },
    ],
  };
}

export function cannedLanguages(videoId: string): LanguageList {
  const { video, track } = cannedTranscript(videoId);
  return { video, tracks: [track], translationLanguages: [{ languageCode: "de", name: "German" }] };
}

/** About this many bytes of JSON: the transcript of a talk of many hours. */
export const LARGE_TRANSCRIPT_BYTES = 2 * 1024 * 1024;

/** A multi-hour transcript of about LARGE_TRANSCRIPT_BYTES as JSON, two seconds a segment. */
export function largeTranscript(videoId: string, languageCode = "en"): Transcript {
  const base = cannedTranscript(videoId, languageCode);
  const line = "and then the speaker went on about the quick brown fox that jumps over the lazy dog";
  const segmentBytes = JSON.stringify({ startMs: 0, durationMs: 2000, text: `${line} 00000` }).length + 1;
  const count = Math.ceil(LARGE_TRANSCRIPT_BYTES / segmentBytes);
  const segments = Array.from({ length: count }, (_, i) => ({
    startMs: i * 2000,
    durationMs: 2000,
    text: `${line} ${String(i).padStart(5, "0")}`,
  }));
  return { ...base, video: { ...base.video, durationMs: count * 2000 }, segments };
}
