/**
 * HMAC-SHA-256 request signing for edge → origin calls (WebCrypto only, runs in workerd and Node).
 *
 * The signature covers this canonical string, lines joined by "\n":
 *   ytt-hmac-sha256-v1
 *   METHOD                 (upper case)
 *   /path?query            (as the WHATWG URL parser serialises it)
 *   timestamp              (Unix seconds, decimal)
 *   nonce                  (16..128 chars of base64url alphabet)
 *   sha256(body) hex       (lower case; of the empty string when there is no body)
 *   key id
 *   caller                 (the edge's "plan:keyId" of the API key behind the request; empty for none)
 * and is sent base64url-encoded without padding (verification also accepts 64 hex digits).
 */

export const SIGNATURE_VERSION = "ytt-hmac-sha256-v2";

export const SIGNATURE_HEADERS = {
  keyId: "x-signature-key-id",
  timestamp: "x-signature-timestamp",
  nonce: "x-signature-nonce",
  contentSha256: "x-content-sha256",
  signature: "x-signature",
} as const;

/** The signed caller line's header; optional, unlike the others (requests for nobody in particular have none). */
export const CALLER_HEADER = "x-ytt-caller";

/** Shorter secrets are refused when signing and verifying: an HMAC key should be as long as its hash. */
export const MIN_SECRET_BYTES = 32;

export const DEFAULT_MAX_SKEW_SECONDS = 60;

export interface SigningKey {
  id: string;
  secret: string;
}

export interface SignRequestInput {
  method: string;
  /** Path plus query string, starting with "/". */
  pathWithQuery: string;
  body?: string | Uint8Array;
  key: SigningKey;
  /** Milliseconds since the epoch; defaults to Date.now(). */
  now?: number;
  nonce?: string;
  /** Who the edge serves this request for (see caller.ts); signed so the origin can trust it. */
  caller?: string;
}

export type VerifyFailure =
  | "missing"
  | "malformed"
  | "unknown-key"
  | "expired"
  | "bad-body-hash"
  | "bad-signature"
  | "replayed";

export type VerifyResult =
  | { ok: true; keyId: string; caller: string | undefined }
  | { ok: false; reason: VerifyFailure };

export interface VerifyRequestInput {
  method: string;
  pathWithQuery: string;
  headers: Headers;
  body: string | Uint8Array;
  secretFor: (keyId: string) => string | undefined;
  now?: number;
  maxSkewSeconds?: number;
  /** Stores the nonce for ttlSeconds; resolves false when it was already stored (a replay). */
  rememberNonce?: (nonce: string, ttlSeconds: number) => Promise<boolean>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const SIGNATURE_BASE64URL = /^[A-Za-z0-9_-]{43}$/;
const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/;
const METHOD = /^[A-Za-z]{1,16}$/;
const CALLER = /^[\w:.-]{1,100}$/;

const encoder = new TextEncoder();

/** The headers to add to a request so that verifyRequest accepts it. */
export async function signRequest(input: SignRequestInput): Promise<Record<string, string>> {
  const { key } = input;
  if (!KEY_ID.test(key.id)) throw new TypeError("signing key id must be 1-64 chars of A-Z a-z 0-9 . _ -");
  if (!secretLongEnough(key.secret))
    throw new TypeError(`signing secret must be ${MIN_SECRET_BYTES} bytes or more`);
  if (input.caller !== undefined && !CALLER.test(input.caller))
    throw new TypeError("caller cannot be signed");
  const nonce = input.nonce ?? base64url(crypto.getRandomValues(new Uint8Array(16)));
  if (!NONCE.test(nonce)) throw new TypeError("nonce must be 16-128 chars of the base64url alphabet");
  const method = canonicalMethod(input.method);
  const path = canonicalPath(input.pathWithQuery);
  if (method === undefined || path === undefined) throw new TypeError("method or path cannot be signed");
  const timestamp = String(Math.floor((input.now ?? Date.now()) / 1000));
  const contentSha256 = await sha256Hex(input.body ?? "");
  const caller = input.caller ?? "";
  const mac = await hmac(
    key.secret,
    canonicalString(method, path, timestamp, nonce, contentSha256, key.id, caller),
  );
  return {
    [SIGNATURE_HEADERS.keyId]: key.id,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.contentSha256]: contentSha256,
    [SIGNATURE_HEADERS.signature]: base64url(mac),
    ...(caller ? { [CALLER_HEADER]: caller } : {}),
  };
}

