import { describe, expect, it } from "vitest";
import { ApiError } from "../src/errors.js";
import {
  BatchRequestSchema,
  canonicalLanguage,
  invalidRequest,
  MAX_BATCH_ITEMS,
  requestHash,
  requestIdFrom,
  requestKey,
  TranscriptQuerySchema,
  type TranscriptRequest,
  toTranscriptRequest,
  type WorkRequest,
} from "../src/request.js";

const ID = "dQw4w9WgXcQ";

function work(query: Record<string, string>): WorkRequest {
  return { kind: "transcript", request: toTranscriptRequest(ID, TranscriptQuerySchema.parse(query)) };
}

describe("canonicalLanguage", () => {
  it.each([
    ["EN", "en"],
    ["pt-br", "pt-BR"],
    ["zh-hans", "zh-Hans"],
    ["ZH-HANT-tw", "zh-Hant-TW"],
    ["es-419", "es-419"],
    ["sr_latn", "sr-Latn"],
    [" de ", "de"],
    ["fil", "fil"],
  ])("%s → %s", (input, expected) => {
    expect(canonicalLanguage(input)).toBe(expected);
  });
});

describe("TranscriptQuerySchema", () => {
  it("defaults to English, any kind, no translation, error on fallback", () => {
    expect(TranscriptQuerySchema.parse({})).toEqual({ lang: ["en"], kind: "any", fallback: "error" });
  });

  it("keeps language order, normalises casing and removes duplicates", () => {
    expect(TranscriptQuerySchema.parse({ lang: "EN,pt-br,zh-hans" }).lang).toEqual([
      "en",
      "pt-BR",
      "zh-Hans",
    ]);
    expect(TranscriptQuerySchema.parse({ lang: "de, en ,DE,en" }).lang).toEqual(["de", "en"]);
    expect(TranscriptQuerySchema.parse({ lang: "pt_BR,pt-br" }).lang).toEqual(["pt-BR"]);
  });

  it("takes kind, tlang and fallback", () => {
    expect(TranscriptQuerySchema.parse({ lang: "de", kind: "asr", tlang: "PT-br", fallback: "any" })).toEqual(
      {
        lang: ["de"],
        kind: "asr",
        tlang: "pt-BR",
        fallback: "any",
      },
    );
  });

  it.each([
    ["lang", ""],
    ["lang", ",,,"],
    ["lang", "english"],
    ["lang", "e"],
    ["lang", "en;DROP TABLE"],
    ["lang", "../../etc"],
    ["lang", "__proto__"],
    ["lang", "constructor"],
    ["lang", "en-<script>"],
    ["lang", "en\u0000"],
    ["lang", "ёё"],
    ["lang", "en-aaaaaaaaa"],
    ["lang", "en--us"],
    ["lang", "a,b,c"],
    ["lang", "en,de,fr,es,it,pt,nl,sv,da,fi,no"],
    ["lang", "en-".repeat(100)],
    ["lang", `${"en-us-".repeat(10_000)}en`],
    ["tlang", ""],
    ["tlang", "xx-yy-zz-ww-vv"],
    ["tlang", "de,en"],
    ["kind", "ASR"],
    ["kind", "auto"],
    ["fallback", "none"],
  ])("rejects %s=%j without throwing", (param, value) => {
    const result = TranscriptQuerySchema.safeParse({ [param]: value });
    expect(result.success).toBe(false);
    if (!result.success) {
      const error = invalidRequest(result.error.issues);
      expect(error).toBeInstanceOf(ApiError);
      expect(error.code).toBe("INVALID_REQUEST");
      expect(error.status).toBe(400);
      expect(error.message).toContain(param);
      expect(error.message.length).toBeLessThan(300);
    }
  });

  it("rejects non-string values without throwing", () => {
    for (const lang of [["en"], 5, null, { toString: () => "en" }]) {
      expect(TranscriptQuerySchema.safeParse({ lang }).success).toBe(false);
    }
  });
});

