/**
 * The API as a TypeScript program meets it: an openapi-fetch client typed by the types generated from
 * the OpenAPI document (@ytt/edge-worker/openapi), against the whole chain. That the calls below
 * compile is half the test (the test package's typecheck); that they get what the types say, the other.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { paths } from "@ytt/edge-worker/openapi";
import { expectedTranscript } from "@ytt/youtube-double";
import createClient from "openapi-fetch";
import { describe, expect, it } from "vitest";
import { useStack } from "./helpers.js";

// No worker at first, so the first request is answered 202 once the origin's wait budget is spent;
// 8 s is ample for the later extractions, with a warm worker.
const stack = useStack({ workers: 0, originEnv: { WAIT_BUDGET_MS: "8000" } });

const SURFACE_GO = "GJLlxj_dtq8";

function client() {
  const s = stack();
  return createClient<paths, "application/json">({
    baseUrl: s.edgeUrl,
    headers: { Authorization: `Bearer ${s.apiKey}` },
  });
}

describe("a typed client generated from the OpenAPI document", () => {
  it("gets a 202 and the job's result, then the transcript, the language list and an error by its code", async () => {
    const api = client();
    const transcript = { params: { path: { video: SURFACE_GO }, query: { lang: "en" } } };
    const expected = expectedTranscript(SURFACE_GO, { languageCode: "en", kind: "manual" });

    const pending = await api.GET("/v1/transcripts/{video}", transcript);
    expect(pending.response.status).toBe(202);
    if (!pending.data || !("job" in pending.data)) throw new Error(`no job: ${JSON.stringify(pending.data)}`);
    const { id, statusUrl } = pending.data.job;
    expect(pending.response.headers.get("location")).toBe(statusUrl);

    await stack().startWorker();
    let job = await api.GET("/v1/jobs/{id}", { params: { path: { id } } });
    for (let i = 0; i < 60 && job.data && !["completed", "failed"].includes(job.data.job.status); i++) {
      await sleep(500);
      job = await api.GET("/v1/jobs/{id}", { params: { path: { id } } });
    }
    expect(job.data?.job.status).toBe("completed");
    expect(job.data?.result).toEqual(expected);

    const done = await api.GET("/v1/transcripts/{video}", transcript);
    expect(done.response.status).toBe(200);
    expect(done.data).toEqual(expected);

    const languages = await api.GET("/v1/transcripts/{video}/languages", {
      params: { path: { video: SURFACE_GO } },
    });
    expect(languages.response.status).toBe(200);
    if (!languages.data || !("tracks" in languages.data)) throw new Error("no language list");
    expect(languages.data.video.videoId).toBe(SURFACE_GO);
    expect(languages.data.tracks).toContainEqual(
      expect.objectContaining({ languageCode: "en", kind: "manual" }),
    );

    // The error body is typed too: a program branches on the catalogue code.
    const refused = await api.GET("/v1/transcripts/{video}", { params: { path: { video: "dblPrivate1" } } });
    expect(refused.data).toBeUndefined();
    expect([refused.response.status, refused.error?.error.code]).toEqual([403, "VIDEO_PRIVATE"]);
    expect(refused.error?.requestId).toBe(refused.response.headers.get("x-request-id"));
  });
});
