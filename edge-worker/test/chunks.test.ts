import { env as bindings } from "cloudflare:test";
import {
  chunkTranscript,
  estimateTokens,
  requestHash,
  type Transcript,
  type TranscriptChunk,
  TranscriptQuerySchema,
  toTranscriptRequest,
} from "@ytt/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { cannedTranscript, largeTranscript } from "./support/canned.js";
import { call, createKey, errorOf, originRequests, videoId } from "./support/worker.js";

let key: string;
beforeAll(async () => {
  key = await createKey("pro");
});

/** A fresh ID the stand-in answers with its ~2 MB multi-hour transcript. */
function largeId(): string {
  return `lg${videoId("ok").slice(2)}`;
}

type Chunked = Transcript & { chunks: TranscriptChunk[] };

describe("transcript chunks (chunkChars, chunkTokens, overlap)", () => {
  it("adds chunks within the budget to the JSON transcript, whatever Accept asks for", async () => {
    const id = largeId();
    const res = await call(`/v1/transcripts/${id}?chunkChars=100000`, {
      key,
      headers: { Accept: "text/plain" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    const body = (await res.json()) as Chunked;
    const model = largeTranscript(id);
    expect(body).toEqual({ ...model, chunks: chunkTranscript(model, { maxChars: 100_000 }) });
    expect(body.chunks.length).toBeGreaterThan(10);
    for (const chunk of body.chunks) expect(chunk.text.length).toBeLessThanOrEqual(100_000);
    expect(body.chunks[1]?.url).toBe(
      `https://youtu.be/${id}?t=${Math.floor((body.chunks[1]?.startMs ?? 0) / 1000)}`,
    );
  });

  it("cuts every budget and overlap from the one stored transcript, keeping no chunked copy in the Cache API", async () => {
    const id = largeId();
    const model = largeTranscript(id);
    const variants = [
      { query: "", expected: model },
      {
        query: "chunkChars=100000",
        expected: { ...model, chunks: chunkTranscript(model, { maxChars: 100_000 }) },
      },
      {
        query: "chunkChars=100000&overlap=50000",
        expected: { ...model, chunks: chunkTranscript(model, { maxChars: 100_000, overlap: 50_000 }) },
      },
      {
        query: "chunkTokens=25000&format=json",
        expected: { ...model, chunks: chunkTranscript(model, { maxTokens: 25_000 }) },
      },
    ];
    for (const round of ["MISS", "HIT"]) {
      for (const { query, expected } of variants) {
        const res = await call(`/v1/transcripts/${id}?${query}`, { key });
        expect(res.status, query).toBe(200);
        // The first request reaches the origin; every other one is answered from the edge.
        if (round === "HIT") expect(res.headers.get("X-Cache"), query).toBe("HIT");
        expect(await res.json(), query).toEqual(expected);
      }
    }
    const tokens = chunkTranscript(model, { maxTokens: 25_000 });
    for (const chunk of tokens) expect(estimateTokens(chunk.text)).toBeLessThanOrEqual(25_000);
    expect(await originRequests(id)).toHaveLength(1);

    // Without the edge store's copy, the plain rendering still comes from the Cache API, but chunks,
    // which are never kept there (budgets make millions of variants), need the origin again.
    const work = {
      kind: "transcript" as const,
      request: toTranscriptRequest(id, TranscriptQuerySchema.parse({})),
    };
    await bindings.TRANSCRIPTS.delete(`answer:${await requestHash(work)}`);
    const plain = await call(`/v1/transcripts/${id}`, { key });
    expect(plain.headers.get("X-Cache")).toBe("HIT");
    await plain.arrayBuffer();
    expect(await originRequests(id)).toHaveLength(1);
    const chunked = await call(`/v1/transcripts/${id}?chunkChars=100000`, { key });
    expect(chunked.headers.get("X-Cache")).toBe("MISS");
    await chunked.arrayBuffer();
    expect(await originRequests(id)).toHaveLength(2);
  });

  it("takes the options on the ?url= route too", async () => {
    const id = videoId("ok");
    const res = await call(
      `/v1/transcripts?url=${encodeURIComponent(`https://youtu.be/${id}`)}&chunkTokens=50`,
      {
        key,
      },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Chunked;
    expect(body.chunks).toEqual([
      {
        index: 0,
        startMs: 0,
        endMs: 7000,
        text: "Hello & welcome to the <test> Goodbye",
        url: `https://youtu.be/${id}?t=0`,
        firstSegment: 0,
        lastSegment: 2,
      },
    ]);
    expect(body.segments).toEqual(cannedTranscript(id).segments);
  });

  it("refuses bad combinations and bounds with INVALID_REQUEST naming the parameter", async () => {
    const id = videoId("ok");
    const cases: [string, string][] = [
      ["chunkChars=1000&chunkTokens=300", "chunkTokens"],
      ["overlap=10", "overlap"],
      ["chunkChars=1000&overlap=501", "overlap"],
      ["chunkTokens=100&overlap=51", "overlap"],
      ["chunkChars=1000&format=text", "format"],
      ["chunkChars=1000&format=markdown", "format"],
      ["chunkChars=199", "chunkChars"],
      ["chunkChars=100001", "chunkChars"],
      ["chunkTokens=49", "chunkTokens"],
      ["chunkTokens=25001", "chunkTokens"],
      ["chunkChars=1e3.5", "chunkChars"],
      ["chunkChars=abc", "chunkChars"],
      ["chunkChars=1000&overlap=-1", "overlap"],
    ];
    for (const [query, path] of cases) {
      const res = await call(`/v1/transcripts/${id}?${query}`, { key });
      expect(res.status, query).toBe(400);
      const error = await errorOf(res);
      expect(error.code, query).toBe("INVALID_REQUEST");
      expect(
        (error.details?.issues as { path: string }[] | undefined)?.map((i) => i.path),
        query,
      ).toContain(path);
    }
    expect(await originRequests(id)).toHaveLength(0);
  });
});
