import type { WorkRequest } from "@ytt/shared";
import { readCapture } from "@ytt/youtube-double";
import { describe, expect, it } from "vitest";
import type { JobPage } from "../../src/browser/browser-host.js";
import { loadEngineConfig } from "../../src/config.js";
import { INNERTUBE_CLIENTS, innertubeClients } from "../../src/extract/innertube/clients.js";
import { readTracklist } from "../../src/extract/parse/player-response.js";
import { innertubeStrategy } from "../../src/extract/strategies/innertube.js";
import { RouteFailed, type StrategyJob } from "../../src/extract/strategies/strategy.js";
import type { UpstreamRequest } from "../../src/upstream/fetch.js";

const json = (name: string) => JSON.parse(readCapture(name));

const work: WorkRequest = {
  kind: "transcript",
  request: { videoId: "GJLlxj_dtq8", languages: ["en"], kind: "any", fallback: "error" },
};

/** A job whose upstream requests are recorded and answered from `answer`. */
function jobWith(answer: (url: string) => { status: number; body: string }) {
  const requests: { url: string; init: UpstreamRequest }[] = [];
  const job: StrategyJob = {
    work,
    jobPage: { browserGone: () => false } as JobPage,
    origin: "https://www.youtube.com",
    locale: "de-AT",
    stepTimeoutMs: 1000,
    potTimeoutMs: 1000,
    fetchUpstream: async (url, init = {}) => {
      requests.push({ url, init });
      return { headers: {}, ...answer(url) };
    },
    signal: new AbortController().signal,
    shared: {},
  };
  return { job, requests };
}

const trackOf = (capture: string, languageCode = "en") => {
  const track = readTracklist(json(capture))?.tracks.find(
    (t) => t.languageCode === languageCode && t.kind === "manual",
  );
  if (!track) throw new Error("no track");
  return track;
};

describe("innertube routes speak as the app, from Node", () => {
  it("ANDROID: its User-Agent and client headers, the context with userAgent and the locale, no browser headers", async () => {
    const { job, requests } = jobWith(() => ({ status: 200, body: '{"playabilityStatus":{"status":"OK"}}' }));
    const route = innertubeStrategy(INNERTUBE_CLIENTS.ANDROID);
    expect(route.name).toBe("innertube-android");
    await route.playerResponse(job);
    const [request] = requests;
    expect(request?.url).toBe("https://www.youtube.com/youtubei/v1/player?prettyPrint=false");
    expect(request?.init.headers).toEqual({
      "user-agent": "com.google.android.youtube/21.02.35 (Linux; U; Android 11) gzip",
      "x-youtube-client-name": "3",
      "x-youtube-client-version": "21.02.35",
      "content-type": "application/json",
    });
    expect(JSON.parse(request?.init.body ?? "")).toEqual({
      context: {
        client: {
          clientName: "ANDROID",
          clientVersion: "21.02.35",
          androidSdkVersion: 30,
          osName: "Android",
          osVersion: "11",
          userAgent: "com.google.android.youtube/21.02.35 (Linux; U; Android 11) gzip",
          hl: "de",
          gl: "AT",
        },
      },
      videoId: "GJLlxj_dtq8",
      contentCheckOk: true,
      racyCheckOk: true,
    });
  });

  it("IOS is a route of its own with its own identity", async () => {
    const { job, requests } = jobWith(() => ({ status: 200, body: "{}" }));
    const route = innertubeStrategy(INNERTUBE_CLIENTS.IOS);
    expect(route.name).toBe("innertube-ios");
    await route.playerResponse(job);
    expect(requests[0]?.init.headers).toMatchObject({
      "user-agent": expect.stringMatching(/^com\.google\.ios\.youtube\/21\.02\.3 /),
      "x-youtube-client-name": "5",
    });
  });

  it("a caption URL with exp=xpe or exp=xpv fails the route without a request", async () => {
    const { job, requests } = jobWith(() => ({ status: 200, body: "" }));
    const route = innertubeStrategy(INNERTUBE_CLIENTS.ANDROID);
    const potBound = trackOf("youtube_po_token_required.innertube.json");
    await expect(route.timedtext(job, { track: potBound })).rejects.toThrow(
      new RouteFailed("caption URL needs a pot (exp=xpe)"),
    );
    const xpv = { ...potBound, baseUrl: potBound.baseUrl.replace("exp=xpe", "exp=xpv") };
    await expect(route.timedtext(job, { track: xpv })).rejects.toThrow(/needs a pot \(exp=xpv\)/);
    expect(requests).toEqual([]);
  });

  it("fetches a plain caption URL (with tlang) as the app, and refuses one off YouTube", async () => {
    const { job, requests } = jobWith(() => ({ status: 200, body: "<transcript/>" }));
    const route = innertubeStrategy(INNERTUBE_CLIENTS.ANDROID);
    const plain = trackOf("youtube.innertube.json");
    expect(
      await route.timedtext(job, { track: plain, translateTo: { languageCode: "pl", name: "Polish" } }),
    ).toBe("<transcript/>");
    const fetched = new URL(requests[0]?.url ?? "");
    expect([fetched.host, fetched.searchParams.get("tlang"), fetched.searchParams.get("fmt")]).toEqual([
      "www.youtube.com",
      "pl",
      "srv3",
    ]);
    expect(requests[0]?.init.headers).not.toHaveProperty("origin");
    const elsewhere = { ...plain, baseUrl: plain.baseUrl.replace("www.youtube.com", "evil.example") };
    await expect(route.timedtext(job, { track: elsewhere })).rejects.toThrow(/off YouTube: evil.example/);
    expect(requests).toHaveLength(1);
  });

  it("429 is a block (retryable), other statuses a route failure", async () => {
    const route = innertubeStrategy(INNERTUBE_CLIENTS.ANDROID);
    await expect(route.playerResponse(jobWith(() => ({ status: 429, body: "" })).job)).rejects.toMatchObject({
      code: "BLOCKED_BY_YOUTUBE",
    });
    await expect(route.playerResponse(jobWith(() => ({ status: 500, body: "" })).job)).rejects.toBeInstanceOf(
      RouteFailed,
    );
  });
});

describe("INNERTUBE_CLIENTS", () => {
  const config = (value?: string) =>
    loadEngineConfig(value === undefined ? {} : { INNERTUBE_CLIENTS: value });

  it("is an ordered list of known clients, ANDROID by default, empty for no fallback", () => {
    expect(config().INNERTUBE_CLIENTS).toEqual(["ANDROID"]);
    expect(config(" ios , android").INNERTUBE_CLIENTS).toEqual(["IOS", "ANDROID"]);
    expect(config("").INNERTUBE_CLIENTS).toEqual([]);
    expect(innertubeClients(["IOS", "ANDROID"]).map((c) => c.name)).toEqual(["IOS", "ANDROID"]);
  });

  it("refuses unknown or repeated clients", () => {
    expect(() => config("ANDROID,TVHTML5")).toThrow(/INNERTUBE_CLIENTS: known clients: ANDROID, IOS/);
    expect(() => config("ANDROID,android")).toThrow(/listed twice/);
  });
});
