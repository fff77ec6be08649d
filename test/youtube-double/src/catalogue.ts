import type { Chapter, ErrorCode, Segment, Track, TrackKind, Transcript, VideoMetadata } from "@ytt/shared";
import { loadTranslationLists, type TranslationLanguage } from "./captures.js";

/**
 * The double's videos, each standing for one case the engine must handle, with the outcome
 * the engine must produce. Tests elsewhere import this catalogue to assert exact results.
 */

export interface CatalogueTrack {
  languageCode: string;
  /** The track's display name as the page shows it. */
  name: string;
  kind: TrackKind;
  isTranslatable: boolean;
  segments: Segment[];
  /**
   * The audio tracks (CatalogueAudioTrack.id) this caption track is linked to; absent: every one.
   * With html5_honor_caption_availabilities_in_audio_track the player lists only the captions of
   * the current audio track (research §2.1, player response audioTracks[].captionTrackIndices).
   */
  audioTrackIds?: string[];
}

/** One audio track of a multi-audio (dubbed) video. */
export interface CatalogueAudioTrack {
  /** The player's id, "<lang>.<n>;<base64 of the xtags naming original or dubbed-auto>". */
  id: string;
  displayName: string;
  content: "original" | "dubbed-auto";
  isDefault: boolean;
}

/** How the video's pages answer: the playability YouTube reports, or an interstitial in front. */
export type Playability =
  | "ok"
  | "unavailable"
  | "private"
  | "ageRestricted"
  | "botCheck"
  | "unplayable"
  /** The "unusual traffic" reCAPTCHA page with HTTP 429 instead of the watch page. */
  | "captcha"
  /** The per-session rate limit: ERROR, "Video unavailable" / "This content isn't available, try again later." */
  | "sessionLimit"
  /** A captcha in the player response: playabilityStatus.errorScreen.playerCaptchaViewModel (yt-dlp's path). */
  | "captchaViewModel"
  /**
   * A flagged IP: WEB gets a playable response without `captions` (youtube-transcript-api #303/#351,
   * Kakulukian/youtube-transcript#55), the app clients the bot check.
   */
  | "flaggedIp";

export interface CatalogueVideo {
  videoId: string;
  /** What the video stands for, in one line. */
  case: string;
  title: string;
  channelName: string;
  channelId: string;
  lengthSeconds: number;
  publishDate: string;
  description: string;
  isLive: boolean;
  chapters: Chapter[];
  /** Which engagement panel carries the chapters on the page. */
  chapterSource?: "auto-chapters" | "description-chapters";
  /** null: the player response has no `captions` key. */
  tracks: CatalogueTrack[] | null;
  /** What the WEB player offers (156 languages, from the WEB capture); expected names come from it. */
  translationLanguages: TranslationLanguage[];
  /** What the ANDROID and IOS clients offer (18 languages, from the ANDROID capture). */
  androidTranslationLanguages: TranslationLanguage[];
  playability: Playability;
  /** YouTube's wording for unplayable videos, surfaced in VIDEO_UNPLAYABLE details. */
  unplayableReason?: { reason: string; subreason: string };
  /** Extra latency on this video's watch page and timedtext answers. */
  delayMs?: number;
  /** The page is behind the EU consent interstitial until a consent cookie is set. */
  consent?: boolean;
  /** YouTube stops accepting the WEB player's pot for this video: exp=xpe captions answer empty. */
  potRejected?: boolean;
  /** Captions on by default (CAPTIONS_INITIAL_STATE_ON_REQUIRED): the player loads the default track itself. */
  captionsOn?: boolean;
  /** Several audio tracks (original and dubbed), captions linked to each (CatalogueTrack.audioTrackIds). */
  audioTracks?: CatalogueAudioTrack[];
  /** The page references an older player that calls the WAA API on jnn-pa.googleapis.com directly. */
  waaHost?: "youtube" | "jnn-pa";
  /** ANDROID/IOS caption baseUrls carry exp=xpe (jdepoix#592): empty without a pot no app client can mint. */
  androidPotRequired?: boolean;
  /** The app clients (ANDROID, IOS) are bot-checked while the WEB page plays (asbplayer PR #978). */
  androidBotCheck?: boolean;
  /** The error code every extraction of this video must end in; absent when it succeeds. */
  expectedError?: ErrorCode;
}

