// The double's player core (served inside base.js). It builds #movie_player with the part of the
// real player API an extractor can use, runs BotGuard the way the web player does (the interpreter
// from www.google.com/js/th/, then GenerateIT on the WAA API), and decorates the caption tracks'
// URLs with a pot asynchronously, after the captions module has published its tracklist.
// Sources: research/youtube-2026.md §1–§2 (captions.js, BgUtils, bgutil-ytdlp-pot-provider, asbplayer).
(() => {
  const WAA_URL = "__WAA_URL__";
  const WAA_API_KEY = "AIzaSyDyT5W0Jh49F30Pqqtyfdf7pDLFKLJoAnw";
  const WAA_REQUEST_KEY = "O43z0dpjhgX20SCx4KAo";
  const me = document.currentScript;
  const captionsModuleUrl = me ? me.src.replace(/base\.js(\?.*)?$/, "captions.js") : "";

  const response = window.ytInitialPlayerResponse || {};
  const details = response.videoDetails || {};
  const videoId = details.videoId || "";
  const renderer = response.captions?.playerCaptionsTracklistRenderer || null;
  const label = (t) => (t && (t.simpleText || (t.runs || []).map((r) => r.text).join(""))) || "";
  const cfg = (key, fallback) => (window.ytcfg?.get ? window.ytcfg.get(key, fallback) : fallback);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Caption tracks, with the URL the player will request (baseUrl until the pot decorator runs).
  const captionTracks = (renderer?.captionTracks || []).map((t, index) => ({
    index,
    languageCode: t.languageCode,
    languageName: label(t.name),
    displayName: label(t.name),
    kind: t.kind || "",
    vssId: t.vssId,
    isTranslatable: !!t.isTranslatable,
    baseUrl: t.baseUrl,
    url: t.baseUrl,
  }));
  const translationLanguages = (renderer?.translationLanguages || []).map((l) => ({
    languageCode: l.languageCode,
    languageName: label(l.languageName),
  }));
  const formatAudio = (response.streamingData?.adaptiveFormats || [])
    .map((f) => f.audioTrack)
    .filter(Boolean);
  const audioTracks = (renderer?.audioTracks || [{}]).map((a, i) => {
    const format = formatAudio.find((f) => f.id === a.audioTrackId) || {};
    return {
      id: a.audioTrackId || "",
      displayName: format.displayName || "",
      isDefault: i === (renderer?.defaultAudioTrackIndex || 0),
      captionTrackIndices: a.captionTrackIndices || captionTracks.map((t) => t.index),
      defaultCaptionTrackIndex: a.defaultCaptionTrackIndex,
      captionsInitialState: a.captionsInitialState || "",
    };
  });
  let currentAudio = audioTracks.find((a) => a.isDefault) || audioTracks[0];
  const tracksOf = (audio) => audio.captionTrackIndices.map((i) => captionTracks[i]).filter(Boolean);

  // ---- BotGuard: the challenge embedded in the page (window.ytAtR), the VM from its own host. ----
  const b64ToBytes = (s) =>
    Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const bytesToB64url = (u) =>
    btoa(String.fromCharCode(...u))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/={1,2}$/, "");
  const loadScript = (src) =>
    new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.async = true;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`script failed: ${src}`));
      (document.head || document.documentElement).appendChild(s);
    });
  let minterPromise = null;
  function botguard() {
    if (minterPromise) return minterPromise;
    minterPromise = (async () => {
      if (typeof window.ytAtR !== "string") throw new Error("no attestation challenge");
      const challenge = JSON.parse(window.ytAtR).bgChallenge;
      const url = challenge.interpreterUrl.privateDoNotAccessOrElseTrustedResourceUrlWrappedValue;
      await loadScript(`https:${url}`);
      const vm = window[challenge.globalName];
      if (!vm || typeof vm.a !== "function") throw new Error("BotGuard VM missing");
      const snapshot = await new Promise((resolve) =>
        vm.a(
          challenge.program,
          (asyncSnapshotFunction) => resolve(asyncSnapshotFunction),
          true,
          undefined,
          () => {},
          [[], []],
        ),
      );
      const webPoSignalOutput = [];
      const botguardResponse = await new Promise((resolve) =>
        snapshot(resolve, [undefined, undefined, webPoSignalOutput, undefined]),
      );
      const answer = await fetch(WAA_URL, {
        method: "POST",
        headers: {
          "content-type": "application/json+protobuf",
          "x-goog-api-key": WAA_API_KEY,
          "x-user-agent": "grpc-web-javascript/0.1",
        },
        body: JSON.stringify([WAA_REQUEST_KEY, botguardResponse]),
      });
      if (!answer.ok) throw new Error(`GenerateIT answered ${answer.status}`);
      const [integrityToken] = await answer.json();
      if (typeof integrityToken !== "string" || !webPoSignalOutput[0]) throw new Error("no integrity token");
      return webPoSignalOutput[0](b64ToBytes(integrityToken));
    })();
    minterPromise.catch(() => {});
    return minterPromise;
  }
  const mintPot = async () => {
    const mint = await botguard();
    return bytesToB64url(await mint(new TextEncoder().encode(videoId)));
  };

  // ---- The pot decorator: listens to the captions module's trackListLoaded. ----
  // It adds pot and potc=1 to the tracks' URLs a random while (DOUBLE_POT_DELAY_MS, default 200–1500 ms)
  // after the tracklist became visible; if BotGuard failed, the tracks are left as they were.
  const [delayMin, delayMax] = cfg("DOUBLE_POT_DELAY_MS", [200, 1500]);
  async function decorate(tracks) {
    const started = Date.now();
    const delay = delayMin + Math.random() * Math.max(0, delayMax - delayMin);
    let pot = null;
    try {
      pot = await mintPot();
    } catch {
      pot = null;
    }
    await sleep(Math.max(0, started + delay - Date.now()));
    if (!pot) return;
    for (const t of tracks) if (!/[?&]pot=/.test(t.url)) t.url = `${t.baseUrl}&pot=${pot}&potc=1`;
  }

  // ---- The player element and its API. ----
  const player = document.createElement("div");
  player.id = "movie_player";
  player.className = "html5-video-player";
  player.innerHTML =
    '<video class="html5-main-video"></video><div class="ytp-caption-window-container" id="ytp-caption-window-container"></div>';

  const modules = {};
  window._yt_player_modules = window._yt_player_modules || {};
  const moduleFactories = window._yt_player_modules;
  let captionsLoading = null;
  const playerApi = {
    videoId,
    captionTracks,
    translationLanguages,
    tracksOf: () => tracksOf(currentAudio),
    currentAudio: () => currentAudio,
    decorate,
    clientParams: () => {
      const ver = encodeURIComponent(cfg("INNERTUBE_CLIENT_VERSION", ""));
      const brver = ((navigator.userAgent.match(/Chrome\/([\d.]+)/) || [])[1] || "").replace(
        /\.\d+\.\d+$/,
        ".0.0",
      );
      return `c=WEB&cver=${ver}&cplayer=UNIPLAYER&cos=X11&cplatform=DESKTOP&cbr=Chrome&cbrver=${brver}`;
    },
    render(text) {
      const win = player.querySelector(".ytp-caption-window-container");
      if (win) win.textContent = text;
    },
  };
  function loadCaptions() {
    if (modules.captions || captionsLoading || !captionTracks.length) return;
    captionsLoading = loadScript(captionsModuleUrl)
      .then(() => {
        const factory = moduleFactories.captions;
        if (!factory) throw new Error("captions module missing");
        modules.captions = factory(playerApi);
      })
      .catch(() => {})
      .finally(() => {
        captionsLoading = null;
      });
  }

  const visibleCaptionTrack = (t) => ({
    languageCode: t.languageCode,
    languageName: t.languageName,
    displayName: t.displayName,
    kind: t.kind,
    vssId: t.vssId,
    isTranslatable: t.isTranslatable,
    url: t.url,
  });
  const audioTrackObject = (a) => ({
    id: a.id,
    displayName: a.displayName,
    isDefault: a.isDefault,
    captionTracks: tracksOf(a).map(visibleCaptionTrack),
  });
  let switching = false;

  Object.assign(player, {
    getPlayerResponse: () => response,
    getVideoData: () => ({ video_id: videoId, title: details.title || "", author: details.author || "" }),
    getPlayerState: () => (response.playabilityStatus?.status === "OK" ? 5 : -1),
    loadModule(name) {
      if (name === "captions") loadCaptions();
    },
    unloadModule(name) {
      if (name === "captions" && modules.captions) {
        modules.captions.unload();
        delete modules.captions;
      }
    },
    getOption(module, option, options) {
      if (module !== "captions" || !modules.captions) return undefined;
      return modules.captions.getOption(option, options);
    },
    setOption(module, option, value) {
      if (module !== "captions" || !modules.captions) return;
      modules.captions.setOption(option, value);
    },
    getAudioTrack: () => audioTrackObject(currentAudio),
    getAvailableAudioTracks: () => audioTracks.map(audioTrackObject),
    setAudioTrack(track) {
      const target = audioTracks.find((a) => track && a.id === track.id);
      if (!target || target === currentAudio || switching) return !!target;
      switching = true;
      // The switch takes effect a few hundred ms later (a new audio stream, then the captions module).
      setTimeout(
        () => {
          switching = false;
          currentAudio = target;
          if (modules.captions) modules.captions.audioTrackChanged();
        },
        300 + Math.random() * 300,
      );
      return true;
    },
  });

  const place = () => (document.getElementById("player-wrap") || document.body).appendChild(player);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", place);
  else place();

  if (response.playabilityStatus?.status === "OK") {
    // The web player attests itself as it starts, whether captions are wanted or not.
    botguard();
    // Playback and the thumbnail: captions do not depend on either (research §2.2).
    const thumb = new Image();
    thumb.src = `https://i.ytimg.com/vi/${videoId}/hqdefault.jpg`;
    const sabr = response.streamingData?.serverAbrStreamingUrl;
    const media = sabr
      ? sabr.replace(/^https:\/\/[^/]+/, "https://rr1---sn-d0ub1e.googlevideo.com")
      : `https://rr1---sn-d0ub1e.googlevideo.com/videoplayback?id=${videoId}`;
    fetch(media, { method: "POST", body: new Uint8Array(64), credentials: "omit" }).catch(() => {});
    // Captions on by default: the player loads the captions module by itself.
    if (/^CAPTIONS_INITIAL_STATE_ON/.test(currentAudio.captionsInitialState)) loadCaptions();
  }
})();