/**
 * Checks a signed request. Cheap checks run first; the nonce is remembered only once the
 * signature is valid, so forged requests cannot burn nonces.
 */
export async function verifyRequest(input: VerifyRequestInput): Promise<VerifyResult> {
  const header = (name: string) => input.headers.get(name);
  const keyId = header(SIGNATURE_HEADERS.keyId);
  const timestamp = header(SIGNATURE_HEADERS.timestamp);
  const nonce = header(SIGNATURE_HEADERS.nonce);
  const contentSha256 = header(SIGNATURE_HEADERS.contentSha256);
  const signature = header(SIGNATURE_HEADERS.signature);
  const caller = header(CALLER_HEADER) ?? undefined;
  if (
    keyId === null ||
    timestamp === null ||
    nonce === null ||
    contentSha256 === null ||
    signature === null
  ) {
    return failure("missing");
  }
  const method = canonicalMethod(input.method);
  const path = canonicalPath(input.pathWithQuery);
  const mac = decodeSignature(signature);
  if (
    !KEY_ID.test(keyId) ||
    !TIMESTAMP.test(timestamp) ||
    !NONCE.test(nonce) ||
    !SHA256_HEX.test(contentSha256) ||
    mac === undefined ||
    method === undefined ||
    path === undefined ||
    (caller !== undefined && !CALLER.test(caller))
  ) {
    return failure("malformed");
  }

  // typeof guards a lookup like `keys[keyId]` handing back Object.prototype members for ids such as "constructor".
  const secret: unknown = input.secretFor(keyId);
  if (typeof secret !== "string" || !secretLongEnough(secret)) return failure("unknown-key");

  const maxSkew = input.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  const nowSeconds = (input.now ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - Number(timestamp)) > maxSkew) return failure("expired");

  if (!timingSafeEqual(await sha256Hex(input.body), contentSha256)) return failure("bad-body-hash");

  const expected = await hmac(
    secret,
    canonicalString(method, path, timestamp, nonce, contentSha256, keyId, caller ?? ""),
  );
  if (!timingSafeEqual(expected, mac)) return failure("bad-signature");

  if (input.rememberNonce && !(await input.rememberNonce(nonce, 2 * maxSkew))) return failure("replayed");
  return { ok: true, keyId, caller };
}

/** Whether a signing secret is long enough to be used (MIN_SECRET_BYTES of UTF-8). */
export function secretLongEnough(secret: string): boolean {
  return encoder.encode(secret).length >= MIN_SECRET_BYTES;
}

/** Compares without an early exit, so the time taken does not reveal where inputs differ. Lengths are not secret. */
export function timingSafeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = typeof a === "string" ? encoder.encode(a) : a;
  const y = typeof b === "string" ? encoder.encode(b) : b;
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Lower-case hex SHA-256 of a string (as UTF-8) or bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", toBytes(data))));
}

function canonicalString(...lines: string[]): string {
  return [SIGNATURE_VERSION, ...lines].join("\n");
}

function canonicalMethod(method: string): string | undefined {
  return METHOD.test(method) ? method.toUpperCase() : undefined;
}

/** Signer and verifier may see differently escaped forms of one URL; the WHATWG serialisation is what both agree on. */
function canonicalPath(pathWithQuery: string): string | undefined {
  if (!pathWithQuery.startsWith("/") || pathWithQuery.length > 8192) return undefined;
  try {
    const url = new URL(`http://signed.invalid${pathWithQuery}`);
    return url.pathname + url.search;
  } catch {
    return undefined;
  }
}

/** HMAC-SHA-256 of a UTF-8 message under a UTF-8 secret. */
export async function hmac(secret: string, message: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

function decodeSignature(value: string): Uint8Array | undefined {
  if (SIGNATURE_HEX.test(value)) {
    return Uint8Array.from({ length: 32 }, (_, i) => Number.parseInt(value.slice(2 * i, 2 * i + 2), 16));
  }
  if (!SIGNATURE_BASE64URL.test(value)) return undefined;
  try {
    const binary = atob(value.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Base64url without padding (RFC 4648 §5). */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary)
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/={1,2}$/, "");
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

function toBytes(data: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(typeof data === "string" ? encoder.encode(data) : data);
}

function failure(reason: VerifyFailure): VerifyResult {
  return { ok: false, reason };
}
