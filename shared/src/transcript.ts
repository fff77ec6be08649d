import { z } from "zod";

/** One caption cue. Times are integer milliseconds from the start of the video. */
export const SegmentSchema = z.object({
  startMs: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  text: z.string(),
});
export type Segment = z.infer<typeof SegmentSchema>;

/** "manual" tracks are uploaded by the creator; "asr" ones are YouTube's speech recognition. */
export const TrackKindSchema = z.enum(["manual", "asr"]);
export type TrackKind = z.infer<typeof TrackKindSchema>;

export const TrackSchema = z.object({
  languageCode: z.string(),
  name: z.string(),
  kind: TrackKindSchema,
  isTranslatable: z.boolean(),
  /** Set when the segments are YouTube's machine translation of another track: that track's language code. */
  translatedFrom: z.string().optional(),
});
export type Track = z.infer<typeof TrackSchema>;

export const ChapterSchema = z.object({
  title: z.string(),
  startMs: z.number().int().nonnegative(),
});
export type Chapter = z.infer<typeof ChapterSchema>;

export const VideoMetadataSchema = z.object({
  videoId: z.string(),
  title: z.string(),
  channelName: z.string(),
  channelId: z.string(),
  durationMs: z.number().int().nonnegative().optional(),
  /** ISO 8601 date (YYYY-MM-DD) or date-time, as the page gives it. */
  publishDate: z.string().optional(),
  isLive: z.boolean().optional(),
  chapters: z.array(ChapterSchema),
  /**
   * What YouTube's answer did not carry, so is unknown rather than empty: set when the watch page
   * failed and the transcript came from the app's player response, which has no publish date and
   * no chapter panels ("chapters" then means none were found in the description either).
   */
  incomplete: z.array(z.enum(["publishDate", "chapters"])).optional(),
});
export type VideoMetadata = z.infer<typeof VideoMetadataSchema>;

export const TranscriptSchema = z.object({
  video: VideoMetadataSchema,
  track: TrackSchema,
  segments: z.array(SegmentSchema),
});
export type Transcript = z.infer<typeof TranscriptSchema>;

export const TranslationLanguageSchema = z.object({ languageCode: z.string(), name: z.string() });
export type TranslationLanguage = z.infer<typeof TranslationLanguageSchema>;

/** What a video offers: its caption tracks and the languages YouTube can translate them into. */
export const LanguageListSchema = z.object({
  video: VideoMetadataSchema,
  tracks: z.array(TrackSchema),
  translationLanguages: z.array(TranslationLanguageSchema),
});
export type LanguageList = z.infer<typeof LanguageListSchema>;
