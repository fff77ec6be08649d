import type { TranscriptRequest } from "@ytt/shared";
import { describe, expect, it } from "vitest";
import type { CaptionTrack, Tracklist } from "../../src/extract/parse/player-response.js";
import { selectTrack } from "../../src/extract/select.js";

const track = (
  languageCode: string,
  kind: "manual" | "asr" = "manual",
  isTranslatable = true,
): CaptionTrack => ({
  languageCode,
  name: languageCode,
  kind,
  isTranslatable,
  vssId: `${kind === "asr" ? "a" : ""}.${languageCode}`,
  baseUrl: `https://www.youtube.com/api/timedtext?lang=${languageCode}`,
});

const list: Tracklist = {
  tracks: [
    track("en", "asr"),
    track("pt-BR"),
    track("pt"),
    track("zh-Hans"),
    track("zh-Hant"),
    track("en"),
    track("ar", "manual", false),
  ],
  translationLanguages: [
    { languageCode: "de", name: "German" },
    { languageCode: "fr", name: "French" },
  ],
};

const request = (languages: string[], extra: Partial<TranscriptRequest> = {}): TranscriptRequest => ({
  videoId: "abcdefghijk",
  languages,
  kind: "any",
  fallback: "error",
  ...extra,
});

const pick = (languages: string[], extra: Partial<TranscriptRequest> = {}, from = list) => {
  const s = selectTrack(from, request(languages, extra));
  return `${s.track.kind}:${s.track.languageCode}${s.translateTo ? `>${s.translateTo.languageCode}` : ""}`;
};

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return { code: (error as { code?: string }).code, details: (error as { details?: unknown }).details };
  }
  return null;
};

describe("selectTrack", () => {
  it("prefers a manual track over an auto-generated one of the same language, unless a kind is asked for", () => {
    expect(pick(["en"])).toBe("manual:en");
    expect(pick(["en"], { kind: "asr" })).toBe("asr:en");
    expect(pick(["en"], { kind: "manual" })).toBe("manual:en");
  });

  it("matches exactly first, across all preferences, then by base language", () => {
    expect(pick(["pt"])).toBe("manual:pt");
    expect(pick(["pt-BR"])).toBe("manual:pt-BR");
    expect(pick(["zh-Hant"])).toBe("manual:zh-Hant");
    // An exact match for a later preference beats a base match for an earlier one.
    expect(pick(["pt-PT", "zh-Hant"])).toBe("manual:zh-Hant");
    // Base match: the bare base code first, then the page's order.
    expect(pick(["pt-PT"])).toBe("manual:pt");
    expect(pick(["zh"])).toBe("manual:zh-Hans");
    expect(pick(["pt"], {}, { ...list, tracks: [track("pt-BR")] })).toBe("manual:pt-BR");
  });

  it("falls back as asked: an error listing what exists, or the first available track", () => {
    expect(codeOf(() => pick(["fr"]))).toEqual({
      code: "LANGUAGE_NOT_AVAILABLE",
      details: {
        requested: ["fr"],
        kind: "any",
        available: list.tracks.map((t) => ({ languageCode: t.languageCode, kind: t.kind, name: t.name })),
      },
    });
    expect(pick(["fr"], { fallback: "any" })).toBe("manual:pt-BR");
    expect(pick(["fr"], { fallback: "any", kind: "asr" })).toBe("asr:en");
    expect(
      codeOf(() => pick(["fr"], { fallback: "any", kind: "asr" }, { ...list, tracks: [track("de")] }))?.code,
    ).toBe("LANGUAGE_NOT_AVAILABLE");
  });

  it("translates translatable tracks into offered languages only", () => {
    expect(pick(["en"], { translateTo: "de" })).toBe("manual:en>de");
    expect(pick(["en"], { translateTo: "en" })).toBe("manual:en");
    expect(codeOf(() => pick(["en"], { translateTo: "ja" }))?.code).toBe("TRANSLATION_NOT_AVAILABLE");
    expect(codeOf(() => pick(["ar"], { translateTo: "de" }))).toEqual({
      code: "TRANSLATION_NOT_AVAILABLE",
      details: { from: "ar", to: "de", trackIsTranslatable: false, translationLanguages: ["de", "fr"] },
    });
  });
});
