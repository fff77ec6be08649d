import type { ErrorBody, JobKind, LanguageList, Transcript } from "@ytt/shared";
import type { Config } from "../config.js";

/**
 * The durable edge store (KV TRANSCRIPTS): the canonical answer per normalised request, never a
 * rendered format. Successes live long and go stale; permanent failures ("no transcript") are
 * remembered briefly with their error body.
 */
export type StoredAnswer =
  | {
      outcome: "ok";
      kind: JobKind;
      body: Transcript | LanguageList;
      storedAt: number;
      freshUntil: number;
      swrUntil: number;
    }
  | {
      outcome: "error";
      kind: JobKind;
      status: number;
      body: ErrorBody;
      storedAt: number;
      freshUntil: number;
    };

/** fresh: serve. revalidate: serve stale, refresh in the background. stale-if-error: ask the origin first. */
export type Freshness = "fresh" | "revalidate" | "stale-if-error";

export function freshness(entry: StoredAnswer, now = Date.now()): Freshness {
  if (now < entry.freshUntil) return "fresh";
  if (entry.outcome === "ok" && now < entry.swrUntil) return "revalidate";
  return "stale-if-error";
}

const answerKey = (hash: string) => `answer:${hash}`;

export async function readAnswer(kv: KVNamespace, hash: string): Promise<StoredAnswer | undefined> {
  return (await kv.get<StoredAnswer>(answerKey(hash), "json")) ?? undefined;
}

export async function writeSuccess(
  kv: KVNamespace,
  config: Config,
  hash: string,
  kind: JobKind,
  body: Transcript | LanguageList,
): Promise<StoredAnswer> {
  const now = Date.now();
  const { freshSeconds, swrSeconds, keepSeconds } = config.ttl;
  const entry: StoredAnswer = {
    outcome: "ok",
    kind,
    body,
    storedAt: now,
    freshUntil: now + freshSeconds * 1000,
    swrUntil: now + (freshSeconds + swrSeconds) * 1000,
  };
  await kv.put(answerKey(hash), JSON.stringify(entry), { expirationTtl: keepSeconds });
  return entry;
}

export async function writeFailure(
  kv: KVNamespace,
  config: Config,
  hash: string,
  kind: JobKind,
  status: number,
  body: ErrorBody,
): Promise<void> {
  const now = Date.now();
  const ttl = config.ttl.failureSeconds;
  const entry: StoredAnswer = {
    outcome: "error",
    kind,
    status,
    body,
    storedAt: now,
    freshUntil: now + ttl * 1000,
  };
  await kv.put(answerKey(hash), JSON.stringify(entry), { expirationTtl: ttl });
}
