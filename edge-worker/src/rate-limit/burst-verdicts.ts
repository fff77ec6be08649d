/**
 * The burst limiter's verdict on each key's latest request, kept per isolate, so that an answer which
 * costs the origin nothing need not wait for its own count: it goes on while the key's previous count
 * said yes. Once one said no, each request waits for its own, so a key is refused exactly while the
 * limiter refuses it, and served again as soon as its window rolls over.
 */
export class BurstVerdicts {
  readonly #latest = new Map<string, Promise<boolean>>();

  /** Keys past this many are forgotten oldest first (a forgotten key just goes on once more). */
  constructor(private readonly capacity: number) {}

  /** Records `own` as the key's latest verdict; resolves whether this request is within the limit. */
  async admits(key: string, own: Promise<boolean>): Promise<boolean> {
    const previous = this.#latest.get(key);
    this.#latest.delete(key);
    this.#latest.set(key, own);
    if (this.#latest.size > this.capacity) {
      const oldest = this.#latest.keys().next().value;
      if (oldest !== undefined) this.#latest.delete(oldest);
    }
    // A count that failed says nothing about the key; its own request reported the failure.
    if (!previous || (await previous.catch(() => true))) return true;
    return own;
  }
}
