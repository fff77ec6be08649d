import { sha256Hex } from "@ytt/shared";
import { z } from "zod";

/**
 * API keys look like `ytt_live_<40 base62>`: the prefix makes leaked keys recognisable to secret
 * scanners, the ~238 random bits make guessing hopeless. Only sha256(key) is stored.
 */
export const API_KEY_PATTERN = /^ytt_(live|test)_[A-Za-z0-9]{32,64}$/;
export const API_KEY_RANDOM_LENGTH = 40;
/** Shown in listings so people can tell keys apart without the secret part. */
export const KEY_PREFIX_LENGTH = "ytt_live_".length + 6;

export const PlanSchema = z.enum(["free", "pro"]);
export type Plan = z.infer<typeof PlanSchema>;

/** The value stored in KV API_KEYS under sha256(key) hex. */
export const KeyRecordSchema = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  prefix: z.string(),
  owner: z.string().min(1).max(200),
  plan: PlanSchema,
  status: z.enum(["active", "revoked"]),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});
export type KeyRecord = z.infer<typeof KeyRecordSchema>;

const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A fresh random key; rejection sampling keeps every base62 character equally likely. */
export function generateApiKey(environment: "live" | "test"): string {
  let random = "";
  while (random.length < API_KEY_RANDOM_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(64))) {
      if (byte < 248 && random.length < API_KEY_RANDOM_LENGTH) random += BASE62[byte % 62];
    }
  }
  return `ytt_${environment}_${random}`;
}

export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}

export async function newKeyRecord(
  key: string,
  owner: string,
  plan: Plan,
  now = new Date(),
): Promise<KeyRecord> {
  return {
    hash: await hashApiKey(key),
    prefix: key.slice(0, KEY_PREFIX_LENGTH),
    owner,
    plan,
    status: "active",
    createdAt: now.toISOString(),
  };
}
