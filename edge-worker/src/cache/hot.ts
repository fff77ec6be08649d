import type { Rendered } from "./rendered.js";

/** A rendering held in the isolate's memory: its body decoded once, so every hit can send it as is. */
interface HotEntry extends Rendered {
  body: string;
  bytes: number;
}

/**
 * The isolate's own copies of the renderings it served last, least recently used first out, within a
 * byte budget: a hot transcript is answered without even the Cache API's round trip. Keyed like the
 * Cache API (request hash and variant), and dropped at the same freshUntil.
 */
export class HotRenderings {
  readonly #entries = new Map<string, HotEntry>();
  #bytes = 0;

  /** `maxBytes`: the budget (0 keeps nothing); a rendering over a quarter of it is not kept. */
  constructor(readonly maxBytes: number) {}

  get(hash: string, variant: string, now = Date.now()): Rendered | undefined {
    const key = `${hash}/${variant}`;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#drop(key, entry);
    if (!(entry.freshUntil > now)) return undefined;
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    return entry;
  }

  put(hash: string, variant: string, rendered: Rendered): void {
    const body = typeof rendered.body === "string" ? rendered.body : new TextDecoder().decode(rendered.body);
    // JavaScript strings hold UTF-16: two bytes a code unit.
    const bytes = body.length * 2;
    if (bytes > this.maxBytes / 4) return;
    const key = `${hash}/${variant}`;
    const old = this.#entries.get(key);
    if (old) this.#drop(key, old);
    this.#entries.set(key, { ...rendered, body, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#drop(oldest, entry);
    }
  }

  /** Bytes held now (for tests and the budget). */
  get bytes(): number {
    return this.#bytes;
  }

  #drop(key: string, entry: HotEntry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

let isolateCopy: HotRenderings | undefined;

/** The isolate's one HotRenderings, with the budget its config gives (a new budget starts it afresh). */
export function isolateRenderings(maxBytes: number): HotRenderings {
  if (isolateCopy?.maxBytes !== maxBytes) isolateCopy = new HotRenderings(maxBytes);
  return isolateCopy;
}
