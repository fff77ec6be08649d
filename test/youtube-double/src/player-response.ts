import type { Captures, Json } from "./captures.js";
import type { CatalogueTrack, CatalogueVideo } from "./catalogue.js";

/**
 * Player responses and watch-page data, built by cloning the real captures and substituting the
 * catalogue video's fields, so the engine sees YouTube's own shapes (and their noise).
 */

/** The innertube clients the double answers; IOS gets the ANDROID capture's shape. */
export type Client = "WEB" | "ANDROID" | "IOS";

export interface PageContext {
  origin: string;
  /** The event id YouTube stamps on a page load and its caption URLs. */
  ei: string;
  /**
   * Signs a caption URL: `signature` is a MAC over the client family and the `sparams` values, so
   * the timedtext handler knows which client a URL was issued to and refuses edited ones.
   */
  sign(payload: string): string;
}

/** The caption-URL signing payload: the client family ("WEB" or "APP") and every `sparams` value. */
export function signaturePayload(family: "WEB" | "APP", params: URLSearchParams): string {
  const names = (params.get("sparams") ?? "").split(",");
  return [family, ...names.map((n) => `${n}=${params.get(n) ?? ""}`)].join("&");
}

const clone = <T>(value: T): T => structuredClone(value);

/** A caption baseUrl in the capture's own query layout, pointed at the double. */
function captionBaseUrl(
  template: string,
  video: CatalogueVideo,
  track: CatalogueTrack,
  client: Client,
  ctx: PageContext,
): string {
  const url = new URL(template);
  const target = new URL("/api/timedtext", ctx.origin);
  for (const [key, value] of url.searchParams) {
    if (key === "lang" || key === "kind" || key === "fmt") continue;
    if (key === "v") target.searchParams.set(key, video.videoId);
    else if (key === "ei") target.searchParams.set(key, ctx.ei);
    else if (key === "expire") target.searchParams.set(key, String(Math.floor(Date.now() / 1000) + 6 * 3600));
    else if (key === "signature") target.searchParams.set(key, "");
    else target.searchParams.set(key, value);
    // Some ANDROID URLs carry exp=xpe after opi, outside sparams (capture youtube_po_token_required.innertube.json).
    if (key === "opi" && client !== "WEB" && video.androidPotRequired) target.searchParams.set("exp", "xpe");
  }
  target.searchParams.set(
    "signature",
    ctx.sign(signaturePayload(client === "WEB" ? "WEB" : "APP", target.searchParams)),
  );
  if (track.kind === "asr") target.searchParams.set("kind", "asr");
  target.searchParams.set("lang", track.languageCode);
  if (url.searchParams.has("fmt")) target.searchParams.set("fmt", url.searchParams.get("fmt") ?? "srv3");
  return target.toString();
}

/** WEB names are `simpleText`, ANDROID (and IOS) ones `runs`, exactly as in the two captures. */
function text(client: Client, value: string): Json {
  return client === "WEB" ? { simpleText: value } : { runs: [{ text: value }] };
}

function captions(template: Json, video: CatalogueVideo, client: Client, ctx: PageContext): Json {
  const renderer = clone(template.playerCaptionsTracklistRenderer);
  const trackTemplate = renderer.captionTracks[0];
  const tracks = video.tracks ?? [];
  renderer.captionTracks = tracks.map((track) => {
    const out: Json = {
      ...clone(trackTemplate),
      baseUrl: captionBaseUrl(trackTemplate.baseUrl, video, track, client, ctx),
      name: text(client, track.name),
      vssId: `${track.kind === "asr" ? "a" : ""}.${track.languageCode}`,
      languageCode: track.languageCode,
      isTranslatable: track.isTranslatable,
    };
    delete out.kind;
    if (track.kind === "asr") out.kind = "asr";
    return out;
  });
  renderer.translationLanguages = (
    client === "WEB" ? video.translationLanguages : video.androidTranslationLanguages
  ).map((l) => ({
    languageCode: l.languageCode,
    languageName: text(client, l.name),
  }));
  const audioTemplate = template.playerCaptionsTracklistRenderer.audioTracks[0];
  const initialState = video.captionsOn
    ? "CAPTIONS_INITIAL_STATE_ON_REQUIRED"
    : audioTemplate.captionsInitialState;
  const linked = (audioId: string | undefined) =>
    tracks.flatMap((t, i) => (!audioId || !t.audioTrackIds || t.audioTrackIds.includes(audioId) ? [i] : []));
  const audioTrack = (audioId: string | undefined) => {
    const indices = linked(audioId);
    const manualFirst = indices.find((i) => tracks[i]?.kind === "manual");
    return {
      ...clone(audioTemplate),
      captionTrackIndices: indices,
      defaultCaptionTrackIndex: manualFirst ?? indices[0] ?? 0,
      hasDefaultTrack: manualFirst !== undefined,
      captionsInitialState: initialState,
      ...(audioId ? { audioTrackId: audioId } : {}),
    };
  };
  const audio = video.audioTracks ?? [];
  renderer.audioTracks = audio.length ? audio.map((a) => audioTrack(a.id)) : [audioTrack(undefined)];
  renderer.defaultAudioTrackIndex = Math.max(
    audio.findIndex((a) => a.isDefault),
    0,
  );
  if ("defaultTranslationSourceTrackIndices" in renderer) {
    renderer.defaultTranslationSourceTrackIndices = [renderer.audioTracks[0].defaultCaptionTrackIndex];
  }
  return { playerCaptionsTracklistRenderer: renderer };
}

