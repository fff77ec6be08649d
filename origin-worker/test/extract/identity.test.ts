import { startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadEngineConfig } from "../../src/config.js";
import type { Engine } from "../../src/extract/engine.js";
import { productionEngine, QUICK_POT_DELAY_MS, transcriptWork } from "../helpers.js";

/** What YouTube learns of the browser from its watch-page request: User-Agent, client hints, language. */
describe("the browser presents itself as the Chrome it is", () => {
  let double: YoutubeDouble;
  const engines: Engine[] = [];
  beforeAll(async () => {
    double = await startYoutubeDouble({ port: 0, potDelayMs: QUICK_POT_DELAY_MS });
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });
  afterAll(async () => {
    await double?.close();
  });

  const headersOfAJob = async (options: Parameters<typeof productionEngine>[1] = {}) => {
    double.reset();
    const engine = productionEngine(double, options);
    engines.push(engine);
    await engine.run(transcriptWork("GJLlxj_dtq8"));
    return double.stats().lastWatchHeaders;
  };

  it("says Chrome, never HeadlessChrome, in the User-Agent and the client hints, and asks for its locale", async () => {
    const headers = await headersOfAJob({ locale: "de-DE" });
    expect(headers["user-agent"]).toMatch(/ Chrome\/\d+\.\d+\.\d+\.\d+ /);
    expect(headers["user-agent"]).not.toMatch(/headless/i);
    const major = /Chrome\/(\d+)/.exec(headers["user-agent"] ?? "")?.[1];
    expect(headers["sec-ch-ua"]).toContain(`"Chromium";v="${major}"`);
    expect(headers["sec-ch-ua"]).not.toMatch(/headless/i);
    expect(headers["sec-ch-ua-mobile"]).toBe("?0");
    expect(headers["sec-ch-ua-platform"]).toBe('"Linux"');
    expect(headers["accept-language"]).toBe("de-DE,de;q=0.9");
  });

  it("makes the client hints agree with a configured User-Agent", async () => {
    const windows =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36";
    const headers = await headersOfAJob({ userAgent: windows });
    expect(headers["user-agent"]).toBe(windows);
    expect(headers["sec-ch-ua"]).toContain('"Chromium";v="131"');
    expect(headers["sec-ch-ua-platform"]).toBe('"Windows"');
    expect(headers["sec-ch-ua-mobile"]).toBe("?0");
  });

  it("refuses a BROWSER_USER_AGENT that is not Chrome's: the hints could not agree with it", () => {
    expect(() =>
      loadEngineConfig({
        BROWSER_USER_AGENT: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
      }),
    ).toThrow(/BROWSER_USER_AGENT/);
  });
});
