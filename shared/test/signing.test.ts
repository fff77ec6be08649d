import { describe, expect, it } from "vitest";
import {
  CALLER_HEADER,
  SIGNATURE_HEADERS,
  SIGNATURE_VERSION,
  sha256Hex,
  signRequest,
  timingSafeEqual,
  type VerifyRequestInput,
  verifyRequest,
} from "../src/signing.js";

const NOW = 1_750_000_000_000;
const KEYS: Record<string, string> = {
  k1: "first secret, 32 bytes or longer",
  k2: "second secret, 32 bytes or longer",
};
const secretFor = (id: string) => (Object.hasOwn(KEYS, id) ? KEYS[id] : undefined);
const PATH = "/v1/transcripts/dQw4w9WgXcQ?lang=en,de&kind=any";
const BODY = '{"items":[{"video":"dQw4w9WgXcQ"}]}';

async function signed(overrides: Partial<Parameters<typeof signRequest>[0]> = {}) {
  return new Headers(
    await signRequest({
      method: "POST",
      pathWithQuery: PATH,
      body: BODY,
      key: { id: "k1", secret: KEYS.k1 ?? "" },
      now: NOW,
      ...overrides,
    }),
  );
}

function verify(headers: Headers, overrides: Partial<VerifyRequestInput> = {}) {
  return verifyRequest({
    method: "POST",
    pathWithQuery: PATH,
    headers,
    body: BODY,
    secretFor,
    now: NOW,
    ...overrides,
  });
}

function withHeader(headers: Headers, name: string, value: string | null): Headers {
  const copy = new Headers(headers);
  if (value === null) copy.delete(name);
  else copy.set(name, value);
  return copy;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function hmacHex(secret: string, message: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(message))));
}

describe("signRequest", () => {
  /** The signature header is the HMAC of these canonical lines, nonce "abcdefghijklmnop", caller last. */
  async function expectSignedOver(headers: Headers, caller: string) {
    const canonical = [
      SIGNATURE_VERSION,
      "POST",
      PATH,
      "1750000000",
      "abcdefghijklmnop",
      await sha256Hex(BODY),
      "k1",
      caller,
    ].join("\n");
    const signature = headers.get(SIGNATURE_HEADERS.signature) ?? "";
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const bytes = Uint8Array.from(atob(`${signature.replaceAll("-", "+").replaceAll("_", "/")}=`), (c) =>
      c.charCodeAt(0),
    );
    expect(hex(bytes)).toBe(await hmacHex(KEYS.k1 ?? "", canonical));
  }

  it("signs the documented canonical string", async () => {
    const headers = await signed({ nonce: "abcdefghijklmnop" });
    expect(headers.get(SIGNATURE_HEADERS.keyId)).toBe("k1");
    expect(headers.get(SIGNATURE_HEADERS.timestamp)).toBe("1750000000");
    expect(headers.get(SIGNATURE_HEADERS.nonce)).toBe("abcdefghijklmnop");
    expect(headers.get(SIGNATURE_HEADERS.contentSha256)).toBe(await sha256Hex(BODY));
    expect(headers.has(CALLER_HEADER)).toBe(false);
    await expectSignedOver(headers, "");
  });

  it("signs the caller as the last line, and sends it in its own header", async () => {
    const headers = await signed({ nonce: "abcdefghijklmnop", caller: "free:0123456789abcdef" });
    expect(headers.get(CALLER_HEADER)).toBe("free:0123456789abcdef");
    await expectSignedOver(headers, "free:0123456789abcdef");
    expect(await verify(headers)).toEqual({ ok: true, keyId: "k1", caller: "free:0123456789abcdef" });
  });

  it("refuses secrets shorter than 32 bytes, when signing and when verifying", async () => {
    await expect(signed({ key: { id: "k1", secret: "a".repeat(31) } })).rejects.toThrow(TypeError);
    // 11 three-byte characters: 33 bytes, though 11 characters.
    const multiByte = "€".repeat(11);
    const headers = await signed({ key: { id: "k1", secret: multiByte } });
    expect(await verify(headers, { secretFor: () => multiByte })).toEqual({ ok: true, keyId: "k1" });
    expect(await verify(headers, { secretFor: () => "a".repeat(31) })).toEqual({
      ok: false,
      reason: "unknown-key",
    });
  });

  it("uses a fresh random nonce each time", async () => {
    const a = await signed();
    const b = await signed();
    expect(a.get(SIGNATURE_HEADERS.nonce)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a.get(SIGNATURE_HEADERS.nonce)).not.toBe(b.get(SIGNATURE_HEADERS.nonce));
  });

  it("hashes the empty string when there is no body, for strings and bytes alike", async () => {
    const headers = await signed({ method: "GET", body: undefined });
    expect(headers.get(SIGNATURE_HEADERS.contentSha256)).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(await verify(headers, { method: "get", body: new Uint8Array() })).toEqual({
      ok: true,
      keyId: "k1",
    });
    expect(await sha256Hex(new TextEncoder().encode(BODY))).toBe(await sha256Hex(BODY));
  });

  it("refuses to sign with an unusable key, nonce or path", async () => {
    await expect(signed({ key: { id: "bad id", secret: "s" } })).rejects.toThrow(TypeError);
    await expect(signed({ key: { id: "k1", secret: "" } })).rejects.toThrow(TypeError);
    await expect(signed({ nonce: "short" })).rejects.toThrow(TypeError);
    await expect(signed({ pathWithQuery: "v1/no-leading-slash" })).rejects.toThrow(TypeError);
  });
});