function videoDetails(template: Json, video: CatalogueVideo): Json {
  return {
    ...clone(template),
    videoId: video.videoId,
    title: video.title,
    lengthSeconds: String(video.lengthSeconds),
    channelId: video.channelId,
    shortDescription: video.description,
    author: video.channelName,
    isLiveContent: video.isLive,
    ...(video.isLive ? { isLive: true } : {}),
  };
}

function microformat(template: Json, video: CatalogueVideo, origin: string): Json {
  const m = clone(template.playerMicroformatRenderer);
  Object.assign(m, {
    title: { simpleText: video.title },
    description: { simpleText: video.description },
    lengthSeconds: String(video.lengthSeconds),
    externalChannelId: video.channelId,
    ownerChannelName: video.channelName,
    ownerProfileUrl: `${origin}/channel/${video.channelId}`,
    publishDate: video.publishDate,
    uploadDate: video.publishDate,
    externalVideoId: video.videoId,
    canonicalUrl: `${origin}/watch?v=${video.videoId}`,
  });
  if (video.isLive) {
    m.liveBroadcastDetails = { isLiveNow: true, startTimestamp: video.publishDate };
  }
  return { playerMicroformatRenderer: m };
}

/** The playabilityStatus YouTube reports for each refusal, taken from the captures where one exists. */
function refusal(captures: Captures, video: CatalogueVideo): Json {
  switch (video.playability) {
    case "unavailable":
      return clone(captures.videoUnavailable.playabilityStatus);
    case "ageRestricted":
      return clone(captures.ageRestricted.playabilityStatus);
    case "botCheck":
      return clone(captures.requestBlocked.playabilityStatus);
    case "private": {
      // Not among the captures: YouTube's shape for private videos, on the unavailable template.
      const status = clone(captures.videoUnavailable.playabilityStatus);
      status.status = "LOGIN_REQUIRED";
      status.reason = "Private video";
      status.messages = ["This is a private video. Please sign in to verify that you may see it."];
      status.errorScreen.playerErrorMessageRenderer.reason = { simpleText: "Private video" };
      status.errorScreen.playerErrorMessageRenderer.subreason = { simpleText: status.messages[0] };
      return status;
    }
    case "unplayable": {
      const status = clone(captures.videoUnavailable.playabilityStatus);
      const why = video.unplayableReason ?? { reason: "Video unavailable", subreason: "" };
      status.status = "UNPLAYABLE";
      status.reason = why.reason;
      status.errorScreen.playerErrorMessageRenderer.reason = { runs: [{ text: why.reason }] };
      status.errorScreen.playerErrorMessageRenderer.subreason = { runs: [{ text: why.subreason }] };
      return status;
    }
    case "sessionLimit": {
      // yt-dlp (_video.py) matches "This content isn't available, try again later" in reason + ". " + subreason.
      const status = clone(captures.videoUnavailable.playabilityStatus);
      status.status = "ERROR";
      status.reason = "Video unavailable";
      status.errorScreen.playerErrorMessageRenderer.reason = { simpleText: "Video unavailable" };
      status.errorScreen.playerErrorMessageRenderer.subreason = {
        runs: [{ text: "This content isn't available, try again later." }],
      };
      return status;
    }
    case "captchaViewModel": {
      // yt-dlp's path, errorScreen.playerCaptchaViewModel; no reason text to go by (harsher).
      const status = clone(captures.videoUnavailable.playabilityStatus);
      status.status = "UNPLAYABLE";
      delete status.reason;
      status.errorScreen = {
        playerCaptchaViewModel: {
          captchaType: "CAPTCHA_TYPE_RECAPTCHA",
          siteKey: "6LfwuyUTAAAAAOAmoS0fdqijC2PbbdH4kjq62Y1b",
          submitEndpoint: { commandMetadata: { webCommandMetadata: { apiUrl: "/youtubei/v1/player" } } },
        },
      };
      return status;
    }
    default:
      return undefined;
  }
}

