import { expectedTranscript, startYoutubeDouble, type YoutubeDouble } from "@ytt/youtube-double";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobData } from "../../src/queue/queue.js";
import { type ForwardProxy, startForwardProxy } from "../forward-proxy.js";
import {
  eventually,
  QUICK_POT_DELAY_MS,
  type RunningApi,
  signedFetch,
  spawnWorker,
  startApi,
  uniqueQueueName,
  type WorkerProcess,
} from "../helpers.js";

/**
 * A worker process with a pool of two proxies (PROXY_URLS), both exits refused by YouTube: jobs
 * wait without spending their attempts, and finish once an exit is let through again.
 */
describe("a worker whose every proxy is refused", () => {
  const queueName = uniqueQueueName("pool");
  let double: YoutubeDouble;
  let proxies: ForwardProxy[];
  let api: RunningApi;
  let worker: WorkerProcess;

  beforeAll(async () => {
    double = await startYoutubeDouble({ port: 0, potDelayMs: QUICK_POT_DELAY_MS });
    proxies = await Promise.all(
      ["127.0.0.2", "127.0.0.3"].map((exitAddress, i) =>
        startForwardProxy({
          username: `u${i}`,
          password: `p${i}-secret`,
          exitAddress,
          hostRules: double.hostRules,
        }),
      ),
    );
    api = await startApi({ QUEUE_NAME: queueName, WAIT_BUDGET_MS: "200" });
    worker = spawnWorker({
      QUEUE_NAME: queueName,
      ...double.upstreamEnv,
      PROXY_URLS: proxies.map((p) => p.url).join(","),
      PROXY_QUARANTINE_BASE_MS: "4000",
      PROXY_QUARANTINE_MAX_MS: "8000",
      JOB_ATTEMPTS: "2",
      RETRY_BASE_DELAY_MS: "100",
      ...(process.env.CHROMIUM_PATH ? { CHROMIUM_PATH: process.env.CHROMIUM_PATH } : {}),
    });
    await worker.ready;
  });
  afterAll(async () => {
    worker?.child.kill("SIGTERM");
    await worker?.exited;
    await api?.close();
    await Promise.all([...(proxies ?? []).map((p) => p.close()), double?.close()]);
  });

  it("holds the job, spending no attempt, until an exit is released, then completes it", async () => {
    // Names the proxies by id, never by their credentials.
    const started = worker.logs.find((l) => l.msg === "jobs go out through a proxy pool");
    expect(started?.proxies).toEqual([
      { id: "p1", proxy: `http://${new URL(proxies[0]?.url ?? "").host}` },
      { id: "p2", proxy: `http://${new URL(proxies[1]?.url ?? "").host}` },
    ]);
    expect(JSON.stringify(worker.logs)).not.toContain("-secret");

    double.setRefusedAddresses(["127.0.0.2", "127.0.0.3"]);
    const accepted = await signedFetch(api.url, "/v1/transcripts/GJLlxj_dtq8?lang=en");
    expect(accepted.status).toBe(202);
    const { job } = (await accepted.json()) as { job: { id: string } };
    await worker.waitForLog((l) => l.msg === "every proxy is quarantined: job waits", 30_000);
    const waiting = await api.jobs.queue.getJob(job.id);
    expect(await waiting?.getState()).toBe("delayed");
    expect(waiting?.attemptsMade).toBe(0);
    expect((waiting?.data as JobData | undefined)?.exitsRefused).toBe(2);

    double.setRefusedAddresses(["127.0.0.2"]);
    const done = await eventually(async () => {
      const r = await signedFetch(api.url, `/v1/jobs/${job.id}`);
      const body = (await r.json()) as { job: { status: string }; result?: unknown };
      return body.job.status === "completed" ? body : undefined;
    }, 30_000);
    expect(done.result).toEqual(expectedTranscript("GJLlxj_dtq8", { languageCode: "en", kind: "manual" }));

    const opsPort = (await worker.ready).opsPort as number;
    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    expect(metrics).toMatch(/ytt_proxy_outcomes_total\{proxy="p1",outcome="blocked"\} [1-9]/);
    expect(metrics).toMatch(/ytt_proxy_outcomes_total\{proxy="p2",outcome="ok"\} 1/);
  });
});
