export {
  captionsPath,
  DESKTOP_POLYMER_PATH,
  MAINAPP_PATH,
  OLD_PLAYER_VERSION,
  PLAYER_JS_PATH,
  PLAYER_VERSION,
  playerPath,
  WAA_URLS,
} from "./assets.js";
export { readCapture } from "./captures.js";
export {
  type CatalogueAudioTrack,
  type CatalogueTrack,
  type CatalogueVideo,
  DUBBED_AUDIO,
  expectedMetadata,
  expectedTrack,
  expectedTranscript,
  fillerVideoId,
  type Playability,
  trackOf,
  translateText,
  VIDEOS,
} from "./catalogue.js";
export {
  type CatalogueChannel,
  type CataloguePlaylist,
  CHANNELS,
  CONTINUATION_TTL_MS,
  type CollectionEntry,
  GRID_PAGE_SIZE,
  PLAYLIST_PAGE_SIZE,
  PLAYLISTS,
  SHOW_UNAVAILABLE_PARAMS,
} from "./collections.js";
export { consentPageHtml } from "./consent.js";
export {
  type AcceptedConsent,
  type BotguardSwitches,
  type DoubleAnswer,
  type DoubleStats,
  doubleUpstreamEnv,
  FAILURE_KINDS,
  type FailureKind,
  type FailureTarget,
  startYoutubeDouble,
  type YoutubeDouble,
  type YoutubeDoubleOptions,
} from "./server.js";
export { type DoubleTls, ensureDoubleTls, IMPERSONATED_HOSTS } from "./tls.js";
