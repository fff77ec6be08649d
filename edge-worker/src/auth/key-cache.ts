import { type KeyRecord, KeyRecordSchema } from "./keys.js";

/** KV's shortest edge cache; with the isolate's KEY_CACHE_SECONDS it bounds how late a revocation lands. */
const KV_CACHE_TTL_SECONDS = 30;
/** Bounds the isolate's memory (a record is ~200 bytes) whatever keys a flood presents. */
const MAX_ENTRIES = 10_000;

/** undefined: no usable record (unknown keys are remembered too, so guessing costs KV no more reads). */
type Entry = { record: KeyRecord | undefined; readAt: number };
const entries = new Map<string, Entry>();

/**
 * The record stored under a key hash, remembered in this isolate for `ttlSeconds` so that a request
 * with a known key makes no KV round trip. Oldest entries go first once the map is full.
 */
export async function keyRecord(
  kv: KVNamespace,
  hash: string,
  ttlSeconds: number,
): Promise<KeyRecord | undefined> {
  const now = Date.now();
  const cached = entries.get(hash);
  // The age, not a stored expiry, is checked: a shorter KEY_CACHE_SECONDS applies at once.
  if (cached && now - cached.readAt < ttlSeconds * 1000) return cached.record;
  const parsed = KeyRecordSchema.safeParse(
    await kv.get(hash, { type: "json", cacheTtl: KV_CACHE_TTL_SECONDS }),
  );
  const record = parsed.success ? parsed.data : undefined;
  entries.delete(hash);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(hash, { record, readAt: now });
  return record;
}
