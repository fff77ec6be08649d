import { ErrorBodySchema, renderTranscript } from "@ytt/shared";
import {
  expectedMetadata,
  expectedTrack,
  expectedTranscript,
  startYoutubeDouble,
  VIDEOS,
  type YoutubeDouble,
} from "@ytt/youtube-double";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUICK_POT_DELAY_MS } from "../helpers.js";
import { doubleEnv, runTool } from "./run-tool.js";

/** The extract CLI's contract (README, "Tools for operators"), against the double in the production configuration. */

let double: YoutubeDouble;
const extract = (...args: string[]) => runTool("extract", args, doubleEnv(double));
const TRAIL_LINE = /^route=[a-z-]+ outcome=[a-z_]+ ms=\d+$/;
const trail = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("route="));

beforeAll(async () => {
  double = await startYoutubeDouble({ potDelayMs: QUICK_POT_DELAY_MS });
});
afterAll(async () => {
  await double?.close();
});

function errorOf(stdout: string) {
  return ErrorBodySchema.parse(JSON.parse(stdout)).error;
}

describe("extract", () => {
  it("prints the transcript of any link as one line of JSON, the route trail on stderr, and exits 0", async () => {
    const run = await extract("https://www.youtube.com/watch?v=GJLlxj_dtq8&t=42s", "--lang", "EN,de");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split("\n")).toEqual([expect.any(String), ""]);
    expect(JSON.parse(run.stdout)).toEqual(
      expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }),
    );
    expect(trail(run.stderr)).toHaveLength(1);
    expect(trail(run.stderr)[0]).toMatch(/^route=player-page outcome=success ms=\d+$/);
  });

  it("--languages: the tracks and translation languages", async () => {
    const run = await extract("GJLlxj_dtq8", "--languages");
    expect(run.code, run.stderr).toBe(0);
    const video = VIDEOS.GJLlxj_dtq8 as never as Parameters<typeof expectedMetadata>[0];
    expect(JSON.parse(run.stdout)).toEqual({
      video: expectedMetadata(video),
      tracks: (video.tracks ?? []).map((t) => expectedTrack(video, t)),
      translationLanguages: video.translationLanguages,
    });
  });

  it("--format srt: the shared renderer's output; a failed route and the one that answered are both in the trail", async () => {
    const run = await extract("dblFallback", "--format", "srt");
    expect(run.code, run.stderr).toBe(0);
    const expected = expectedTranscript("dblFallback", { languageCode: "en", kind: "manual" });
    expect(run.stdout).toBe(renderTranscript(expected, "srt").body);
    expect(trail(run.stderr).map((l) => l.replace(/ ms=\d+$/, ""))).toEqual([
      "route=player-page outcome=failed",
      "route=innertube-android outcome=success",
    ]);
    for (const line of trail(run.stderr)) expect(line).toMatch(TRAIL_LINE);
  });

  it("a permanent error: its error JSON on stdout, exit 1", async () => {
    const run = await extract("dblNoCapts1");
    expect(run.code, run.stderr).toBe(1);
    expect(errorOf(run.stdout)).toMatchObject({ code: "TRANSCRIPTS_DISABLED", retryable: false });
    expect(trail(run.stderr).map((l) => l.replace(/ ms=\d+$/, ""))).toEqual([
      "route=player-page outcome=no_captions",
      "route=innertube-android outcome=no_captions",
    ]);
  });

  it("a retryable error: exit 2", async () => {
    const run = await extract("dblBotCheck");
    expect(run.code, run.stderr).toBe(2);
    expect(errorOf(run.stdout)).toMatchObject({ code: "BLOCKED_BY_YOUTUBE", retryable: true });
  });

  it.each([
    [["not a video"], "INVALID_VIDEO_REFERENCE", /11 characters/],
    [[], "INVALID_REQUEST", /expected one video/],
    [["GJLlxj_dtq8", "--kind", "best"], "INVALID_REQUEST", /^kind: /],
    [["GJLlxj_dtq8", "--format", "pdf"], "INVALID_REQUEST", /^format: /],
    [["GJLlxj_dtq8", "--lang", "english!"], "INVALID_REQUEST", /lang: "english!"/],
    [["GJLlxj_dtq8", "--languages", "--lang", "de"], "INVALID_REQUEST", /--languages takes no --lang/],
    [["GJLlxj_dtq8", "--verbose"], "INVALID_REQUEST", /Unknown option '--verbose'/],
  ])("bad arguments %j: %s, exit 1, before any route runs", async (args, code, message) => {
    const run = await extract(...args);
    expect(run.code, run.stderr).toBe(1);
    const error = errorOf(run.stdout);
    expect(error.code).toBe(code);
    expect(`${error.message} ${JSON.stringify(error.details ?? {})}`).toMatch(message);
    expect(trail(run.stderr)).toEqual([]);
  });
});

describe("extract's configuration", () => {
  it("needs only the engine's settings (no SIGNING_KEYS, no Redis); a bad one is a permanent error that names it", async () => {
    const run = await runTool("extract", ["GJLlxj_dtq8"], { ...doubleEnv(double), JOB_TIMEOUT_MS: "soon" });
    expect(run.code).toBe(1);
    expect(errorOf(run.stdout)).toMatchObject({
      code: "INVALID_REQUEST",
      message: expect.stringMatching(/^invalid origin configuration: JOB_TIMEOUT_MS: /),
    });
  });
});
