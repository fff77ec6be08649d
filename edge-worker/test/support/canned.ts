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
