/**
 * The double's `base.js`: builds `#movie_player` with the part of the real player API the engine
 * drives (getPlayerResponse, loadModule, getOption/setOption for captions), and makes the caption
 * request the way YouTube's player does: the track's baseUrl plus fmt=json3, client parameters
 * and a proof-of-origin token (`pot`) minted in the page, here bound to the page's challenge and
 * the video, as BotGuard binds the real one.
 */
export const PLAYER_JS_PATH = "/s/player/d0ub1e00/player_ias.vflset/en_US/base.js";

export const PLAYER_SCRIPT = `(() => {
  "use strict";
  const response = window.ytInitialPlayerResponse || {};
  const renderer = (response.captions || {}).playerCaptionsTracklistRenderer || { captionTracks: [], translationLanguages: [] };
  const label = (t) => (t && (t.simpleText || (t.runs || []).map((r) => r.text).join(""))) || "";
  const defaultIndex = ((renderer.audioTracks || [])[0] || {}).defaultCaptionTrackIndex;
  const tracks = (renderer.captionTracks || []).map((t, i) => ({
    languageCode: t.languageCode, languageName: label(t.name), kind: t.kind || "", name: null,
    displayName: label(t.name), id: null, is_servable: false, is_default: i === defaultIndex,
    is_translateable: !!t.isTranslatable, vss_id: t.vssId, baseUrl: t.baseUrl,
  }));
  const translationLanguages = (renderer.translationLanguages || []).map((l) => ({
    languageCode: l.languageCode, languageName: label(l.languageName),
  }));
  const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/[+]/g, "-").replace(/[/]/g, "_").replace(/=+$/, "");

  // Stands in for BotGuard's WebPO minter: asynchronous, and only valid for this page load and video.
  const mintPot = async (videoId) =>
    b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ytcfg.get("PO_CHALLENGE") + ":" + videoId)));

  const captions = { loaded: false, track: null, cues: [] };

  async function loadTrack(track, translationLanguage) {
    const pot = await mintPot(response.videoDetails.videoId);
    let url = track.baseUrl + "&xorb=2&xobt=3&xovt=3&cbrand=&cbr=Chrome&cbrver=&c=WEB&cver=" +
      encodeURIComponent(ytcfg.get("INNERTUBE_CLIENT_VERSION")) + "&cplayer=UNIPLAYER&cos=X11&cplatform=DESKTOP";
    if (translationLanguage) url += "&tlang=" + encodeURIComponent(translationLanguage.languageCode);
    url += "&fmt=json3&pot=" + pot + "&potc=1";
    const answer = await fetch(url, { credentials: "include" });
    const body = await answer.text();
    captions.cues = body ? (JSON.parse(body).events || []).filter((e) => e.segs) : [];
    const win = document.querySelector(".ytp-caption-window-container");
    if (win) win.textContent = captions.cues.length ? captions.cues[0].segs.map((s) => s.utf8).join("") : "";
  }

  const player = document.createElement("div");
  player.id = "movie_player";
  player.className = "html5-video-player";
  player.innerHTML = '<video class="html5-main-video"></video><div class="ytp-caption-window-container"></div>';
  Object.assign(player, {
    getPlayerResponse: () => response,
    getVideoData: () => ({ video_id: (response.videoDetails || {}).videoId, title: (response.videoDetails || {}).title }),
    getPlayerState: () => ((response.playabilityStatus || {}).status === "OK" ? 5 : -1),
    loadModule(name) {
      // The captions module arrives a moment later, as the real one does.
      if (name === "captions" && tracks.length) setTimeout(() => { captions.loaded = true; }, 30);
    },
    unloadModule(name) {
      if (name === "captions") { captions.loaded = false; captions.track = null; }
    },
    getOption(module, option, options) {
      if (module !== "captions" || !captions.loaded) return undefined;
      if (option === "tracklist") {
        return tracks.filter((t) => (options && options.includeAsr) || t.kind !== "asr").map(({ baseUrl, ...t }) => t);
      }
      if (option === "translationLanguages") return translationLanguages.slice();
      if (option === "track") return captions.track ? { ...captions.track } : {};
      return undefined;
    },
    setOption(module, option, value) {
      if (module !== "captions" || !captions.loaded || option !== "track" || !value) return;
      const track = tracks.find((t) => t.languageCode === value.languageCode && t.kind === (value.kind || ""));
      if (!track) return;
      const translationLanguage = value.translationLanguage && track.is_translateable ? value.translationLanguage : null;
      const { baseUrl, ...visible } = track;
      captions.track = translationLanguage ? { ...visible, translationLanguage } : visible;
      loadTrack(track, translationLanguage).catch(() => {});
    },
  });
  const place = () => (document.getElementById("player-wrap") || document.body).appendChild(player);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", place);
  else place();
})();
`;
