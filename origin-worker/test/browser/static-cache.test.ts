import {
  captionsPath,
  DESKTOP_POLYMER_PATH,
  expectedTranscript,
  MAINAPP_PATH,
  OLD_PLAYER_VERSION,
  PLAYER_VERSION,
  playerPath,
  startYoutubeDouble,
  type YoutubeDouble,
} from "@ytt/youtube-double";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/extract/index.js";
import { productionEngine, QUICK_POT_DELAY_MS, transcriptWork } from "../helpers.js";

/**
 * The worker's static cache in real Chromium against the double, the engine in its production
 * configuration: what each job fetches from YouTube's hosts, counted by the double per path.
 */

let double: YoutubeDouble;

beforeAll(async () => {
  double = await startYoutubeDouble({ potDelayMs: QUICK_POT_DELAY_MS });
});

afterAll(async () => {
  await double?.close();
});

beforeEach(() => double.reset());

/** A fresh engine (a worker process's cold cache) for the test. */
async function withEngine(test: (engine: Engine) => Promise<void>) {
  const engine = productionEngine(double, { navigationTimeoutMs: 5_000, jobTimeoutMs: 20_000 });
  try {
    await test(engine);
  } finally {
    await engine.close();
  }
}

const isStatic = (path: string) =>
  path.startsWith("www.youtube.com/s/") || path.startsWith("www.google.com/js/th/");

/** One job on the given video, and the requests it made to the double per host and path. */
async function job(engine: Engine, videoId = "GJLlxj_dtq8", headers: Record<string, string> = {}) {
  double.reset();
  double.setStaticHeaders(headers);
  expect(await engine.run(transcriptWork(videoId))).toEqual(
    expectedTranscript(videoId, { languageCode: "en", kind: "manual" }),
  );
  const requests = double.stats().requestsByPath;
  const paths = Object.keys(requests);
  return {
    static: paths.filter(isStatic).sort(),
    dynamic: Object.fromEntries(paths.filter((p) => !isStatic(p)).map((p) => [p, requests[p]])),
  };
}

const youtube = (path: string) => `www.youtube.com${path}`;
const APP = [DESKTOP_POLYMER_PATH, MAINAPP_PATH].map(youtube);
const player = (version: string) => [playerPath(version), captionsPath(version)].map(youtube);

describe("the static cache", () => {
  it("a later job fetches none of the versioned static files again, and every dynamic answer again", async () => {
    await withEngine(async (engine) => {
      const first = await job(engine);
      expect(first.static.filter((p) => !p.startsWith("www.google.com/js/th/"))).toEqual(
        [...APP, ...player(PLAYER_VERSION)].sort(),
      );
      expect(first.static.filter((p) => p.startsWith("www.google.com/js/th/"))).toHaveLength(1);
      const dynamic = {
        "www.youtube.com/watch": 1,
        "www.youtube.com/api/jnn/v1/GenerateIT": 1,
        "www.youtube.com/api/timedtext": 1,
      };
      expect(first.dynamic).toMatchObject(dynamic);

      const second = await job(engine);
      expect(second.static).toEqual([]);
      expect(second.dynamic).toEqual(dynamic);
    });
  });

  it("a new player version is fetched once; the rest of the app still comes from memory", async () => {
    await withEngine(async (engine) => {
      await job(engine);
      // dblOldPlayr's page names another player build than the first job's.
      expect((await job(engine, "dblOldPlayr")).static).toEqual(player(OLD_PLAYER_VERSION).sort());
      expect((await job(engine, "dblOldPlayr")).static).toEqual([]);
    });
  });

  it.each([
    ["sets a cookie", { "set-cookie": "YSC=d0ub1e; Domain=.youtube.com; Path=/; Secure" }],
    ["is Cache-Control: no-store", { "cache-control": "no-store" }],
    ["is Cache-Control: private", { "cache-control": "private, max-age=31536000" }],
  ])(
    "a static answer that %s is fetched again by every job; the same files answered plainly are kept",
    async (_case, headers) => {
      await withEngine(async (engine) => {
        const first = await job(engine, "GJLlxj_dtq8", headers);
        expect(first.static).toHaveLength(5);
        expect((await job(engine, "GJLlxj_dtq8", headers)).static).toEqual(first.static);
        expect((await job(engine)).static).toEqual(first.static);
        expect((await job(engine)).static).toEqual([]);
      });
    },
  );
});
