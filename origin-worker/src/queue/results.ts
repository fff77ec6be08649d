import type { Redis } from "ioredis";
import type { Outcome } from "./outcome.js";

/** Where finished outcomes live, by job id (= request hash), so a repeat request is answered without a job. */
export class ResultStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(id: string): string {
    return `${this.keyPrefix}:result:${id}`;
  }

  async get(id: string): Promise<Outcome | undefined> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as Outcome) : undefined;
  }

  async put(id: string, outcome: Outcome, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify(outcome), "EX", ttlSeconds);
  }
}
