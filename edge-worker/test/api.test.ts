import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, errorOf, videoId } from "./support/worker.js";

let key: string;
beforeAll(async () => {
  key = await createKey("pro");
});

describe("public API surface", () => {
  it("documents the routes in /openapi.json generated from the validating schemas", async () => {
    const res = await call("/openapi.json");
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/health",
      "/v1/batch",
      "/v1/jobs/{id}",
      "/v1/transcripts",
      "/v1/transcripts/languages",
      "/v1/transcripts/{video}",
      "/v1/transcripts/{video}/languages",
    ]);
    const params = doc.paths["/v1/transcripts/{video}"]?.get?.parameters?.map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(["video", "lang", "kind", "tlang", "fallback", "format"]));
    const byUrl = doc.paths["/v1/transcripts/languages"]?.get?.parameters?.map((p) => p.name);
    expect(byUrl).toEqual(["url"]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["apiKey", "bearer"]);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=300");
  });

  it("answers /health with no-store", async () => {
    const res = await call("/health");
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });

  it("answers CORS preflights without a key and exposes the useful headers", async () => {
    const res = await call("/v1/transcripts/dQw4w9WgXcQ", {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
    const real = await call(`/v1/transcripts/${videoId("ok")}`, {
      key,
      headers: { Origin: "https://app.example" },
    });
    expect(real.headers.get("Access-Control-Expose-Headers")).toContain("X-Request-Id");
    expect(real.headers.get("Access-Control-Expose-Headers")).toContain("RateLimit-Remaining");
  });

  it("answers unknown paths with a JSON 404 carrying the request id", async () => {
    const res = await call("/v2/nothing");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string }; requestId: string };
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.requestId).toBe(res.headers.get("X-Request-Id"));
  });
});

describe("hostile input gets 4xx JSON, never 5xx", () => {
  const cases: [string, string, RequestInit?][] = [
    ["10k-char path", `/v1/transcripts/${"a".repeat(10_000)}`],
    ["10k-char nested path", `/v1/${"x/".repeat(5000)}`],
    ["huge query string", `/v1/transcripts/dQw4w9WgXcQ?lang=${"en,".repeat(20_000)}`],
    ["huge unknown parameters", `/v1/transcripts/dQw4w9WgXcQ?${"z=1&".repeat(20_000)}format=xml`],
    ["bad URL", `/v1/transcripts/${encodeURIComponent("https://evil.example/watch?v=dQw4w9WgXcQ")}`],
    ["javascript URL", `/v1/transcripts?url=${encodeURIComponent("javascript:alert(1)")}`],
    ["broken percent-encoding", "/v1/transcripts/%E0%A4%A"],
    ["unknown format", "/v1/transcripts/dQw4w9WgXcQ?format=xml"],
    ["bad kind", "/v1/transcripts/dQw4w9WgXcQ?kind=robot"],
    ["bad language", "/v1/transcripts/dQw4w9WgXcQ?lang=<script>"],
    ["missing ?url=", "/v1/transcripts"],
    [
      "bad JSON body",
      "/v1/batch",
      { method: "POST", body: "{not json", headers: { "Content-Type": "application/json" } },
    ],
    [
      "JSON of the wrong shape",
      "/v1/batch",
      { method: "POST", body: '{"items":"x"}', headers: { "Content-Type": "application/json" } },
    ],
    [
      "empty batch",
      "/v1/batch",
      { method: "POST", body: '{"items":[]}', headers: { "Content-Type": "application/json" } },
    ],
    [
      "51 items",
      "/v1/batch",
      {
        method: "POST",
        body: JSON.stringify({ items: Array.from({ length: 51 }, () => ({ video: "dQw4w9WgXcQ" })) }),
        headers: { "Content-Type": "application/json" },
      },
    ],
    [
      "oversized body",
      "/v1/batch",
      {
        method: "POST",
        body: `{"items":[{"video":"${"a".repeat(400_000)}"}]}`,
        headers: { "Content-Type": "application/json" },
      },
    ],
    ["wrong method", "/v1/transcripts/dQw4w9WgXcQ", { method: "DELETE" }],
  ];

  for (const [name, path, init] of cases) {
    it(name, async () => {
      const res = await call(path, { key, ...init });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get("Content-Type")).toContain("application/json");
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      const error = await errorOf(res);
      expect(error.code).toMatch(/^(INVALID_REQUEST|INVALID_VIDEO_REFERENCE|NOT_FOUND)$/);
    });
  }

  it("names the problem: an unknown format is INVALID_REQUEST about `format`", async () => {
    const res = await call("/v1/transcripts/dQw4w9WgXcQ?format=xml", { key });
    const error = await errorOf(res);
    expect(error.code).toBe("INVALID_REQUEST");
    expect(JSON.stringify(error.details)).toContain("format");
  });
});
