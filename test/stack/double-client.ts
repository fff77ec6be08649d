import type { BotguardSwitches, DoubleStats, FailureKind, FailureTarget } from "@ytt/youtube-double";

/** The YouTube double's control endpoints (/__double/*), for a double running as its own process. */
export class DoubleClient {
  constructor(readonly controlUrl: string) {}

  async stats(): Promise<DoubleStats> {
    return (await this.control("stats")) as DoubleStats;
  }

  async reset(): Promise<void> {
    await this.control("reset");
  }

  /** The next `count` matching requests answer with the given refusal (see FailureKind). */
  async failNext(
    count: number,
    kind: FailureKind,
    options: { on?: FailureTarget; retryAfterSeconds?: number } = {},
  ): Promise<void> {
    const params = new URLSearchParams({ count: String(count), kind, on: options.on ?? "any" });
    if (options.retryAfterSeconds !== undefined) params.set("retryAfter", String(options.retryAfterSeconds));
    await this.control("fail", params);
  }

  async setLatency(ms: number): Promise<void> {
    await this.control("latency", new URLSearchParams({ ms: String(ms) }));
  }

  /** BotGuard switches: interpreter script failing, GenerateIT failing, the WAA host the player calls. */
  async setBotguard(switches: Partial<BotguardSwitches>): Promise<void> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(switches)) if (value) params.set(key, value);
    await this.control("botguard", params);
  }

  /** The bounds of the player's random pot-decoration delay after the tracklist appears. */
  async setPotDelay(minMs: number, maxMs: number): Promise<void> {
    await this.control("pot-delay", new URLSearchParams({ min: String(minMs), max: String(maxMs) }));
  }

  private async control(action: string, params?: URLSearchParams): Promise<unknown> {
    const res = await fetch(`${this.controlUrl}/__double/${action}${params ? `?${params}` : ""}`);
    if (!res.ok) throw new Error(`double /__double/${action} answered ${res.status}`);
    return res.json();
  }
}