/** The double's stand-in for machine translation: deterministic, so results can be asserted. */
export function translateText(text: string, targetLanguage: string): string {
  return `[${targetLanguage}] ${text}`;
}

/** Cues every `stepMs`, each lasting `durationMs`, times on a 10 ms grid so every format round-trips. */
function cues(lines: string[], { startMs = 0, stepMs = 3000, durationMs = 2800 } = {}): Segment[] {
  return lines.map((text, i) => ({ startMs: startMs + i * stepMs, durationMs, text }));
}

/** Each client's translation list, straight from the captures (WEB 156 languages, ANDROID 18). */
const TRANSLATIONS = loadTranslationLists();

/** base64 of the xtags protobuf (repeated {1: key, 2: value}) a dubbed audio track's id carries. */
function audioTrackId(lang: string, n: number, content: "original" | "dubbed-auto"): string {
  const field = (tag: number, bytes: Buffer) => Buffer.concat([Buffer.from([tag, bytes.length]), bytes]);
  const pair = (key: string, value: string) =>
    field(0x0a, Buffer.concat([field(0x0a, Buffer.from(key)), field(0x12, Buffer.from(value))]));
  const xtags = Buffer.concat([pair("acont", content), pair("lang", lang)]);
  return `${lang}.${n};${xtags.toString("base64")}`;
}

export const DUBBED_AUDIO = {
  original: audioTrackId("en", 4, "original"),
  german: audioTrackId("de-DE", 3, "dubbed-auto"),
};

function manual(languageCode: string, name: string, lines: string[], isTranslatable = true): CatalogueTrack {
  return { languageCode, name, kind: "manual", isTranslatable, segments: cues(lines) };
}

function asr(languageCode: string, name: string, lines: string[]): CatalogueTrack {
  return {
    languageCode,
    name: `${name} (auto-generated)`,
    kind: "asr",
    isTranslatable: true,
    // A line stays in YouTube's two-row ASR window until the line after next starts: overlapping cues.
    segments: cues(lines, { startMs: 160, stepMs: 2500, durationMs: 5000 }),
  };
}

const SURFACE_GO_CHAPTERS: Chapter[] = [
  { title: "Build Quality", startMs: 39160 },
  { title: "Screen", startMs: 66010 },
  { title: "Pen Support", startMs: 106720 },
  { title: "Webcam", startMs: 129190 },
  { title: "Keyboard", startMs: 155590 },
  { title: "Trackpad", startMs: 188200 },
  { title: "Performance", startMs: 199780 },
  { title: "Battery Life", startMs: 220300 },
  { title: "Gaming Performance", startMs: 236500 },
  { title: "Ports", startMs: 254709 },
];

/** Three hours of cues, one every 2.5 s: 4320 segments. */
const LONG_SEGMENTS: Segment[] = Array.from({ length: 4320 }, (_, i) => ({
  startMs: i * 2500,
  durationMs: 2400,
  text: `line ${i + 1} of the long lecture`,
}));

const base = {
  channelName: "Double Channel",
  channelId: "UCdoubleDoubleDouble0001",
  lengthSeconds: 120,
  publishDate: "2024-03-05T08:00:00-08:00",
  description: "A video served by the YouTube double.",
  isLive: false,
  chapters: [],
  translationLanguages: TRANSLATIONS.WEB,
  androidTranslationLanguages: TRANSLATIONS.ANDROID,
  playability: "ok",
} satisfies Partial<CatalogueVideo>;

const unavailableBase = { ...base, tracks: null, translationLanguages: [], androidTranslationLanguages: [] };

