/**
 * `pnpm --filter @ytt/test bench:collection` (part of `pnpm bench`): issue 14's comparison of one
 * collection job with the same number of single requests, through the whole chain (edge → origin →
 * BullMQ → a worker's Chromium → the YouTube double), both sides in one run on one stack.
 *   - the collection: the double's 120-entry playlist with `limit` 100 (its first 100 entries, over
 *     both of its pages: one deleted, one without captions), polled until it has finished;
 *   - the singles: 100 other captioned videos of the double (fillers 101–200, in none of the
 *     playlist's first 100 entries), asked for as a client pipeline would, SINGLE_CONCURRENCY at a
 *     time, polling a 202's job.
 * Neither side's videos were asked for before, so each starts from a cold store (edge and origin):
 * a shared video would be served from the other side's work and measure nothing. Extractions are
 * counted where they happen: the double's watch pages and served timedtext, and the worker's jobs.
 * Then, with another key, the double's channel's videos tab (70 of the singles' videos) after the
 * origin's result store forgot every answer (as a day passing would): only the edge's store holds
 * them (the singles were asked for through it), and the collection asks it.
 * Tunables: BENCH_VIDEOS (videos per side, at most 100, default 100), BENCH_LOGS=1.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { JobBodySchema } from "@ytt/shared";
import { CHANNELS, type DoubleStats, fillerVideoId, PLAYLISTS } from "@ytt/youtube-double";
import { call, callMany, pollJob, total } from "../stack/client.js";
import { forgetOriginResults, metricSum, printLog, type Stack, startStack } from "../stack/index.js";

const PLAYLIST = "PLdbl120VideosWithGapsAndNoCapts01";
const VIDEOS = Math.min(100, Number(process.env.BENCH_VIDEOS ?? 100));
/** In flight at once on the singles side: past the worker's 2 slots, so it never waits for the client. */
const SINGLE_CONCURRENCY = 4;
/** Between polls: a key's burst limit is 60 requests a minute, polls included. */
const POLL_MS = 1500;
/** Warms the worker's Chromium and static cache before either side: the playlist's 101st entry, in neither side. */
const WARM_UP = fillerVideoId(97);
/** One client address for the whole bench (the per-address limits do not touch keys of one's own). */
const CLIENT_IP = "203.0.113.7";
const singles = Array.from({ length: VIDEOS }, (_, i) => fillerVideoId(101 + i));
/** The double's channel whose videos tab (fillers 116–185) the singles side asks for, one by one. */
const CHANNEL = "https://www.youtube.com/@doublechannel/videos";
const CHANNEL_VIDEOS = CHANNELS.find((c) => c.handle === "@doublechannel")?.tabs.videos ?? [];

const playlistHead = new Set(PLAYLISTS[PLAYLIST]?.entries.slice(0, VIDEOS).map((e) => e.videoId));
if (singles.some((v) => playlistHead.has(v)) || playlistHead.has(WARM_UP)) {
  throw new Error("the two sides must not share a video: each must start from a cold store");
}
/** The channel job takes the head of the tab the singles side asked for (all 70 with BENCH_VIDEOS 85 or more). */
const channelHead = CHANNEL_VIDEOS.findIndex((v) => !singles.includes(v));
const CHANNEL_LIMIT = channelHead < 0 ? CHANNEL_VIDEOS.length : channelHead;

/** One video asked for on its own: whether it ended with its transcript; 429s wait their Retry-After. */
async function single(stack: Stack, key: string, videoId: string): Promise<boolean> {
  for (;;) {
    const answer = await call(stack, `/v1/transcripts/${videoId}?lang=en`, { key, ip: CLIENT_IP });
    if (answer.status === 200) return true;
    if (answer.status === 202) {
      const { job } = JobBodySchema.parse(answer.json);
      return (await poll(stack, key, job.statusUrl)).job.status === "completed";
    }
    if (answer.status !== 429 && answer.status !== 503) {
      console.warn(`${videoId}: ${answer.status} ${answer.text.slice(0, 200)}`);
      return false;
    }
    await sleep(Number(answer.headers.get("retry-after") ?? 1) * 1000);
  }
}

/** A job polled as a client pipeline would, slowly enough for the key's burst limit, to its end. */
const poll = (stack: Stack, key: string, statusUrl: string) =>
  pollJob(stack, statusUrl, key, {
    ip: CLIENT_IP,
    intervalMs: POLL_MS,
    timeoutMs: 30 * 60_000,
    waitOutRateLimit: true,
  });

interface Counts {
  double: DoubleStats;
  /** Transcript job attempts the workers made (origin_jobs_total; a collection's coordinator is not one). */
  jobs: number;
}

async function counts(stack: Stack): Promise<Counts> {
  const double = await stack.double?.stats();
  if (!double) throw new Error("the bench runs against the double");
  const jobs = await Promise.all(stack.workers.map((w) => metricSum(w.opsUrl, "origin_jobs_total")));
  return { double, jobs: jobs.reduce((a, b) => a + b, 0) };
}

