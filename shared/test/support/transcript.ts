import type { Segment, Transcript } from "../../src/transcript.js";

/** A manual English transcript of one video with these segments; `video` fields may be overridden. */
export function transcript(segments: Segment[], video: Partial<Transcript["video"]> = {}): Transcript {
  return {
    video: {
      videoId: "dQw4w9WgXcQ",
      title: "A title",
      channelName: "A channel",
      channelId: "UC123",
      chapters: [],
      ...video,
    },
    track: { languageCode: "en", name: "English", kind: "manual", isTranslatable: true },
    segments,
  };
}
