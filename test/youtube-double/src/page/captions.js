// The double's captions module (captions.js, loaded by loadModule('captions')). Modelled on the
// real module (research/youtube-2026.md §2.1, §2.3): the tracklist is visible as soon as the module
// exists; trackListLoaded then waits for the pot decorator; with captions on by default the module
// loads the default track itself after that; selecting the track already loaded is a no-op
// (captions.js XNJ: `z === B.O && B.loaded`); `reload` refetches; requests use the track's URL as it
// is at that moment, so an early request carries no pot.
(() => {
  window._yt_player_modules = window._yt_player_modules || {};
  const modules = window._yt_player_modules;
  modules.captions = (api) => {
    let current = null; // { track, translationLanguage }
    let loaded = false;
    let sequence = 0;
    let unloaded = false;

    const iy = (t, audio) => ({
      languageCode: t.languageCode,
      languageName: t.languageName,
      displayName: t.displayName,
      kind: t.kind,
      name: null,
      id: null,
      is_servable: false,
      is_default: t.index === audio.defaultCaptionTrackIndex,
      is_translateable: t.isTranslatable,
      vss_id: t.vssId,
    });

    function load(track, translationLanguage) {
      current = { track, translationLanguage };
      loaded = false;
      const mine = ++sequence;
      let url = `${track.url}&fmt=json3&xorb=2&xobt=3&xovt=3`;
      if (translationLanguage) url += `&tlang=${encodeURIComponent(translationLanguage.languageCode)}`;
      url += `&${api.clientParams()}`;
      fetch(url, { credentials: "include" })
        .then((answer) => answer.text())
        .then((body) => {
          if (mine !== sequence || unloaded) return;
          // An answer, even an empty one, makes the track the loaded one.
          loaded = true;
          let events = [];
          try {
            events = body ? (JSON.parse(body).events || []).filter((e) => e.segs) : [];
          } catch {
            events = [];
          }
          api.render(events.length ? events[0].segs.map((s) => s.utf8).join("") : "");
        })
        .catch(() => {
          if (mine === sequence) loaded = true;
        });
    }

    function trackListLoaded() {
      const audio = api.currentAudio();
      const tracks = api.tracksOf();
      return api.decorate(tracks).then(() => {
        if (unloaded || current || api.currentAudio() !== audio) return;
        // Captions on by default: the module picks the default track itself once decorated.
        if (/^CAPTIONS_INITIAL_STATE_ON/.test(audio.captionsInitialState)) {
          const fallback = tracks.find((t) => t.kind !== "asr") || tracks[0];
          const track = tracks.find((t) => t.index === audio.defaultCaptionTrackIndex) || fallback;
          if (track) load(track, null);
        }
      });
    }
    trackListLoaded();

    return {
      getOption(option, options) {
        const audio = api.currentAudio();
        if (option === "tracklist") {
          return api
            .tracksOf()
            .filter((t) => options?.includeAsr || t.kind !== "asr")
            .map((t) => iy(t, audio));
        }
        if (option === "translationLanguages") return api.translationLanguages.map((l) => ({ ...l }));
        if (option === "track") {
          if (!current) return {};
          const out = iy(current.track, audio);
          if (current.translationLanguage) out.translationLanguage = { ...current.translationLanguage };
          return out;
        }
        return undefined;
      },
      setOption(option, value) {
        if (option === "reload") {
          if (value && current) load(current.track, current.translationLanguage);
          return;
        }
        if (option !== "track" || !value) return;
        if (!value.languageCode) {
          current = null;
          loaded = false;
          sequence++;
          api.render("");
          return;
        }
        // As the real player's XNJ (captions.js, research §2.1): by languageCode, then the candidate
        // whose names match the given track's; kind itself is not looked at.
        const candidates = api.tracksOf().filter((t) => t.languageCode === value.languageCode);
        const track =
          candidates.find(
            (t) => t.languageName === value.languageName && t.displayName === value.displayName,
          ) || candidates[0];
        if (!track) return;
        const wanted = value.translationLanguage;
        const translationLanguage =
          wanted?.languageCode && track.isTranslatable
            ? {
                languageCode: wanted.languageCode,
                languageName:
                  wanted.languageName ||
                  api.translationLanguages.find((l) => l.languageCode === wanted.languageCode)
                    ?.languageName ||
                  "",
              }
            : null;
        const same =
          current &&
          current.track === track &&
          (current.translationLanguage ? current.translationLanguage.languageCode : null) ===
            (translationLanguage ? translationLanguage.languageCode : null);
        if (same && loaded) return;
        load(track, translationLanguage);
      },
      audioTrackChanged() {
        // The tracklist now shows the new audio track's captions; a track not among them is dropped.
        if (current && !api.tracksOf().includes(current.track)) {
          current = null;
          loaded = false;
          sequence++;
        }
        trackListLoaded();
      },
      unload() {
        unloaded = true;
        sequence++;
      },
    };
  };
})();
