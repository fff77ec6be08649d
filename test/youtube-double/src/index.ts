export {
  type CatalogueTrack,
  type CatalogueVideo,
  expectedMetadata,
  expectedTrack,
  expectedTranscript,
  type Playability,
  trackOf,
  translateText,
  VIDEOS,
} from "./catalogue.js";
export { PLAYER_JS_PATH } from "./player-script.js";
export {
  type AcceptedConsent,
  type DoubleAnswer,
  type DoubleStats,
  doubleUpstreamEnv,
  type FailureTarget,
  startYoutubeDouble,
  type YoutubeDouble,
  type YoutubeDoubleOptions,
} from "./server.js";
export { type DoubleTls, ensureDoubleTls, IMPERSONATED_HOSTS } from "./tls.js";
