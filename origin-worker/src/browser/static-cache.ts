import type { HTTPRequest } from "puppeteer-core";

/**
 * YouTube's versioned static files, kept in the worker process and served to every later job's page.
 *
 * Each job has a fresh browser context with request interception, so Chromium's HTTP cache never
 * serves anything and the whole app (several MB of scripts) would cross the network, a per-GB
 * residential proxy in production, on every job. These files are named by their version or content
 * hash, so a URL's bytes never change: a new player build comes under a new URL and is fetched once.
 * URL shapes as the captured watch page has them (shared/fixtures/youtube-captures/youtube.html):
 * `/s/player/fc2a56a5/player_ias.vflset/en_US/base.js`, `/s/desktop/03ea48a4/jsbin/…`,
 * `/s/_/ytmainappweb/_/js/k=…/rs=AGKMyw…`; and the BotGuard interpreter
 * `//www.google.com/js/th/<43-character hash>.js` (research/youtube-2026.md §1).
 *
 * Bodies are kept decoded (what Chromium hands over) and bounded in bytes, the least recently used
 * dropped first. Two jobs missing the same URL at once both fetch it; the later copy is not kept.
 */

/** About four generations of the real app's scripts; see the README's memory reasoning. */
export const DEFAULT_STATIC_CACHE_MAX_BYTES = 64 * 2 ** 20;

const VERSIONED_YOUTUBE_PATH = /^\/s\/(?:(?:player|desktop)\/[\w-]+\/|_\/.*\/rs=[\w-]+)/;
const INTERPRETER_URL = /^https:\/\/www\.google\.com\/js\/th\/[\w-]{43}\.js$/;

/** Headers that describe the bytes on the wire, not the decoded body kept here, or that end with the connection. */
const DROPPED_HEADERS = new Set([
  "content-encoding",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
]);

interface Entry {
  /** Multi-valued headers as arrays: Chromium reports them joined by newlines, which no header may hold. */
  headers: Record<string, string | string[]>;
  body: Uint8Array;
  size: number;
}

/**
 * Whether an answer may be shared between jobs: a plain 200 that sets no cookie and that its server
 * lets any cache keep and reuse without asking again.
 */
export function shareable(status: number, headers: Record<string, string>): boolean {
  return (
    status === 200 &&
    headers["set-cookie"] === undefined &&
    !/\b(?:no-store|no-cache|private)\b/i.test(headers["cache-control"] ?? "")
  );
}

export class StaticCache {
  /** Map order is recency order: a hit moves its entry to the end, eviction takes from the front. */
  private readonly entries = new Map<string, Entry>();
  private used = 0;

  constructor(
    /** 0: nothing is kept. */
    readonly maxBytes: number,
    private readonly youtubeOrigin: string,
  ) {}

  /** Bytes held now (bodies and headers). */
  get bytes(): number {
    return this.used;
  }

  /** Whether `url` names a file whose bytes cannot change (a version or hash in its path). */
  isVersioned(url: string): boolean {
    if (INTERPRETER_URL.test(url)) return true;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    return (
      parsed.origin === this.youtubeOrigin && !parsed.search && VERSIONED_YOUTUBE_PATH.test(parsed.pathname)
    );
  }

  get(url: string): Entry | undefined {
    const entry = this.entries.get(url);
    if (entry) {
      this.entries.delete(url);
      this.entries.set(url, entry);
    }
    return entry;
  }

  put(url: string, headers: Record<string, string>, body: Uint8Array): void {
    const wanted = Object.entries(headers).filter(([name]) => !DROPPED_HEADERS.has(name));
    const kept = Object.fromEntries(
      wanted.map(([name, value]) => [name, value.includes("\n") ? value.split("\n") : value]),
    );
    const size = body.byteLength + wanted.reduce((n, [name, value]) => n + name.length + value.length, 0);
    if (size > this.maxBytes) return;
    this.delete(url);
    for (const [oldest] of this.entries) {
      if (this.used + size <= this.maxBytes) break;
      this.delete(oldest);
    }
    this.entries.set(url, { headers: kept, body, size });
    this.used += size;
  }

  private delete(url: string) {
    const entry = this.entries.get(url);
    if (!entry) return;
    this.entries.delete(url);
    this.used -= entry.size;
  }

  /** Answers an allowed request from memory when it holds the file; true when it did. */
  serve(request: HTTPRequest): boolean {
    if (request.method() !== "GET" || !this.isVersioned(request.url())) return false;
    const entry = this.get(request.url());
    if (!entry) return false;
    // Should Chromium refuse the answer, the page still gets the file, from the network.
    request
      .respond({ status: 200, headers: entry.headers, body: entry.body })
      .catch(() => request.continue().catch(() => {}));
    return true;
  }

  /** Keeps a finished request's answer when it is a versioned file that may be shared. */
  async keep(request: HTTPRequest): Promise<void> {
    const url = request.url();
    if (this.maxBytes === 0 || request.method() !== "GET" || this.entries.has(url) || !this.isVersioned(url))
      return;
    const response = request.response();
    if (!response || !shareable(response.status(), response.headers())) return;
    const body = await response.content().catch(() => undefined);
    if (body) this.put(url, response.headers(), body);
  }
}