const list: CatalogueVideo[] = [
  {
    ...base,
    videoId: "GJLlxj_dtq8",
    case: "the captured real video: 8 manual languages, English ASR, translation, chapters",
    title: "Surface Go Review - It\u2019s Awesome",
    channelName: "Dave2D",
    channelId: "UCVYamHliCI9rw1tHR1xbkfw",
    lengthSeconds: 317,
    publishDate: "2018-08-02T06:00:08-07:00",
    description: "Dave2D review of the Microsoft Surface Go.",
    chapters: SURFACE_GO_CHAPTERS,
    chapterSource: "auto-chapters",
    tracks: [
      manual("zh", "Chinese", ["这是 Surface Go。", "它很小。"]),
      manual("cs", "Czech", ["Tohle je Surface Go.", "Je malý."]),
      manual("en", "English", ["This is the Surface Go.", "It is small,\nbut it is good.", "Let's talk."]),
      asr("en", "English", ["this is the surface go", "it is small but it is good", "let's talk"]),
      manual("de", "German", ["Das ist das Surface Go.", "Es ist klein."]),
      manual("hi", "Hindi", ["यह सरफेस गो है।"]),
      manual("ja", "Japanese", ["これはSurface Goです。", "小さいです。"]),
      manual("ko", "Korean", ["이것은 Surface Go입니다."]),
      manual("es", "Spanish", ["Esta es la Surface Go."]),
    ],
  },
  {
    ...base,
    videoId: "dblAsrOnly1",
    case: "auto-generated captions only",
    title: "Only speech recognition",
    tracks: [asr("en", "English", ["so today we are going to", "talk about caching", "and why it matters"])],
  },
  {
    ...base,
    videoId: "dblNoCapts1",
    case: "captions disabled: no `captions` in the player response",
    title: "No captions here",
    tracks: null,
    expectedError: "TRANSCRIPTS_DISABLED",
  },
  {
    ...base,
    videoId: "dblLiveNow1",
    case: "a live stream without captions",
    title: "Live: markets now",
    isLive: true,
    lengthSeconds: 0,
    tracks: null,
    expectedError: "TRANSCRIPTS_DISABLED",
  },
  {
    ...unavailableBase,
    videoId: "dblUnavail1",
    case: "ERROR: This video is unavailable",
    title: "",
    playability: "unavailable",
    expectedError: "VIDEO_UNAVAILABLE",
  },
  {
    ...unavailableBase,
    videoId: "dblPrivate1",
    case: "a private video",
    title: "",
    playability: "private",
    expectedError: "VIDEO_PRIVATE",
  },
  {
    ...unavailableBase,
    videoId: "dblAgeRestr",
    case: "LOGIN_REQUIRED: may be inappropriate for some users",
    title: "Age-restricted remix",
    playability: "ageRestricted",
    expectedError: "AGE_RESTRICTED",
  },
  {
    ...unavailableBase,
    videoId: "dblBotCheck",
    case: "LOGIN_REQUIRED: Sign in to confirm you\u2019re not a bot",
    title: "",
    playability: "botCheck",
    expectedError: "BLOCKED_BY_YOUTUBE",
  },
  {
    ...unavailableBase,
    videoId: "dblCaptcha1",
    case: "the reCAPTCHA 'unusual traffic' page, HTTP 429",
    title: "",
    playability: "captcha",
    expectedError: "BLOCKED_BY_YOUTUBE",
  },
  {
    ...unavailableBase,
    videoId: "dblUnplay01",
    case: "UNPLAYABLE with a reason and a subreason",
    title: "",
    playability: "unplayable",
    unplayableReason: {
      reason: "Video unavailable",
      subreason: "The uploader has not made this video available in your country",
    },
    expectedError: "VIDEO_UNPLAYABLE",
  },
  {
    ...base,
    videoId: "dblSlowPage",
    case: "slow answers: every page and caption request of this video takes 1.5 s",
    title: "A slow video",
    delayMs: 1500,
    tracks: [manual("en", "English", ["patience", "is a virtue"])],
  },
  {
    ...base,
    videoId: "dblLong3hrs",
    case: "a 3-hour lecture with 4320 segments",
    title: "Three hours of lecture",
    lengthSeconds: 10800,
    tracks: [
      { languageCode: "en", name: "English", kind: "manual", isTranslatable: true, segments: LONG_SEGMENTS },
    ],
  },
  {
    ...base,
    videoId: "dblUnicode1",
    case: "CJK, RTL, emoji and characters every XML format must escape; a track that cannot be translated",
    title: "Unicode \u{1F30D} 世界 & <friends>",
    tracks: [
      manual("en", "English", [
        "Tom & Jerry say \"hi\" & 'bye'",
        "5 < 6 > 4 — it's <b>not</b> markup",
        "emoji \u{1F600}\u{1F44D}\u{1F3FD} and \u{1F1EF}\u{1F1F5}",
        "&amp; stays literally &amp;",
      ]),
      manual("ja", "Japanese", ["日本語の字幕です。", "漢字、ひらがな、カタカナ"]),
      manual("ar", "Arabic", ["مرحبا بالعالم", "هذا نص من اليمين إلى اليسار"], false),
      manual("he", "Hebrew", ["שלום עולם"]),
    ],
  },
  {
    ...base,
    videoId: "dblRegional",
    case: "regional variants: zh-Hans, zh-Hant, pt-BR listed before pt, English ASR",
    title: "Regional variants",
    tracks: [
      manual("zh-Hans", "Chinese (Simplified)", ["简体中文字幕"]),
      manual("zh-Hant", "Chinese (Traditional)", ["繁體中文字幕"]),
      manual("pt-BR", "Portuguese (Brazil)", ["Olá, pessoal do Brasil"]),
      manual("pt", "Portuguese", ["Olá a todos"]),
      asr("en", "English", ["hello everyone"]),
    ],
  },
  {
    ...base,
    videoId: "dblPtBrOnly",
    case: "only pt-BR: a request for pt matches it by base language",
    title: "Somente pt-BR",
    tracks: [manual("pt-BR", "Portuguese (Brazil)", ["Só em português do Brasil"])],
  },
  {
    ...base,
    videoId: "dblChapters",
    case: "chapters from description timestamps (the description-chapters panel)",
    title: "A video with chapters",
    lengthSeconds: 600,
    description: "Chapters:\n0:00 Intro\n1:30 Setup\n4:05 Results\n9:00 Outro",
    chapters: [
      { title: "Intro", startMs: 0 },
      { title: "Setup", startMs: 90000 },
      { title: "Results", startMs: 245000 },
      { title: "Outro", startMs: 540000 },
    ],
    chapterSource: "description-chapters",
    tracks: [manual("en", "English", ["welcome", "let us set up", "here are the results"])],
  },
  {
    ...base,
    videoId: "dblConsent1",
    case: "behind the EU consent interstitial",
    title: "Behind the consent wall",
    consent: true,
    tracks: [manual("de", "German", ["Hallo aus der EU"]), manual("en", "English", ["hello from the EU"])],
  },
  {
    ...base,
    videoId: "dblFallback",
    case: "the WEB player's pot is rejected: only the ANDROID innertube route gets the captions",
    title: "Player route broken",
    potRejected: true,
    tracks: [
      manual("en", "English", ["reached through", "the android client"]),
      asr("fr", "French", ["bonjour"]),
    ],
  },
  {
    ...base,
    videoId: "dblCaptsOn1",
    case: "captions on by default: the player loads the default track itself; setOption with it is a no-op, reload refetches",
    title: "Captions on by default",
    captionsOn: true,
    tracks: [
      manual("en", "English", ["captions are on", "from the first frame"]),
      manual("de", "German", ["Untertitel sind an"]),
      asr("en", "English", ["captions are on from the first frame"]),
    ],
  },
  {
    ...base,
    videoId: "dblDubbed01",
    case: "two audio tracks (original English, auto-dubbed German): the player lists only the current audio track's captions",
    title: "Dubbed into German",
    audioTracks: [
      {
        id: DUBBED_AUDIO.original,
        displayName: "English (United States) original",
        content: "original",
        isDefault: true,
      },
      { id: DUBBED_AUDIO.german, displayName: "German (Germany)", content: "dubbed-auto", isDefault: false },
    ],
    tracks: [
      { ...manual("en", "English", ["this is the original voice"]), audioTrackIds: [DUBBED_AUDIO.original] },
      {
        ...asr("en", "English", ["this is the original voice"]),
        audioTrackIds: [DUBBED_AUDIO.original],
      },
      {
        ...manual("de", "German", ["das ist die synchronisierte Stimme"]),
        audioTrackIds: [DUBBED_AUDIO.german],
      },
      {
        ...manual("fr", "French", ["sous-titres pour les deux pistes"]),
        audioTrackIds: [DUBBED_AUDIO.original, DUBBED_AUDIO.german],
      },
    ],
  },
  {
    ...base,
    videoId: "dblOldPlayr",
    case: "an older player: BotGuard's GenerateIT goes to jnn-pa.googleapis.com instead of www.youtube.com/api/jnn",
    title: "Older player",
    waaHost: "jnn-pa",
    tracks: [manual("en", "English", ["minted through jnn-pa"])],
  },
  {
    ...base,
    videoId: "dblAndrXpe1",
    case: "ANDROID and IOS caption URLs carry exp=xpe (jdepoix#592); the WEB player works",
    title: "App captions need a pot",
    androidPotRequired: true,
    tracks: [manual("en", "English", ["only the web player", "gets these"])],
  },
  {
    ...base,
    videoId: "dblAndrBot1",
    case: "the app clients are bot-checked while the WEB player plays (asbplayer PR #978)",
    title: "App bot check",
    androidBotCheck: true,
    tracks: [manual("en", "English", ["the web player still works"])],
  },
  {
    ...unavailableBase,
    videoId: "dblSessLim1",
    case: "the session rate limit: ERROR, Video unavailable / This content isn't available, try again later.",
    title: "",
    playability: "sessionLimit",
    expectedError: "BLOCKED_BY_YOUTUBE",
  },
  {
    ...unavailableBase,
    videoId: "dblCaptVm01",
    case: "a captcha in the player response (errorScreen.playerCaptchaViewModel)",
    title: "",
    playability: "captchaViewModel",
    expectedError: "BLOCKED_BY_YOUTUBE",
  },
  {
    ...base,
    videoId: "dblFlagged1",
    case: "a flagged IP: WEB plays without `captions`, the app clients are bot-checked (not 'disabled')",
    title: "Flagged network",
    playability: "flaggedIp",
    tracks: [manual("en", "English", ["you should not see this from a flagged IP"])],
    expectedError: "BLOCKED_BY_YOUTUBE",
  },
];

