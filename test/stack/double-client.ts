import type { DoubleStats, FailureTarget } from "@ytt/youtube-double";

/** The YouTube double's control endpoints (/__double/*), for a double running as its own process. */
export class DoubleClient {
  constructor(readonly controlUrl: string) {}

  async stats(): Promise<DoubleStats> {
    return (await this.control("stats")) as DoubleStats;
  }

  async reset(): Promise<void> {
    await this.control("reset");
  }

  /** The next `count` matching requests answer 429 (reCAPTCHA page) or with the bot check. */
  async failNext(
    count: number,
    kind: "rateLimit" | "botCheck",
    options: { on?: FailureTarget; retryAfterSeconds?: number } = {},
  ): Promise<void> {
    const params = new URLSearchParams({ count: String(count), kind, on: options.on ?? "any" });
    if (options.retryAfterSeconds !== undefined) params.set("retryAfter", String(options.retryAfterSeconds));
    await this.control("fail", params);
  }

  async setLatency(ms: number): Promise<void> {
    await this.control("latency", new URLSearchParams({ ms: String(ms) }));
  }

  private async control(action: string, params?: URLSearchParams): Promise<unknown> {
    const res = await fetch(`${this.controlUrl}/__double/${action}${params ? `?${params}` : ""}`);
    if (!res.ok) throw new Error(`double /__double/${action} answered ${res.status}`);
    return res.json();
  }
}
