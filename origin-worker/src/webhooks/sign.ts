import { createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, spec "Signature scheme"): each
 * delivery carries `webhook-id` (the message, the same on every retry), `webhook-timestamp` (Unix
 * seconds of this attempt) and `webhook-signature`, space-separated `v1,<base64 HMAC-SHA-256>` of
 * `id.timestamp.body` under the secret's bytes: one per secret in force, so a receiver keeps
 * verifying while a rotation reaches it.
 */

export const SECRET_PREFIX = "whsec_";
/** The spec asks for 24 to 64 random bytes; 32 match the hash. */
const SECRET_BYTES = 32;

export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** A new secret in the spec's `whsec_<base64>` form. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64");
}

function secretBytes(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new TypeError("a webhook secret starts with whsec_");
  return Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
}

/** The three headers of one attempt at delivering `body` (the exact bytes sent) as message `id`. */
export function signWebhook(input: {
  id: string;
  body: string;
  /** Every secret in force, newest first; at least one. */
  secrets: readonly string[];
  now?: number;
}): WebhookHeaders {
  if (input.secrets.length === 0) throw new TypeError("signing needs a secret");
  const timestamp = String(Math.floor((input.now ?? Date.now()) / 1000));
  const signed = `${input.id}.${timestamp}.${input.body}`;
  const signatures = input.secrets.map(
    (secret) => `v1,${createHmac("sha256", secretBytes(secret)).update(signed).digest("base64")}`,
  );
  return {
    "webhook-id": input.id,
    "webhook-timestamp": timestamp,
    "webhook-signature": signatures.join(" "),
  };
}
