import type { ApiError } from "@ytt/shared";
import { readCapture, startYoutubeDouble } from "@ytt/youtube-double";
import { describe, expect, it } from "vitest";
import { createRequestFilter } from "../../src/browser/request-filter.js";
import { classifyPlayability, detectInterstitial, retryAfterSeconds } from "../../src/extract/classify.js";
import { descriptionChapters, videoMetadata } from "../../src/extract/metadata.js";
import {
  extractInitialData,
  extractPlayerResponse,
  readTracklist,
} from "../../src/extract/parse/player-response.js";
import { parseFormat1, parseJson3, parseSrv3, parseTimedtext } from "../../src/extract/parse/timedtext.js";

/** The real captures, in the read-only data folder beside the repository. */
const capture = (name: string) => readCapture(name);
const json = (name: string) => JSON.parse(capture(name));

function errorOf(value: ApiError | null) {
  return value ? { code: value.code, details: value.details } : null;
}

describe("the captured WEB watch page", () => {
  const html = capture("youtube.html");
  const response = extractPlayerResponse(html);
  const initialData = extractInitialData(html);

  it("yields the caption tracklist: 8 manual tracks, English ASR, exp=xpe baseUrls, 156 translation languages", () => {
    const list = readTracklist(response);
    expect(list?.tracks.map((t) => `${t.kind}:${t.languageCode}:${t.name}`)).toEqual([
      "manual:zh:Chinese",
      "manual:cs:Czech",
      "manual:en:English",
      "asr:en:English (auto-generated)",
      "manual:de:German",
      "manual:hi:Hindi",
      "manual:ja:Japanese",
      "manual:ko:Korean",
      "manual:es:Spanish",
    ]);
    expect(list?.tracks.every((t) => t.isTranslatable && t.baseUrl.includes("exp=xpe"))).toBe(true);
    expect(list?.translationLanguages).toHaveLength(156);
    expect(list?.translationLanguages[0]).toEqual({ languageCode: "ab", name: "Abkhazian" });
  });

  it("yields the metadata and the chapters of the macro-markers panel", () => {
    const video = videoMetadata("GJLlxj_dtq8", response, initialData);
    expect(video).toMatchObject({
      videoId: "GJLlxj_dtq8",
      title: "Surface Go Review - It\u2019s Awesome",
      channelName: "Dave2D",
      channelId: "UCVYamHliCI9rw1tHR1xbkfw",
      durationMs: 316_000,
      publishDate: "2018-08-02T06:00:08-07:00",
      isLive: false,
    });
    expect(video.chapters).toHaveLength(10);
    expect(video.chapters[0]).toEqual({ title: "Build Quality", startMs: 39_160 });
    expect(video.chapters[9]).toEqual({ title: "Ports", startMs: 254_709 });
    expect(video.incomplete).toBeUndefined();
  });

  it("is playable and no interstitial", () => {
    expect(classifyPlayability(response)).toBeNull();
    expect(detectInterstitial(html)).toBeNull();
  });
});

describe("captured innertube answers", () => {
  it("ANDROID: videoDetails but no microformat, so no publish date and (without the page) unknown chapters", () => {
    const android = json("youtube.innertube.json");
    expect(android.microformat).toBeUndefined();
    expect(videoMetadata("GJLlxj_dtq8", android, undefined)).toEqual({
      videoId: "GJLlxj_dtq8",
      title: "Surface Go Review - It\u2019s Awesome",
      channelName: "Dave2D",
      channelId: "UCVYamHliCI9rw1tHR1xbkfw",
      durationMs: 316_000,
      isLive: false,
      chapters: [],
      incomplete: ["publishDate", "chapters"],
    });
  });

  it("ANDROID: runs-style names, srv3 baseUrls without exp, 18 translation languages", () => {
    const list = readTracklist(json("youtube.innertube.json"));
    expect(list?.tracks).toHaveLength(9);
    expect(list?.tracks[3]).toMatchObject({
      languageCode: "en",
      kind: "asr",
      name: "English (auto-generated)",
      vssId: "a.en",
    });
    expect(list?.tracks.every((t) => t.baseUrl.includes("fmt=srv3") && !t.baseUrl.includes("exp=xpe"))).toBe(
      true,
    );
    expect(list?.translationLanguages).toHaveLength(18);
    expect(list?.translationLanguages[1]).toEqual({ languageCode: "zh-Hant", name: "Chinese (Traditional)" });
  });

  it("classifies every refusal to its error code", () => {
    expect(errorOf(classifyPlayability(json("youtube_age_restricted.innertube.json")))).toEqual({
      code: "AGE_RESTRICTED",
      details: { status: "LOGIN_REQUIRED", reason: "This video may be inappropriate for some users." },
    });
    expect(errorOf(classifyPlayability(json("youtube_request_blocked.innertube.json")))).toEqual({
      code: "BLOCKED_BY_YOUTUBE",
      details: { reason: "Sign in to confirm you\u2019re not a bot" },
    });
    expect(errorOf(classifyPlayability(json("youtube_video_unavailable.innertube.json")))).toEqual({
      code: "VIDEO_UNAVAILABLE",
      details: { status: "ERROR", reason: "This video is unavailable" },
    });
  });

  it("transcripts disabled: playable, no tracklist; the live one says so", () => {
    for (const name of [
      "youtube_transcripts_disabled.innertube.json",
      "youtube_transcripts_disabled2.innertube.json",
    ]) {
      const response = json(name);
      expect(classifyPlayability(response)).toBeNull();
      expect(readTracklist(response)).toBeUndefined();
    }
    const live = json("youtube_transcripts_disabled2.innertube.json");
    expect(videoMetadata("Fjg5lYqvzUs", live, undefined)).toMatchObject({
      durationMs: 23_169_000,
      chapters: [],
    });
  });

  it("other statuses are VIDEO_UNPLAYABLE with YouTube's reason and subreasons", () => {
    const status = {
      status: "UNPLAYABLE",
      reason: "Video unavailable",
      errorScreen: {
        playerErrorMessageRenderer: { subreason: { runs: [{ text: "Not in " }, { text: "your country" }] } },
      },
    };
    expect(errorOf(classifyPlayability({ playabilityStatus: status }))).toEqual({
      code: "VIDEO_UNPLAYABLE",
      details: { status: "UNPLAYABLE", reason: "Video unavailable", subreasons: ["Not in your country"] },
    });
  });
});