/** What an app client below the current major version gets (XCDYouTubeKit#560, yt-dlp#10108). */
export function outdatedClient(captures: Captures): Json {
  const out = clone(captures.videoUnavailable);
  const status = out.playabilityStatus;
  status.status = "ERROR";
  status.reason = "This video is unavailable";
  status.errorScreen.playerErrorMessageRenderer.subreason = {
    runs: [{ text: "Watch on the latest version of YouTube." }],
  };
  return out;
}

/**
 * The player response a client gets for a video: `ytInitialPlayerResponse` on the WEB watch
 * page, or the `/youtubei/v1/player` answer. WEB caption URLs carry `exp=xpe` (they need the
 * player's pot); ANDROID ones are plain `fmt=srv3` URLs.
 */
export function playerResponse(
  captures: Captures,
  video: CatalogueVideo,
  client: Client,
  ctx: PageContext,
  { botCheck = false } = {},
): Json {
  const template = client === "WEB" ? captures.webPlayerResponse : captures.androidPlayerResponse;
  // IOS answers take the ANDROID capture's shape.
  if (botCheck) return clone(captures.requestBlocked);
  // A flagged IP: the app clients are bot-checked, WEB plays without captions (below).
  if (client !== "WEB" && (video.playability === "flaggedIp" || video.androidBotCheck))
    return clone(captures.requestBlocked);
  const status = refusal(captures, video);
  if (status) {
    const source = video.playability === "ageRestricted" ? captures.ageRestricted : captures.videoUnavailable;
    const out: Json = { ...clone(source), playabilityStatus: status };
    if (out.videoDetails) out.videoDetails = videoDetails(out.videoDetails, video);
    return out;
  }
  const playable = video.isLive ? captures.liveWithoutCaptions : template;
  const out: Json = clone(playable);
  out.responseContext = clone(template.responseContext);
  out.videoDetails = videoDetails(template.videoDetails, video);
  if (client === "WEB")
    out.microformat = microformat(captures.webPlayerResponse.microformat, video, ctx.origin);
  if (video.tracks && video.playability !== "flaggedIp")
    out.captions = captions(template.captions, video, client, ctx);
  else delete out.captions;
  if (video.audioTracks && out.streamingData?.adaptiveFormats) {
    // Multi-audio videos: one audio format per audio track, each naming its track (formats[].audioTrack).
    const formats: Json[] = out.streamingData.adaptiveFormats;
    const audioFormat = formats.find((f) => String(f.mimeType).startsWith("audio/"));
    out.streamingData.adaptiveFormats = [
      ...formats.filter((f) => !String(f.mimeType).startsWith("audio/")),
      ...(audioFormat
        ? video.audioTracks.map((a) => ({
            ...clone(audioFormat),
            audioTrack: { displayName: a.displayName, id: a.id, audioIsDefault: a.isDefault },
          }))
        : []),
    ];
  }
  return out;
}

function formatTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return (hms[0] ? hms : hms.slice(1))
    .map((n, i) => (i === 0 ? String(n) : String(n).padStart(2, "0")))
    .join(":");
}

/** `ytInitialData`: the capture's, trimmed to what a watch page needs, with this video's chapter panel. */
export function initialData(captures: Captures, video: CatalogueVideo): Json {
  const data = captures.webInitialData;
  const panels: Json[] = data.engagementPanels;
  const chapterPanel = panels.find(
    (p) => p.engagementPanelSectionListRenderer?.content?.macroMarkersListRenderer,
  );
  const out: Json = {
    responseContext: clone(data.responseContext),
    currentVideoEndpoint: { watchEndpoint: { videoId: video.videoId } },
    playerOverlays: clone(data.playerOverlays),
    engagementPanels: [] as Json[],
  };
  if (video.chapters.length > 0 && chapterPanel) {
    const panel = clone(chapterPanel);
    const renderer = panel.engagementPanelSectionListRenderer;
    const id = `engagement-panel-macro-markers-${video.chapterSource ?? "description-chapters"}`;
    renderer.panelIdentifier = id;
    renderer.targetId = id;
    const list = renderer.content.macroMarkersListRenderer;
    const itemTemplate = list.contents.find(
      (c: Json) => c.macroMarkersListItemRenderer,
    ).macroMarkersListItemRenderer;
    list.contents = video.chapters.map((chapter) => {
      const item = clone(itemTemplate);
      const time = formatTime(chapter.startMs);
      item.title = { simpleText: chapter.title };
      item.timeDescription = { simpleText: time, accessibility: { accessibilityData: { label: time } } };
      item.onTap.commandMetadata.webCommandMetadata.url = `/watch?v=${video.videoId}&t=${Math.floor(chapter.startMs / 1000)}s`;
      item.onTap.watchEndpoint.videoId = video.videoId;
      item.onTap.watchEndpoint.startTimeSeconds = chapter.startMs / 1000;
      delete item.onTap.watchEndpoint.watchEndpointSupportedOnesieConfig;
      return { macroMarkersListItemRenderer: item };
    });
    out.engagementPanels.push(panel);
  }
  return out;
}
