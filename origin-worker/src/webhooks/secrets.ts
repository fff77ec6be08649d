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

/**
 * The rotation in one step, so two at once cannot lose a secret one of them was shown: the stored
 * one becomes `previous`. KEYS: the key's secret. ARGV: new secret, its createdAt, previous's end.
 * Returns 1 when a secret was replaced.
 */
const ROTATE = `
local old = redis.call('GET', KEYS[1])
local stored = { current = { secret = ARGV[1], createdAt = ARGV[2] } }
if old then stored.previous = { secret = cjson.decode(old).current.secret, ['until'] = ARGV[3] } end
redis.call('SET', KEYS[1], cjson.encode(stored))
if old then return 1 end
return 0
`;

type RotateCommand = (key: string, secret: string, createdAt: string, until: string) => Promise<number>;

export class WebhookSecrets {
  constructor(
    private readonly redis: Redis,
    private readonly queueName: string,
  ) {
    if (!("ytRotateWebhookSecret" in redis)) {
      redis.defineCommand("ytRotateWebhookSecret", { numberOfKeys: 1, lua: ROTATE });
    }
  }

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
    const current = { secret: generateWebhookSecret(), createdAt: new Date(now).toISOString() };
    const until = new Date(now + ROTATION_OVERLAP_MS).toISOString();
    const rotate = (this.redis as unknown as { ytRotateWebhookSecret: RotateCommand }).ytRotateWebhookSecret;
    const replaced = await rotate.call(this.redis, this.key(keyId), current.secret, current.createdAt, until);
    return { ...current, exists: true, ...(replaced === 1 ? { previousValidUntil: until } : {}) };
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