describe("captured interstitials", () => {
  it("the consent page, acceptable when it carries the v value", () => {
    expect(detectInterstitial(capture("youtube_consent_page.html"))).toEqual({
      kind: "consent",
      acceptable: true,
    });
    expect(detectInterstitial(capture("youtube_consent_page_invalid.html"))).toEqual({
      kind: "consent",
      acceptable: false,
    });
  });

  it("the reCAPTCHA page", () => {
    expect(detectInterstitial(capture("youtube_too_many_requests.html"))).toEqual({ kind: "captcha" });
  });

  it("Retry-After as seconds or an HTTP date", () => {
    expect(retryAfterSeconds("120")).toBe(120);
    expect(retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 1)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(
      60,
    );
    expect(retryAfterSeconds(undefined)).toBeUndefined();
    expect(retryAfterSeconds("soon")).toBeUndefined();
  });
});

describe("timedtext parsers", () => {
  it("format 1 (the captured transcript.xml): seconds to ms, HTML unescaped, formatting dropped, empty cue skipped", () => {
    expect(parseFormat1(capture("transcript.xml"))).toEqual([
      { startMs: 0, durationMs: 1540, text: "Hey, this is just a test" },
      { startMs: 1540, durationMs: 4160, text: "this is not the original transcript" },
      { startMs: 5700, durationMs: 3239, text: "just something shorter, I made up for testing" },
    ]);
  });

  it("format 1 without dur, and double-escaped literal markup", () => {
    const body = '<transcript><text start="1.5">a &amp;lt;b&amp;gt; &amp;amp; c</text></transcript>';
    expect(parseFormat1(body)).toEqual([{ startMs: 1500, durationMs: 0, text: "a <b> & c" }]);
  });

  it("json3: window events, append and newline events skipped, numbers as strings", () => {
    const body = JSON.stringify({
      wireMagic: "pb3",
      events: [
        { tStartMs: 0, dDurationMs: 9000, id: 1, wpWinPosId: 1, wsWinStyleId: 1 },
        {
          tStartMs: "160",
          dDurationMs: "2000",
          wWinId: 1,
          segs: [{ utf8: "hello" }, { utf8: " world", tOffsetMs: 240 }],
        },
        { tStartMs: 2150, dDurationMs: 10, wWinId: 1, aAppend: 1, segs: [{ utf8: "\n" }] },
        { tStartMs: 2200, dDurationMs: 1000, segs: [{ utf8: "\n" }] },
        { tStartMs: 3000, dDurationMs: 1000, segs: [{ utf8: "two\nlines" }] },
        { tStartMs: 3500, dDurationMs: 500, aAppend: 1, segs: [{ utf8: " more" }] },
      ],
    });
    expect(parseJson3(body)).toEqual([
      { startMs: 160, durationMs: 2000, text: "hello world" },
      { startMs: 3000, durationMs: 1000, text: "two\nlines more" },
    ]);
  });

  it("srv3: <p t d> with <s> word spans, escaped text, append newlines skipped", () => {
    const body = `<?xml version="1.0" encoding="utf-8" ?><timedtext format="3"><head><ws id="0"/></head><body>
<p t="160" d="4200" w="1"><s ac="0">Tom</s><s t="240" ac="0"> &amp;amp; Jerry &lt;3</s></p>
<p t="4350" d="10" w="1" a="1">
</p>
<p t="5000" d="1000">caf&#233; &#x1F600;</p></body></timedtext>`;
    expect(parseSrv3(body)).toEqual([
      { startMs: 160, durationMs: 4200, text: "Tom &amp; Jerry <3" },
      { startMs: 5000, durationMs: 1000, text: "caf\u00e9 \u{1F600}" },
    ]);
    expect(parseTimedtext(body)).toEqual(parseSrv3(body));
  });

  it("refuses a body in no known format", () => {
    expect(() => parseTimedtext("<html>nope</html>")).toThrow(/unrecognised/);
  });
});

