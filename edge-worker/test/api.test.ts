import { MAX_BATCH_BODY_BYTES } from "@ytt/shared";
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
      "/v1/collections",
      "/v1/jobs/{id}",
      "/v1/transcripts",
      "/v1/transcripts/languages",
      "/v1/transcripts/{video}",
      "/v1/transcripts/{video}/languages",
      "/v1/usage",
      "/v1/webhooks/batches/{id}",
      "/v1/webhooks/secret",
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

describe("security headers", () => {
  it("marks every answer as data that is never sniffed, framed or allowed to load anything, errors included", async () => {
    const ok = videoId("ok");
    const first = await call(`/v1/transcripts/${ok}?format=srt`, { key });
    const json = { "Content-Type": "application/json" };
    const answers: [string, Promise<Response>][] = [
      ["transcript", Promise.resolve(first)],
      [
        "304",
        call(`/v1/transcripts/${ok}?format=srt`, {
          key,
          headers: { "If-None-Match": first.headers.get("ETag") ?? "" },
        }),
      ],
      ["202 job", call(`/v1/transcripts/${videoId("jb")}`, { key })],
      ["languages", call(`/v1/transcripts/${ok}/languages`, { key })],
      [
        "batch",
        call("/v1/batch", { key, method: "POST", headers: json, body: `{"items":[{"video":"${ok}"}]}` }),
      ],
      ["health", call("/health")],
      ["openapi", call("/openapi.json")],
      [
        "preflight",
        call("/v1/batch", {
          method: "OPTIONS",
          headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" },
        }),
      ],
      ["401", call(`/v1/transcripts/${ok}`)],
      ["400", call("/v1/transcripts/dQw4w9WgXcQ?format=xml", { key })],
      ["404", call("/v2/nothing")],
      ["origin error", call(`/v1/transcripts/${videoId("nt")}`, { key })],
      [
        "429",
        call(`/v1/transcripts/${videoId("ok")}`, {
          key: await createKey(),
          env: { QUOTA_FREE_PER_DAY: "0" },
        }),
      ],
      ["500", call("/health", { env: { SIGNING_SECRET: "short" } })],
      [
        "demo key",
        call("/demo-key", {
          env: { DEMO_KEY_ENABLED: "true", DEMO_KEY: key } as Partial<Env>,
          headers: { "Sec-Fetch-Site": "same-origin" },
        }),
      ],
    ];
    const statuses: Record<string, number> = {};
    for (const [name, answer] of answers) {
      const res = await answer;
      statuses[name] = res.status;
      expect(res.headers.get("X-Content-Type-Options"), name).toBe("nosniff");
      expect(res.headers.get("Content-Security-Policy"), name).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
    }
    expect(statuses).toEqual({
      transcript: 200,
      "304": 304,
      "202 job": 202,
      languages: 200,
      batch: 200,
      health: 200,
      openapi: 200,
      preflight: 204,
      "401": 401,
      "400": 400,
      "404": 404,
      "origin error": 404,
      "429": 429,
      "500": 500,
      "demo key": 200,
    });
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
      expect(error.code).toMatch(/^(INVALID_REQUEST|INVALID_VIDEO_REFERENCE|NOT_FOUND|PAYLOAD_TOO_LARGE)$/);
    });
  }

  it("refuses a batch body over the shared limit with 413 PAYLOAD_TOO_LARGE, as the origin does", async () => {
    const res = await call("/v1/batch", {
      key,
      method: "POST",
      body: `{"items":[{"video":"${"a".repeat(MAX_BATCH_BODY_BYTES)}"}]}`,
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("lists the bad parameters in details.issues, as every route and the origin do", async () => {
    const res = await call("/v1/transcripts/dQw4w9WgXcQ?kind=best&fallback=never", { key });
    const error = await errorOf(res);
    expect(error.code).toBe("INVALID_REQUEST");
    const issues = error.details?.issues as { path: string; message: string }[];
    expect(issues.map((i) => i.path).sort()).toEqual(["fallback", "kind"]);
    expect(error.message).toContain("kind: ");
  });

  it("names the problem: an unknown format is INVALID_REQUEST about `format`", async () => {
    const res = await call("/v1/transcripts/dQw4w9WgXcQ?format=xml", { key });
    const error = await errorOf(res);
    expect(error.code).toBe("INVALID_REQUEST");
    expect(JSON.stringify(error.details)).toContain("format");
  });
});