describe("toTranscriptRequest", () => {
  it("builds the normalised request, omitting translateTo when absent", () => {
    expect(work({ lang: "de,EN" }).request).toEqual({
      videoId: ID,
      languages: ["de", "en"],
      kind: "any",
      fallback: "error",
    } satisfies TranscriptRequest);
    expect(work({ tlang: "fr" }).request.translateTo).toBe("fr");
  });
});

describe("requestKey and requestHash", () => {
  it("gives requests that mean the same thing the same key", async () => {
    const a = work({ lang: "EN,pt-br" });
    const b = work({ lang: "en, pt-BR ,en", kind: "any", fallback: "error" });
    expect(requestKey(a)).toBe(requestKey(b));
    expect(await requestHash(a)).toBe(await requestHash(b));
  });

  it("tells apart language order, kind, translation, fallback, video and job kind", async () => {
    const variants: WorkRequest[] = [
      work({}),
      work({ lang: "en,de" }),
      work({ lang: "de,en" }),
      work({ kind: "manual" }),
      work({ kind: "asr" }),
      work({ tlang: "de" }),
      work({ tlang: "fr" }),
      work({ fallback: "any" }),
      { kind: "transcript", request: { ...work({}).request, videoId: "aaaaaaaaaaa" } },
      { kind: "languages", request: work({}).request },
      { kind: "languages", request: { ...work({}).request, videoId: "aaaaaaaaaaa" } },
    ];
    const keys = variants.map(requestKey);
    expect(new Set(keys).size).toBe(variants.length);
    const hashes = await Promise.all(variants.map(requestHash));
    expect(new Set(hashes).size).toBe(variants.length);
  });

  it("ignores language options for languages jobs", () => {
    expect(requestKey({ kind: "languages", request: work({ lang: "de", tlang: "fr" }).request })).toBe(
      requestKey({ kind: "languages", request: work({}).request }),
    );
  });

  it("hashes to 32 lower-case hex characters, stable across runs", async () => {
    const hash = await requestHash(work({}));
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(requestKey(work({}))).toBe(`transcript/${ID}/en/any/-/error`);
    // The first 16 bytes of sha256("transcript/dQw4w9WgXcQ/en/any/-/error").
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(`transcript/${ID}/en/any/-/error`),
    );
    expect(hash).toBe(
      [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    );
  });
});

describe("BatchRequestSchema", () => {
  it("takes 1 to 50 items, leaving per-item validation to the item", () => {
    const items = [
      { video: `https://youtu.be/${ID}`, lang: "de" },
      { video: "not a video", kind: "bogus" },
    ];
    expect(BatchRequestSchema.parse({ items })).toEqual({ items });
    expect(BatchRequestSchema.safeParse({ items: [] }).success).toBe(false);
    expect(
      BatchRequestSchema.safeParse({
        items: Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => ({ video: ID })),
      }).success,
    ).toBe(false);
    expect(BatchRequestSchema.safeParse({ items: [{ lang: "en" }] }).success).toBe(false);
    expect(BatchRequestSchema.safeParse({ items: [{ video: 42 }] }).success).toBe(false);
    expect(BatchRequestSchema.safeParse([{ video: ID }]).success).toBe(false);
  });
});

describe("the request rules both the edge and the origin follow", () => {
  it("keeps a sane X-Request-Id and replaces anything else with a UUID", () => {
    expect(requestIdFrom("client-chosen-id-123")).toBe("client-chosen-id-123");
    for (const bad of [
      undefined,
      "",
      "short",
      "bad id\twith spaces",
      "x".repeat(129),
      "id\r\nSet-Cookie: a=b",
    ]) {
      expect(requestIdFrom(bad), String(bad)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
    }
  });

  it("lists at most ten issues, each message cut short, in the message and in details.issues", () => {
    const issues = Array.from({ length: 1000 }, (_, i) => ({
      path: ["items", i, "lang"],
      message: "x".repeat(500),
    }));
    const error = invalidRequest(issues);
    const listed = error.details?.issues as { path: string; message: string }[];
    expect(listed).toHaveLength(10);
    expect(listed[3]).toEqual({ path: "items.3.lang", message: "x".repeat(200) });
    expect(error.message).toContain("items.0.lang: ");
    expect(error.message.length).toBeLessThan(10 * 220);
  });
});