describe("description chapters", () => {
  it("follows YouTube's rule: three or more ascending timestamps from 0:00", () => {
    expect(descriptionChapters("Intro text\n0:00 Intro\n1:30 - Setup\n1:02:05 The end")).toEqual([
      { title: "Intro", startMs: 0 },
      { title: "Setup", startMs: 90_000 },
      { title: "The end", startMs: 3_725_000 },
    ]);
    expect(descriptionChapters("0:10 a\n0:20 b\n0:30 c")).toEqual([]);
    expect(descriptionChapters("0:00 a\n0:20 b")).toEqual([]);
  });
});

describe("the browser's request filter", () => {
  const verdicts = (origin: string, requests: [string, string][]) => {
    const filter = createRequestFilter(origin);
    return Object.fromEntries(requests.map(([url, type]) => [`${type} ${url}`, filter.verdict(url, type)]));
  };

  it("lets a test origin reach only itself, and skips what extraction does not need", () => {
    expect(
      verdicts("http://127.0.0.1:8790", [
        ["http://127.0.0.1:8790/watch?v=x", "document"],
        ["http://127.0.0.1:8790/api/timedtext?v=x", "fetch"],
        ["http://127.0.0.1:8790/vi/x/hqdefault.jpg", "image"],
        ["http://127.0.0.1:8790/api/stats/qoe?x=1", "xhr"],
        ["http://127.0.0.1:8791/", "document"],
        ["http://169.254.169.254/latest/meta-data", "fetch"],
        ["http://localhost:8790/watch", "document"],
      ]),
    ).toEqual({
      "document http://127.0.0.1:8790/watch?v=x": "allow",
      "fetch http://127.0.0.1:8790/api/timedtext?v=x": "allow",
      "image http://127.0.0.1:8790/vi/x/hqdefault.jpg": "skip",
      "xhr http://127.0.0.1:8790/api/stats/qoe?x=1": "skip",
      "document http://127.0.0.1:8791/": "refuse",
      "fetch http://169.254.169.254/latest/meta-data": "refuse",
      "document http://localhost:8790/watch": "refuse",
    });
  });

  it("for real YouTube allows its own hosts only", () => {
    expect(createRequestFilter("https://www.youtube.com").allowedOrigins).toEqual([
      "https://www.youtube.com",
      "https://youtube.com",
      "https://m.youtube.com",
      "https://consent.youtube.com",
    ]);
    expect(
      verdicts("https://www.youtube.com", [
        ["https://consent.youtube.com/s", "document"],
        ["https://www.youtube.com/s/player/x/base.js", "script"],
        ["https://www.google.com/sorry/index", "document"],
        ["https://i.ytimg.com/vi/x/hq.jpg", "image"],
        ["http://www.youtube.com/watch", "document"],
        ["https://10.0.0.1/", "document"],
      ]),
    ).toEqual({
      "document https://consent.youtube.com/s": "allow",
      "script https://www.youtube.com/s/player/x/base.js": "allow",
      "document https://www.google.com/sorry/index": "refuse",
      "image https://i.ytimg.com/vi/x/hq.jpg": "refuse",
      "document http://www.youtube.com/watch": "refuse",
      "document https://10.0.0.1/": "refuse",
    });
  });
});

describe("the double's ANDROID innertube answer", () => {
  it("has the capture's shape: the same top-level keys and videoDetails fields, no microformat", async () => {
    const double = await startYoutubeDouble();
    try {
      const answer = JSON.parse(
        (
          await double.fetch(`${double.origin}/youtubei/v1/player?prettyPrint=false`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "user-agent": "com.google.android.youtube/21.02.35 (Linux; U; Android 11) gzip",
            },
            body: JSON.stringify({
              context: { client: { clientName: "ANDROID", clientVersion: "21.02.35" } },
              videoId: "GJLlxj_dtq8",
            }),
          })
        ).body,
      );
      const real = json("youtube.innertube.json");
      expect(Object.keys(answer).sort()).toEqual(Object.keys(real).sort());
      expect(Object.keys(answer.videoDetails).sort()).toEqual(Object.keys(real.videoDetails).sort());
      expect(answer.microformat).toBeUndefined();
      // The same fields known and unknown (the values are the catalogue's).
      const fields = (response: unknown) => {
        const { chapters, incomplete, ...known } = videoMetadata("GJLlxj_dtq8", response, undefined);
        return { known: Object.keys(known).sort(), chapters, incomplete };
      };
      expect(fields(answer)).toEqual(fields(real));
    } finally {
      await double.close();
    }
  });
});