interface Side {
  seconds: number;
  completed: number;
  failed: number;
  watchPages: number;
  timedtextServed: number;
  youtubeRequests: number;
  jobs: number;
}

/** Runs one side and what it cost, from the counters' difference. */
async function measure(
  stack: Stack,
  run: () => Promise<{ completed: number; failed: number }>,
): Promise<Side> {
  const before = await counts(stack);
  const start = performance.now();
  const { completed, failed } = await run();
  const seconds = (performance.now() - start) / 1000;
  const after = await counts(stack);
  return {
    seconds,
    completed,
    failed,
    watchPages: total(after.double.watchPages) - total(before.double.watchPages),
    timedtextServed: total(after.double.timedtextServed) - total(before.double.timedtextServed),
    // (The stats are read from the double's control port, which counts nothing.)
    youtubeRequests: after.double.requests - before.double.requests,
    jobs: after.jobs - before.jobs,
  };
}

const stack = await startStack({
  youtube: "double",
  workers: 1,
  log: process.env.BENCH_LOGS === "1" ? printLog : () => {},
  originEnv: { LOG_LEVEL: "warn" },
  // One key per side, so neither's polls count towards the other's burst limit.
  keys: [
    { owner: "bench-collection", plan: "pro" },
    { owner: "bench-singles", plan: "pro" },
    { owner: "bench-again", plan: "pro" },
  ],
});
try {
  const [collectionKey, singlesKey, againKey] = stack.keys as [string, string, string];
  if (!(await single(stack, stack.apiKey, WARM_UP))) throw new Error(`the warm-up (${WARM_UP}) failed`);

  const singlesSide = await measure(stack, async () => {
    const answers = await callMany(
      singles.length,
      (i) => single(stack, singlesKey, singles[i] as string),
      SINGLE_CONCURRENCY,
    );
    const completed = answers.filter(Boolean).length;
    return { completed, failed: singles.length - completed };
  });

  const extracted: number[] = [];
  const collection = (key: string, order: { collection: string; limit: number }) => async () => {
    const created = await call(stack, "/v1/collections", {
      key,
      ip: CLIENT_IP,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...order, lang: "en" }),
    });
    if (created.status !== 202) throw new Error(`collection: ${created.status} ${created.text}`);
    const done = await poll(stack, key, JobBodySchema.parse(created.json).job.statusUrl);
    if (done.job.status !== "completed" || !done.progress)
      throw new Error(`collection: ${JSON.stringify(done)}`);
    extracted.push(done.progress.extracted);
    return { completed: done.progress.done, failed: done.progress.failed };
  };
  const collectionSide = await measure(
    stack,
    collection(collectionKey, { collection: PLAYLIST, limit: VIDEOS }),
  );
  // Days later: the origin's store has forgotten every answer; the edge's still holds what clients
  // asked for singly, among them the singles side's videos of the channel's videos tab.
  const forgotten = await forgetOriginResults(stack);
  // (None when BENCH_VIDEOS is below 16: the singles then hold none of the tab's videos.)
  const againSide =
    CHANNEL_LIMIT > 0
      ? await measure(stack, collection(againKey, { collection: CHANNEL, limit: CHANNEL_LIMIT }))
      : undefined;

  const row = (measure: string, value: (s: Side) => number, digits = 0) => {
    const [c, s] = [value(collectionSide), value(singlesSide)];
    const ratio = s === 0 ? "–" : `${(c / s).toFixed(2)}×`;
    const again = againSide ? value(againSide).toFixed(digits) : "–";
    console.log(`| ${measure} | ${c.toFixed(digits)} | ${s.toFixed(digits)} | ${ratio} | ${again} |`);
  };
  console.log(
    `\nA ${VIDEOS}-video playlist job vs ${VIDEOS} single requests (${SINGLE_CONCURRENCY} at a time), through the chain on ${process.platform}/${process.arch}, 1 worker × 2 jobs, YouTube double on 127.0.0.1\n`,
  );
  console.log(
    `| measure | playlist job | ${VIDEOS} single requests | ratio | ${CHANNEL_LIMIT}-video channel job, days later |`,
  );
  console.log("| --- | ---: | ---: | ---: | ---: |");
  row("wall time, s", (s) => s.seconds, 1);
  row("videos finished per second", (s) => (s.completed + s.failed) / s.seconds, 3);
  row("transcripts delivered", (s) => s.completed);
  row("videos failed", (s) => s.failed);
  row("extractions: watch pages the double served", (s) => s.watchPages);
  row("extractions: timedtext answers with a transcript", (s) => s.timedtextServed);
  row("requests to the double, all paths", (s) => s.youtubeRequests);
  row("origin transcript jobs (worker attempts)", (s) => s.jobs);
  console.log(
    `\n(the collections' own counts: ${extracted[0]} of the playlist's and ${extracted[1] ?? "–"} of the channel's videos needed an extraction; ${forgotten} answers dropped from the origin's store before the channel's, whose videos only the edge's store still held)`,
  );
} finally {
  await stack.close();
}
