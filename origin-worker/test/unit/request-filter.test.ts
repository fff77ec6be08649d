import { describe, expect, it } from "vitest";
import { createRequestFilter } from "../../src/browser/request-filter.js";

/** Verdicts keyed "type url", so a failure shows which request got which answer. */
const verdicts = (origin: string, requests: [string, string][]) => {
  const filter = createRequestFilter(origin);
  return Object.fromEntries(requests.map(([type, url]) => [`${type} ${url}`, filter.verdict(url, type)]));
};

const INTERPRETER = "https://www.google.com/js/th/sw3VTUzeRvWIVwvWSyk6S5gHWPxOOwU1OxerozmN4Hw.js";
const WAA = "https://jnn-pa.googleapis.com/$rpc/google.internal.waa.v1.Waa/GenerateIT";

describe("the request filter for the real YouTube: what BotGuard minting needs, nothing more", () => {
  it("allows the BotGuard interpreter as a script, the WAA calls as xhr/fetch, and YouTube's own jnn proxy", () => {
    expect(
      verdicts("https://www.youtube.com", [
        ["script", INTERPRETER],
        ["xhr", WAA],
        ["fetch", "https://jnn-pa.googleapis.com/$rpc/google.internal.waa.v1.Waa/Create"],
        ["preflight", WAA],
        ["other", WAA],
        ["xhr", "https://www.youtube.com/api/jnn/v1/GenerateIT"],
      ]),
    ).toEqual({
      [`script ${INTERPRETER}`]: "allow",
      [`xhr ${WAA}`]: "allow",
      "fetch https://jnn-pa.googleapis.com/$rpc/google.internal.waa.v1.Waa/Create": "allow",
      [`preflight ${WAA}`]: "allow",
      [`other ${WAA}`]: "allow",
      "xhr https://www.youtube.com/api/jnn/v1/GenerateIT": "allow",
    });
  });

  it("refuses every other www.google.com path and type, so /sorry/ stays a refused navigation", () => {
    expect(
      verdicts("https://www.youtube.com", [
        ["document", "https://www.google.com/sorry/index?continue=x"],
        ["document", INTERPRETER],
        ["xhr", INTERPRETER],
        ["script", "https://www.google.com/js/bg/other.js"],
        ["script", "https://www.google.com/js/th/../../sorry/index"],
        ["script", "http://www.google.com/js/th/x.js"],
        ["script", "https://google.com/js/th/x.js"],
        ["script", "https://www.google.com.evil.example/js/th/x.js"],
      ]),
    ).toEqual({
      "document https://www.google.com/sorry/index?continue=x": "refuse",
      [`document ${INTERPRETER}`]: "refuse",
      [`xhr ${INTERPRETER}`]: "refuse",
      "script https://www.google.com/js/bg/other.js": "refuse",
      "script https://www.google.com/js/th/../../sorry/index": "refuse",
      "script http://www.google.com/js/th/x.js": "refuse",
      "script https://google.com/js/th/x.js": "refuse",
      "script https://www.google.com.evil.example/js/th/x.js": "refuse",
    });
  });

  it("refuses other jnn-pa paths and types, and keeps thumbnails and media hosts out", () => {
    expect(
      verdicts("https://www.youtube.com", [
        ["script", WAA],
        ["document", WAA],
        ["xhr", "https://jnn-pa.googleapis.com/$rpc/google.internal.other.v1.Thing/Get"],
        ["image", "https://i.ytimg.com/vi/x/hqdefault.jpg"],
        ["xhr", "https://i.ytimg.com/generate_204"],
        ["media", "https://rr1---sn-abc.googlevideo.com/videoplayback?id=1"],
        ["xhr", "https://rr1---sn-abc.googlevideo.com/videoplayback?id=1"],
      ]),
    ).toEqual({
      [`script ${WAA}`]: "refuse",
      [`document ${WAA}`]: "refuse",
      "xhr https://jnn-pa.googleapis.com/$rpc/google.internal.other.v1.Thing/Get": "refuse",
      "image https://i.ytimg.com/vi/x/hqdefault.jpg": "refuse",
      "xhr https://i.ytimg.com/generate_204": "refuse",
      "media https://rr1---sn-abc.googlevideo.com/videoplayback?id=1": "refuse",
      "xhr https://rr1---sn-abc.googlevideo.com/videoplayback?id=1": "refuse",
    });
  });

  it("allows no Google host at all when the configured origin is not the real YouTube", () => {
    expect(
      verdicts("http://127.0.0.1:8790", [
        ["script", INTERPRETER],
        ["xhr", WAA],
      ]),
    ).toEqual({ [`script ${INTERPRETER}`]: "refuse", [`xhr ${WAA}`]: "refuse" });
  });
});