/** How many plain captioned videos fill the double's playlists and channel tabs (collections.ts). */
const FILLER_VIDEO_COUNT = 200;

/** The n-th filler video's ID, n from 1. */
export function fillerVideoId(n: number): string {
  return `dblItem${String(n).padStart(4, "0")}`;
}

const fillers: CatalogueVideo[] = Array.from({ length: FILLER_VIDEO_COUNT }, (_, i) => ({
  ...base,
  videoId: fillerVideoId(i + 1),
  case: "a plain captioned video that fills a playlist or a channel tab",
  title: `Double video ${i + 1}`,
  tracks: [manual("en", "English", [`This is double video ${i + 1}.`])],
}));

export const VIDEOS: Readonly<Record<string, CatalogueVideo>> = Object.fromEntries(
  [...list, ...fillers].map((v) => [v.videoId, v]),
);

export function trackOf(video: CatalogueVideo, languageCode: string, kind: TrackKind): CatalogueTrack {
  const track = video.tracks?.find((t) => t.languageCode === languageCode && t.kind === kind);
  if (!track) throw new Error(`${video.videoId} has no ${kind} ${languageCode} track`);
  return track;
}

/** The metadata the engine must report for a playable catalogue video. */
export function expectedMetadata(video: CatalogueVideo): VideoMetadata {
  return {
    videoId: video.videoId,
    title: video.title,
    channelName: video.channelName,
    channelId: video.channelId,
    durationMs: video.lengthSeconds * 1000,
    publishDate: video.publishDate,
    isLive: video.isLive,
    chapters: video.chapters,
  };
}

/** A translated track is named after its target language, as YouTube's translation menu names it. */
export function expectedTrack(video: CatalogueVideo, track: CatalogueTrack, translateTo?: string): Track {
  const target = video.translationLanguages.find((l) => l.languageCode === translateTo);
  return {
    languageCode: translateTo ?? track.languageCode,
    name: target?.name ?? track.name,
    kind: track.kind,
    isTranslatable: track.isTranslatable,
    ...(translateTo ? { translatedFrom: track.languageCode } : {}),
  };
}

/** The exact transcript the engine must return for one track, translated or not. */
export function expectedTranscript(
  videoId: string,
  pick: { languageCode: string; kind: TrackKind; translateTo?: string },
): Transcript {
  const video = VIDEOS[videoId];
  if (!video) throw new Error(`unknown video ${videoId}`);
  const track = trackOf(video, pick.languageCode, pick.kind);
  const tlang = pick.translateTo;
  return {
    video: expectedMetadata(video),
    track: expectedTrack(video, track, tlang),
    segments: track.segments.map((s) => (tlang ? { ...s, text: translateText(s.text, tlang) } : s)),
  };
}
