import { ApiError, type TranscriptRequest } from "@ytt/shared";
import type { CaptionTrack, Tracklist } from "./parse/player-response.js";

/**
 * Language selection. For the preferred codes in order, an exact code match wins over everything
 * (so `pt` takes a `pt` track even when `pt-BR` is listed first, and `zh-Hant` never takes
 * `zh-Hans`); only when no preference matches exactly is a base-language match taken (`pt`
 * matches `pt-BR`, `pt-BR` matches `pt`), preferring the bare base code, then tracklist order.
 * Within one code a manual track beats an auto-generated one unless the request asks for a kind.
 */

export interface Selection {
  track: CaptionTrack;
  /** Set when YouTube must translate the track: the target language and its display name. */
  translateTo?: { languageCode: string; name: string };
}

const lower = (code: string) => code.toLowerCase();
const baseOf = (code: string) => lower(code).split("-")[0] ?? "";

/** Manual before auto-generated, otherwise the page's order. */
function byKindPreference(tracks: CaptionTrack[]): CaptionTrack[] {
  return [...tracks.filter((t) => t.kind === "manual"), ...tracks.filter((t) => t.kind === "asr")];
}

export function availableTracks(list: Tracklist) {
  return list.tracks.map((t) => ({ languageCode: t.languageCode, kind: t.kind, name: t.name }));
}

function pickSource(list: Tracklist, request: TranscriptRequest): CaptionTrack {
  const candidates = byKindPreference(
    request.kind === "any" ? list.tracks : list.tracks.filter((t) => t.kind === request.kind),
  );
  for (const code of request.languages) {
    const exact = candidates.find((t) => lower(t.languageCode) === lower(code));
    if (exact) return exact;
  }
  for (const code of request.languages) {
    const base = baseOf(code);
    const sameBase = candidates.filter((t) => baseOf(t.languageCode) === base);
    const match = sameBase.find((t) => lower(t.languageCode) === base) ?? sameBase[0];
    if (match) return match;
  }
  const first = candidates[0];
  if (request.fallback === "any" && first) return first;
  throw new ApiError("LANGUAGE_NOT_AVAILABLE", {
    details: { requested: request.languages, kind: request.kind, available: availableTracks(list) },
  });
}

export function selectTrack(list: Tracklist, request: TranscriptRequest): Selection {
  const track = pickSource(list, request);
  const target = request.translateTo;
  if (!target || lower(target) === lower(track.languageCode)) return { track };
  const language = list.translationLanguages.find((l) => lower(l.languageCode) === lower(target));
  if (!track.isTranslatable || !language) {
    throw new ApiError("TRANSLATION_NOT_AVAILABLE", {
      details: {
        from: track.languageCode,
        to: target,
        trackIsTranslatable: track.isTranslatable,
        translationLanguages: list.translationLanguages.map((l) => l.languageCode),
      },
    });
  }
  return { track, translateTo: language };
}