describe("verifyRequest", () => {
  it("accepts a good signature and names the key", async () => {
    expect(await verify(await signed())).toEqual({ ok: true, keyId: "k1" });
  });

  it("accepts the body as bytes and a hex signature", async () => {
    const headers = await signed();
    const b64 = headers.get(SIGNATURE_HEADERS.signature) ?? "";
    const bytes = Uint8Array.from(atob(`${b64.replaceAll("-", "+").replaceAll("_", "/")}=`), (c) =>
      c.charCodeAt(0),
    );
    const asHex = withHeader(headers, SIGNATURE_HEADERS.signature, hex(bytes));
    expect(await verify(asHex, { body: new TextEncoder().encode(BODY) })).toEqual({ ok: true, keyId: "k1" });
  });

  it("agrees with the signer on differently escaped forms of one path", async () => {
    const headers = await signed({ pathWithQuery: "/v1/transcripts/a b?lang=é" });
    expect(await verify(headers, { pathWithQuery: "/v1/transcripts/a%20b?lang=%C3%A9" })).toEqual({
      ok: true,
      keyId: "k1",
    });
  });

  describe("refuses every tampered field", () => {
    it("method", async () => {
      expect(await verify(await signed(), { method: "PUT" })).toEqual({ ok: false, reason: "bad-signature" });
    });
    it("path", async () => {
      const r = await verify(await signed(), {
        pathWithQuery: "/v1/transcripts/xxxxxxxxxxx?lang=en,de&kind=any",
      });
      expect(r).toEqual({ ok: false, reason: "bad-signature" });
    });
    it("query", async () => {
      const r = await verify(await signed(), {
        pathWithQuery: "/v1/transcripts/dQw4w9WgXcQ?lang=de,en&kind=any",
      });
      expect(r).toEqual({ ok: false, reason: "bad-signature" });
    });
    it("query dropped", async () => {
      const r = await verify(await signed(), { pathWithQuery: "/v1/transcripts/dQw4w9WgXcQ" });
      expect(r).toEqual({ ok: false, reason: "bad-signature" });
    });
    it("body", async () => {
      const r = await verify(await signed(), { body: BODY.replace("dQw", "xQw") });
      expect(r).toEqual({ ok: false, reason: "bad-body-hash" });
    });
    it("body and its hash header together", async () => {
      const tampered = BODY.replace("dQw", "xQw");
      const headers = withHeader(await signed(), SIGNATURE_HEADERS.contentSha256, await sha256Hex(tampered));
      expect(await verify(headers, { body: tampered })).toEqual({ ok: false, reason: "bad-signature" });
    });
    it("timestamp", async () => {
      const headers = withHeader(await signed(), SIGNATURE_HEADERS.timestamp, "1750000001");
      expect(await verify(headers)).toEqual({ ok: false, reason: "bad-signature" });
    });
    it("nonce", async () => {
      const headers = withHeader(await signed(), SIGNATURE_HEADERS.nonce, "AAAAAAAAAAAAAAAAAAAAAA");
      expect(await verify(headers)).toEqual({ ok: false, reason: "bad-signature" });
    });
    it("key id (another valid key)", async () => {
      const headers = withHeader(await signed(), SIGNATURE_HEADERS.keyId, "k2");
      expect(await verify(headers)).toEqual({ ok: false, reason: "bad-signature" });
    });
    it("signature", async () => {
      const headers = await signed();
      const sig = headers.get(SIGNATURE_HEADERS.signature) ?? "";
      const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
      expect(await verify(withHeader(headers, SIGNATURE_HEADERS.signature, flipped))).toEqual({
        ok: false,
        reason: "bad-signature",
      });
    });
    it("caller, changed, added or removed", async () => {
      const headers = await signed({ caller: "free:0123456789abcdef" });
      expect(await verify(withHeader(headers, CALLER_HEADER, "pro:0123456789abcdef"))).toEqual({
        ok: false,
        reason: "bad-signature",
      });
      expect(await verify(withHeader(headers, CALLER_HEADER, null))).toEqual({
        ok: false,
        reason: "bad-signature",
      });
      expect(await verify(withHeader(await signed(), CALLER_HEADER, "pro:0123456789abcdef"))).toEqual({
        ok: false,
        reason: "bad-signature",
      });
      expect(await verify(withHeader(headers, CALLER_HEADER, "free:a b"))).toEqual({
        ok: false,
        reason: "malformed",
      });
    });
    it("secret", async () => {
      const headers = await signed({ key: { id: "k1", secret: "guessed secret, also 32 bytes long" } });
      expect(await verify(headers)).toEqual({ ok: false, reason: "bad-signature" });
    });
  });

  it("refuses an unknown key id, including prototype member names", async () => {
    for (const id of ["k3", "constructor", "__proto__", "toString"]) {
      const headers = await signed({ key: { id, secret: "whatever secret, 32 bytes or more" } });
      const lookup = (keyId: string) => (KEYS as Record<string, unknown>)[keyId] as string | undefined;
      expect(await verify(headers, { secretFor: lookup }), id).toEqual({ ok: false, reason: "unknown-key" });
    }
  });

  it("refuses timestamps outside the skew window in both directions", async () => {
    const headers = await signed();
    expect(await verify(headers, { now: NOW + 60_000 })).toEqual({ ok: true, keyId: "k1" });
    expect(await verify(headers, { now: NOW - 60_000 })).toEqual({ ok: true, keyId: "k1" });
    expect(await verify(headers, { now: NOW + 61_000 })).toEqual({ ok: false, reason: "expired" });
    expect(await verify(headers, { now: NOW - 61_000 })).toEqual({ ok: false, reason: "expired" });
    expect(await verify(headers, { now: NOW + 200_000, maxSkewSeconds: 300 })).toEqual({
      ok: true,
      keyId: "k1",
    });
    expect(await verify(headers, { now: NOW + 11_000, maxSkewSeconds: 10 })).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("refuses a replayed nonce, remembering it for twice the skew", async () => {
    const seen = new Map<string, number>();
    const rememberNonce = async (nonce: string, ttl: number) => {
      if (seen.has(nonce)) return false;
      seen.set(nonce, ttl);
      return true;
    };
    const headers = await signed();
    expect(await verify(headers, { rememberNonce })).toEqual({ ok: true, keyId: "k1" });
    expect(seen.get(headers.get(SIGNATURE_HEADERS.nonce) ?? "")).toBe(120);
    expect(await verify(headers, { rememberNonce })).toEqual({ ok: false, reason: "replayed" });
    expect(await verify(await signed(), { rememberNonce })).toEqual({ ok: true, keyId: "k1" });
  });

  it("does not spend a nonce on a request that fails verification", async () => {
    const calls: string[] = [];
    const rememberNonce = async (nonce: string) => {
      calls.push(nonce);
      return true;
    };
    const headers = await signed();
    await verify(headers, { rememberNonce, method: "DELETE" });
    await verify(headers, { rememberNonce, now: NOW + 3_600_000 });
    await verify(headers, { rememberNonce, body: "other" });
    expect(calls).toEqual([]);
  });

  it("reports missing headers", async () => {
    const headers = await signed();
    for (const name of Object.values(SIGNATURE_HEADERS)) {
      expect(await verify(withHeader(headers, name, null)), name).toEqual({ ok: false, reason: "missing" });
    }
    expect(await verify(new Headers())).toEqual({ ok: false, reason: "missing" });
  });

  it("reports malformed headers without throwing", async () => {
    const headers = await signed();
    const cases: Array<[string, string]> = [
      [SIGNATURE_HEADERS.timestamp, "soon"],
      [SIGNATURE_HEADERS.timestamp, "1e9"],
      [SIGNATURE_HEADERS.timestamp, "-1750000000"],
      [SIGNATURE_HEADERS.timestamp, "1750000000.5"],
      [SIGNATURE_HEADERS.timestamp, "9".repeat(400)],
      [SIGNATURE_HEADERS.timestamp, ""],
      [SIGNATURE_HEADERS.nonce, "short"],
      [SIGNATURE_HEADERS.nonce, "a".repeat(129)],
      [SIGNATURE_HEADERS.nonce, "has spaces in the nonce"],
      [SIGNATURE_HEADERS.keyId, "k".repeat(65)],
      [SIGNATURE_HEADERS.keyId, "k1, k2"],
      [SIGNATURE_HEADERS.contentSha256, "abc"],
      [SIGNATURE_HEADERS.contentSha256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"],
      [SIGNATURE_HEADERS.signature, "AAAA"],
      [SIGNATURE_HEADERS.signature, "A".repeat(44)],
      [SIGNATURE_HEADERS.signature, "A".repeat(42)],
      [SIGNATURE_HEADERS.signature, "0".repeat(63)],
      [SIGNATURE_HEADERS.signature, "z".repeat(64)],
      [SIGNATURE_HEADERS.signature, "x".repeat(100_000)],
    ];
    for (const [name, value] of cases) {
      expect(await verify(withHeader(headers, name, value)), `${name}: ${value.slice(0, 20)}`).toEqual({
        ok: false,
        reason: "malformed",
      });
    }
    expect(await verify(headers, { pathWithQuery: "no-slash" })).toEqual({ ok: false, reason: "malformed" });
    expect(await verify(headers, { method: "GET /x" })).toEqual({ ok: false, reason: "malformed" });
  });

  it("treats a huge but well-formed timestamp as expired", async () => {
    const headers = withHeader(await signed(), SIGNATURE_HEADERS.timestamp, "999999999999");
    expect(await verify(headers)).toEqual({ ok: false, reason: "expired" });
  });

  it("supports key rotation: both keys verify, each under its own id", async () => {
    const old = await signed({ key: { id: "k1", secret: KEYS.k1 ?? "" } });
    const current = await signed({ key: { id: "k2", secret: KEYS.k2 ?? "" } });
    expect(await verify(old)).toEqual({ ok: true, keyId: "k1" });
    expect(await verify(current)).toEqual({ ok: true, keyId: "k2" });
    const retired = (id: string) => (id === "k2" ? KEYS.k2 : undefined);
    expect(await verify(old, { secretFor: retired })).toEqual({ ok: false, reason: "unknown-key" });
    expect(await verify(current, { secretFor: retired })).toEqual({ ok: true, keyId: "k2" });
  });
});

describe("timingSafeEqual", () => {
  it("compares bytes and strings", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "ab")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([0]), new Uint8Array([0, 0]))).toBe(false);
    expect(timingSafeEqual("é", new Uint8Array([0xc3, 0xa9]))).toBe(true);
  });

  it("finds a difference in any position", () => {
    const a = new Uint8Array(64).fill(7);
    for (let i = 0; i < a.length; i++) {
      const b = a.slice();
      b[i] = 8;
      expect(timingSafeEqual(a, b), String(i)).toBe(false);
    }
  });
});
