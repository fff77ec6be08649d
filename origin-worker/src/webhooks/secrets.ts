import type { Redis } from "ioredis";
import { originKeyPrefix } from "../queue/queue.js";
import { generateWebhookSecret } from "./sign.js";

/**
 * Each API key's webhook secret. HMAC signing needs the secret itself, so unlike API keys it cannot
 * be kept as a hash: it lives in the queue Redis under the key's id, where the Redis ACLs
 * (k8s/redis-acl/queue.acl) let the origin API write it and the webhooks process read it, and
 * nothing else (the extraction workers, which run a browser on YouTube's pages, cannot). The API
 * shows it once, when made; afterwards only whether it exists and when it was made.
 *
 * A rotation keeps the previous secret signing too for ROTATION_OVERLAP_MS: deliveries carry both
 * signatures (Standard Webhooks allows several) until the receiver has the new one.
 */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

interface Stored {
  current: { secret: string; createdAt: string };
  previous?: { secret: string; until: string };
}

export interface SecretStatus {
  exists: boolean;
  createdAt?: string;
  /** After a rotation: until when the previous secret still signs. */
  previousValidUntil?: string;
}

export class WebhookSecrets {
  constructor(
    private readonly redis: Redis,
    private readonly queueName: string,
  ) {}

  private key(keyId: string): string {
    return `${originKeyPrefix(this.queueName)}:webhook-secret:${keyId}`;
  }

  private async read(keyId: string): Promise<Stored | undefined> {
    const raw = await this.redis.get(this.key(keyId));
    return raw ? (JSON.parse(raw) as Stored) : undefined;
  }

  /** A new secret for the key (the only time it is returned); the one it replaces signs for a day more. */
  async rotate(
    keyId: string,
    now = Date.now(),
  ): Promise<{ secret: string; createdAt: string } & SecretStatus> {
    const old = await this.read(keyId);
    const current = { secret: generateWebhookSecret(), createdAt: new Date(now).toISOString() };
    const previous = old
      ? { secret: old.current.secret, until: new Date(now + ROTATION_OVERLAP_MS).toISOString() }
      : undefined;
    const stored: Stored = { current, ...(previous ? { previous } : {}) };
    await this.redis.set(this.key(keyId), JSON.stringify(stored));
    return { ...current, exists: true, ...(previous ? { previousValidUntil: previous.until } : {}) };
  }

  async status(keyId: string, now = Date.now()): Promise<SecretStatus> {
    const stored = await this.read(keyId);
    if (!stored) return { exists: false };
    const previous = stored.previous && Date.parse(stored.previous.until) > now ? stored.previous : undefined;
    return {
      exists: true,
      createdAt: stored.current.createdAt,
      ...(previous ? { previousValidUntil: previous.until } : {}),
    };
  }

  /** The secrets a delivery for the key is signed with, newest first; none when it has no secret. */
  async signingSecrets(keyId: string, now = Date.now()): Promise<string[]> {
    const stored = await this.read(keyId);
    if (!stored) return [];
    const previous =
      stored.previous && Date.parse(stored.previous.until) > now ? [stored.previous.secret] : [];
    return [stored.current.secret, ...previous];
  }
}
