import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import {
  DESKTOP_POLYMER_PATH,
  MAINAPP_PATH,
  negotiate,
  OLD_PLAYER_VERSION,
  PLAYER_VERSION,
  playerPath,
  type StaticAsset,
  staticAssets,
} from "./assets.js";
import { Botguard, WAA_API_KEY, WAA_REQUEST_KEY } from "./botguard.js";
import { type Captures, type Json, loadCaptures } from "./captures.js";
import { type CatalogueVideo, type Playability, translateText, VIDEOS } from "./catalogue.js";
import { collectionPages } from "./collections.js";
import { consentPageHtml } from "./consent.js";
import {
  type Client,
  initialData,
  outdatedClient,
  type PageContext,
  playerResponse,
  signaturePayload,
} from "./player-response.js";
import { renderTimedtext, timedtextFormat } from "./timedtext.js";
import { type DoubleTls, ensureDoubleTls } from "./tls.js";

export interface YoutubeDoubleOptions {
  /** The TLS port every impersonated host is served on (default: a free one). */
  port?: number;
  /** The plain-HTTP port of the /__double/* control endpoints (default: a free one). */
  controlPort?: number;
  /** The loopback address both listen on. */
  host?: string;
  /** Where the double's test CA and server certificate live (see tls.ts). */
  tlsDir?: string;
  /**
   * The range of the pot decoration delay this double returns to on reset (default 200–1500 ms, as
   * the real player's). Suites that are not about the race may take its near end to run faster.
   */
  potDelayMs?: [number, number];
  /** Where the real captures are; see captures.ts. */
  capturesDir?: string;
  /** Put every video behind the consent interstitial (an EU visitor), not only the catalogue's consent video. */
  consentEverywhere?: boolean;
}

/**
 * Which consent cookies get a visitor past the interstitial: any that records a decision (as
 * YouTube honours SOCS values it did not set itself, e.g. yt-dlp's "CAI"), or only the ones this
 * double's consent form issued (a YouTube that stopped honouring preset cookies).
 */
export type AcceptedConsent = "any-decision" | "issued-only";

/** Which requests a forced failure hits: watch pages, innertube player calls, or both. */
export type FailureTarget = "watch" | "innertube" | "any";

/**
 * What a forced failure looks like:
 * - rateLimit: HTTP 429 with the reCAPTCHA "unusual traffic" page (innertube: 429 RESOURCE_EXHAUSTED);
 * - botCheck: LOGIN_REQUIRED "Sign in to confirm you’re not a bot" (capture youtube_request_blocked);
 * - sessionLimit: ERROR "Video unavailable" / "This content isn't available, try again later." (yt-dlp _video.py);
 * - captchaViewModel: UNPLAYABLE with errorScreen.playerCaptchaViewModel;
 * - flaggedIp: WEB answers play without `captions`, app clients (ANDROID, IOS) get the bot check.
 */
export type FailureKind = "rateLimit" | "botCheck" | "sessionLimit" | "captchaViewModel" | "flaggedIp";
export const FAILURE_KINDS: readonly FailureKind[] = [
  "rateLimit",
  "botCheck",
  "sessionLimit",
  "captchaViewModel",
  "flaggedIp",
];

/**
 * BotGuard switches: the interpreter fails (the page names a new interpreter, one no worker has kept,
 * and www.google.com/js/th/ answers 500), GenerateIT refuses (403), and which WAA host the pages'
 * player calls (www.youtube.com/api/jnn/v1, or jnn-pa.googleapis.com for an older player build; a
 * catalogue video can also ask for jnn-pa).
 */
export interface BotguardSwitches {
  interpreter: "ok" | "fail";
  generateIt: "ok" | "fail";
  waaHost: "youtube" | "jnn-pa";
}

export interface DoubleStats {
  /** Every HTTP request the double answered. */
  requests: number;
  /** Response body bytes per host (compressed as sent), so bytes per job can be measured. */
  bytesByHost: Record<string, number>;
  /** Requests per host and path, query left out (`www.youtube.com/s/player/…/base.js`). */
  requestsByPath: Record<string, number>;
  /** Response body bytes per host and path (compressed as sent). */
  bytesByPath: Record<string, number>;
  /** Requests per client address (IPv4-mapped IPv6 written as IPv4): which exit a proxy used. */
  requestsByAddress: Record<string, number>;
  /** Headers of the last watch-page request that say who the client is (User-Agent, client hints, language). */
  lastWatchHeaders: Record<string, string>;
  /** Watch page loads per video id (consent redirects not counted). */
  watchPages: Record<string, number>;
  /** `/api/timedtext` requests per video id, empty answers included. */
  timedtext: Record<string, number>;
  /** `/api/timedtext` answers with a transcript in them, per video id. */
  timedtextServed: Record<string, number>;
  /** `/api/timedtext` requests answered 200 with an empty body for want of a valid pot, per video id. */
  timedtextEmpty: Record<string, number>;
  /** `/youtubei/v1/player` calls per video id. */
  innertube: Record<string, number>;
  /** BotGuard interpreter script loads (www.google.com/js/th/…), failed ones included. */
  interpreterLoads: number;
  /** GenerateIT calls that issued an integrity token, and those refused. */
  generateIt: { issued: number; refused: number };
  consentPages: number;
  consentAccepted: number;
  consentRejected: number;
  /** Answers replaced by a forced failure (failNext). */
  forcedFailures: number;
}

export interface YoutubeDouble {
  /** Always https://www.youtube.com: the double is reached under YouTube's real hostnames. */
  origin: string;
  /** Chromium --host-resolver-rules mapping every hostname to the double's TLS port. */
  hostRules: string;
  /** base64 SHA-256 of the double's server key, for --ignore-certificate-errors-spki-list. */
  spki: string;
  /** The test CA file, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** The worker environment that points the engine at the double in its production configuration. */
  upstreamEnv: Record<
    "YOUTUBE_ORIGIN" | "UPSTREAM_HOST_RULES" | "UPSTREAM_TRUSTED_SPKI" | "NODE_EXTRA_CA_CERTS",
    string
  >;
  /** Where the /__double/* control endpoints answer (plain HTTP, loopback). */
  controlUrl: string;
  /** A request to one of the impersonated hosts from this process, as if DNS pointed at the double. */
  fetch(
    url: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<DoubleAnswer>;
  stats(): DoubleStats;
  /** Zero the counters and drop forced failures, latency and every switch. */
  reset(): void;
  /** The next `count` matching requests answer with the given refusal (see FailureKind). */
  failNext(
    count: number,
    kind: FailureKind,
    options?: { on?: FailureTarget; retryAfterSeconds?: number },
  ): void;
  /** Extra latency on every answer, on top of a video's own. */
  setLatency(ms: number): void;
  /** Headers added to (or replacing those of) every versioned static file's answer, e.g. a Set-Cookie. */
  setStaticHeaders(headers: Record<string, string>): void;
  /** Who meets the consent interstitial (every video, or the catalogue's consent video) and what gets past it. */
  setConsent(consent: { everywhere: boolean; accepted: AcceptedConsent }): void;
  /** BotGuard switches (see BotguardSwitches); unspecified ones keep their value. */
  setBotguard(switches: Partial<BotguardSwitches>): void;
  /** How long after the tracklist appears the player decorates the tracks with a pot (default 200–1500 ms). */
  setPotDelay(minMs: number, maxMs: number): void;
  /**
   * Client addresses treated as YouTube treats a flagged exit (a datacenter range, a burnt proxy):
   * every watch page is the bot check, every innertube call the "request blocked" answer.
   */
  setRefusedAddresses(addresses: readonly string[]): void;
  close(): Promise<void>;
}

/**
 * The worker environment of the production configuration, with YouTube's hostnames resolving to a
 * double listening on host:port (what `startYoutubeDouble().upstreamEnv` holds, for a double in
 * another process).
 */
export function doubleUpstreamEnv(host: string, port: number, tls: DoubleTls): YoutubeDouble["upstreamEnv"] {
  return {
    YOUTUBE_ORIGIN: "https://www.youtube.com",
    UPSTREAM_HOST_RULES: `MAP * ${host}:${port}`,
    UPSTREAM_TRUSTED_SPKI: tls.spki,
    NODE_EXTRA_CA_CERTS: tls.caFile,
  };
}

export interface DoubleAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The SOCS values consent.youtube.com/save sets: an "accept all" and a "reject all" decision. */
const ISSUED_SOCS = {
  accept: "CAISNQgDEitib3FfaWRlbnRpdHlmcm9udGVuZHVpc2VydmVyXzIwMjYwMTEyLjA1X3AwGgJlbiACGgYIgPy8mgY",
  reject: "CAESNQgDEitib3FfaWRlbnRpdHlmcm9udGVuZHVpc2VydmVyXzIwMjYwMTEyLjA1X3AwGgJlbiACGgYIgPy8mgY",
};

/** Every value a cookie has in a Cookie header (a host-only and a domain cookie may share a name). */
function cookieValues(header: string | undefined, name: string): string[] {
  return (header ?? "")
    .split(";")
    .map((pair) => pair.trim().split("="))
    .filter(([key]) => key === name)
    .map(([, ...value]) => value.join("="));
}

/**
 * Whether the request carries a consent decision. SOCS is a base64url protobuf whose first field
 * (tag 0x08) is the decision: 0 ("CAA…") is undecided and meets the interstitial like no cookie;
 * "reject all" is a decision too. The legacy CONSENT=YES+… cookie counts as well.
 */
function hasConsent(header: string | undefined, accepted: AcceptedConsent): boolean {
  const socs = cookieValues(header, "SOCS");
  if (accepted === "issued-only")
    return socs.some((v) => v === ISSUED_SOCS.accept || v === ISSUED_SOCS.reject);
  if (cookieValues(header, "CONSENT").some((v) => v.startsWith("YES+"))) return true;
  return socs.some((value) => {
    const decision = Buffer.from(value, "base64url");
    return decision[0] === 0x08 && (decision[1] ?? 0) > 0;
  });
}

/** The app clients the double answers, and the first version it still serves (yt-dlp _base.py, Jan 2026: 21.02.x). */
const CURRENT_APP_MAJOR = 21;

function emptyStats(): DoubleStats {
  return {
    requests: 0,
    bytesByHost: {},
    requestsByPath: {},
    bytesByPath: {},
    requestsByAddress: {},
    lastWatchHeaders: {},
    watchPages: {},
    timedtext: {},
    timedtextServed: {},
    timedtextEmpty: {},
    innertube: {},
    interpreterLoads: 0,
    generateIt: { issued: 0, refused: 0 },
    consentPages: 0,
    consentAccepted: 0,
    consentRejected: 0,
    forcedFailures: 0,
  };
}

const DEFAULT_BOTGUARD: BotguardSwitches = { interpreter: "ok", generateIt: "ok", waaHost: "youtube" };
const DEFAULT_POT_DELAY: [number, number] = [200, 1500];

const bump = (counter: Record<string, number>, key: string, by = 1) => {
  counter[key] = (counter[key] ?? 0) + by;
};

/** Media hosts are counted together. */
const statsHost = (host: string) => (host.endsWith(".googlevideo.com") ? "*.googlevideo.com" : host);

/** JSON inlined in a <script>: `</script>` and friends must not end the element early. */
const inlineJson = (value: unknown) =>
  JSON.stringify(value).replaceAll("<", "\\u003c").replaceAll(">", "\\u003e").replaceAll("&", "\\u0026");

/** A JSON string in a single-quoted JS literal, hex-escaped as the real page writes window.ytAtR. */
const hexEscapedJson = (value: unknown) =>
  JSON.stringify(value).replace(
    /[\\'"<>{}[\]&=]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );

/** The page's own ytcfg store, defined before the ytcfg.set calls that fill it. */
const YTCFG_SHIM =
  "var ytcfg={d:function(){return window.yt&&yt.config_||ytcfg.data_||(ytcfg.data_={})},get:function(k,o){return k in ytcfg.d()?ytcfg.d()[k]:o},set:function(){var a=arguments;if(a.length>1)ytcfg.d()[a[0]]=a[1];else{var k;for(k in a[0])ytcfg.d()[k]=a[0][k]}}};";

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const BROTLI_FAST = { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } };
const JSON_UTF8 = { "content-type": "application/json; charset=UTF-8" };
const googleError = (code: number, status: string, message: string) =>
  JSON.stringify({ error: { code, message, status } });

export async function startYoutubeDouble(options: YoutubeDoubleOptions = {}): Promise<YoutubeDouble> {
  const captures: Captures = loadCaptures(options.capturesDir);
  const assets = staticAssets();
  const botguard = new Botguard();
  const urlKey = randomBytes(32);
  let stats = emptyStats();
  let latencyMs = 0;
  let staticHeaders: Record<string, string> = {};
  let refusedAddresses = new Set<string>();
  /** The client's address as written in the stats, an IPv4-mapped IPv6 one as IPv4. */
  const clientAddress = (req: IncomingMessage) => (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const refused = (req: IncomingMessage) => refusedAddresses.has(clientAddress(req));
  const defaultConsent = {
    everywhere: options.consentEverywhere ?? false,
    accepted: "any-decision" as const,
  };
  let consent: { everywhere: boolean; accepted: AcceptedConsent } = defaultConsent;
  let bgSwitches: BotguardSwitches = { ...DEFAULT_BOTGUARD };
  const defaultPotDelay: [number, number] = options.potDelayMs ?? [...DEFAULT_POT_DELAY];
  let potDelay: [number, number] = [...defaultPotDelay];
  let forced: {
    remaining: number;
    kind: FailureKind;
    on: FailureTarget;
    retryAfterSeconds?: number;
  } | null = null;
  let origin = "";
  /** Which host and path each response is for, so its body bytes are counted against them. */
  const hostOf = new WeakMap<ServerResponse, string>();
  const pathOf = new WeakMap<ServerResponse, string>();

  // The capture's ytcfg is large and the same for every page: serialise it once.
  const ytcfg = { ...captures.webYtcfg };
  delete ytcfg.PLAYER_CSS_URL;
  const ytcfgScript = `ytcfg.set(${inlineJson(ytcfg)});`;

  /** Caption URL signatures in the real layout (two 40-hex parts), a MAC over client family and sparams. */
  const sign = (payload: string) =>
    [1, 2]
      .map((part) => createHmac("sha1", urlKey).update(`${part}:${payload}`).digest("hex").toUpperCase())
      .join(".");

  const takeForcedFailure = (target: "watch" | "innertube") => {
    if (!forced || forced.remaining <= 0 || (forced.on !== "any" && forced.on !== target)) return null;
    forced.remaining--;
    stats.forcedFailures++;
    const failure = forced;
    if (forced.remaining === 0) forced = null;
    return failure;
  };

  const count = (res: ServerResponse, bytes: number) => {
    const host = hostOf.get(res);
    if (host) bump(stats.bytesByHost, statsHost(host), bytes);
    const path = pathOf.get(res);
    if (path) bump(stats.bytesByPath, path, bytes);
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    headers: Record<string, string | string[]> = {},
  ) => {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", ...headers });
    res.end(bytes);
    count(res, bytes.length);
  };

  const sendAsset = (req: IncomingMessage, res: ServerResponse, asset: StaticAsset) => {
    const { encoding, body } = negotiate(asset, req.headers["accept-encoding"] as string | undefined);
    send(res, 200, body, {
      "content-type": asset.contentType,
      "cache-control": "public, max-age=31536000, immutable",
      vary: "Accept-Encoding",
      ...(encoding ? { "content-encoding": encoding } : {}),
      ...staticHeaders,
    });
  };

  const tooManyRequests = (res: ServerResponse, retryAfterSeconds?: number) =>
    send(
      res,
      429,
      captures.tooManyRequestsHtml,
      retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) },
    );

  /** The catalogue video as a forced refusal (failNext) or the IP flag makes it look. */
  const withFailure = (video: CatalogueVideo, kind: FailureKind | undefined): CatalogueVideo => {
    const playability: Partial<Record<FailureKind, Playability>> = {
      sessionLimit: "sessionLimit",
      captchaViewModel: "captchaViewModel",
      flaggedIp: "flaggedIp",
    };
    const changed = kind ? playability[kind] : undefined;
    if (!changed || video.playability !== "ok") return video;
    return { ...video, playability: changed };
  };

  function watchPage(video: CatalogueVideo, ctx: PageContext, botCheck: boolean): string {
    const response = playerResponse(captures, video, "WEB", ctx, { botCheck });
    const version =
      video.waaHost === "jnn-pa" || bgSwitches.waaHost === "jnn-pa" ? OLD_PLAYER_VERSION : PLAYER_VERSION;
    const attestation = {
      responseContext: {},
      challenge: randomBytes(24).toString("base64url"),
      bgChallenge: botguard.challenge(bgSwitches.interpreter === "fail"),
    };
    const ytcfgLocal = {
      EVENT_ID: ctx.ei,
      PLAYER_JS_URL: playerPath(version),
      // Not a YouTube key: the bounds of the player's random pot-decoration delay (a test switch).
      DOUBLE_POT_DELAY_MS: potDelay,
      INNERTUBE_CONTEXT: {
        ...ytcfg.INNERTUBE_CONTEXT,
        client: { ...ytcfg.INNERTUBE_CONTEXT.client, originalUrl: `${ctx.origin}/watch?v=${video.videoId}` },
      },
    };
    const title = response.videoDetails?.title ?? "";
    return `<!DOCTYPE html><html style="font-size: 10px;font-family: Roboto, Arial, sans-serif;" lang="en" dir="ltr"><head>
<meta http-equiv="origin-trial" content=""><title>${escapeHtml(title ? `${title} - YouTube` : "YouTube")}</title>
<script nonce="d0ub1e">${YTCFG_SHIM}window.ytcfg.set('EMERGENCY_BASE_URL', '/error_204?t\\u003djserror\\u0026level\\u003dERROR');</script>
<script nonce="d0ub1e">${ytcfgScript}</script>
<script nonce="d0ub1e">ytcfg.set(${inlineJson(ytcfgLocal)});</script>
<script nonce="d0ub1e">(function() {window.ytAtR = '${hexEscapedJson(attestation)}';if (window.ytAtRC) { window.ytAtRC(window.ytAtR); }})();</script>
<link rel="canonical" href="${ctx.origin}/watch?v=${video.videoId}">
<meta name="title" content="${escapeHtml(title)}">
<script src="${DESKTOP_POLYMER_PATH}" nonce="d0ub1e"></script>
</head><body dir="ltr" no-y-overflow><script nonce="d0ub1e">var ytInitialPlayerResponse = ${inlineJson(response)};</script><div id="player" class="skeleton flexy"><div id="player-wrap"><div id="player-placeholder" style="background-image: url('https://i.ytimg.com/vi/${video.videoId}/hqdefault.jpg');"></div></div></div>
<script src="${playerPath(version)}" nonce="d0ub1e"></script>
<script nonce="d0ub1e">var ytInitialData = ${inlineJson(initialData(captures, video))};</script>
<script src="${MAINAPP_PATH}" nonce="d0ub1e" async></script>
</body></html>`;
  }

  function unknownVideo(videoId: string): CatalogueVideo {
    return { ...(VIDEOS.dblUnavail1 as CatalogueVideo), videoId };
  }

  /**
   * The consent interstitial in front of a www.youtube.com page, for a visitor (the EU's) without an
   * accepted decision: every page of the site, which is why yt-dlp sends SOCS with every YouTube
   * extractor, _tab.py's included. True when it redirected.
   */
  function consentRedirect(req: IncomingMessage, res: ServerResponse, url: URL, pageGated: boolean): boolean {
    if (!(pageGated || consent.everywhere) || hasConsent(req.headers.cookie, consent.accepted)) return false;
    // The current interstitial's address (consent.youtube.com/m?continue=…&gl=DE&m=0&pc=yt&cm=2&hl=en&src=1).
    const target = new URL("https://consent.youtube.com/m");
    target.searchParams.set("continue", url.toString());
    target.searchParams.set("gl", "DE");
    target.searchParams.set("m", "0");
    target.searchParams.set("pc", "yt");
    target.searchParams.set("cm", "2");
    target.searchParams.set("hl", "en");
    target.searchParams.set("src", "1");
    res.writeHead(302, { location: target.toString() });
    res.end();
    return true;
  }

  const pageContext = (): PageContext => ({ origin, ei: randomBytes(12).toString("base64url"), sign });

  async function handleWatch(req: IncomingMessage, res: ServerResponse, url: URL) {
    const videoId = url.searchParams.get("v") ?? "";
    const video = VIDEOS[videoId] ?? unknownVideo(videoId);
    if (consentRedirect(req, res, url, video.consent === true)) return;
    bump(stats.watchPages, videoId);
    stats.lastWatchHeaders = Object.fromEntries(
      Object.entries(req.headers).filter(
        (entry): entry is [string, string] =>
          typeof entry[1] === "string" && /^(user-agent|accept-language|sec-ch-ua.*)$/.test(entry[0]),
      ),
    );
    if (video.delayMs) await sleep(video.delayMs);
    const failure = refused(req) ? { kind: "botCheck" as const } : takeForcedFailure("watch");
    if (failure?.kind === "rateLimit") return tooManyRequests(res, failure.retryAfterSeconds);
    if (video.playability === "captcha") return tooManyRequests(res);
    const html = watchPage(withFailure(video, failure?.kind), pageContext(), failure?.kind === "botCheck");
    // Compressed as the real page is, so bytes per job are realistic.
    const body = Buffer.from(html);
    const { encoding } = negotiate(
      { contentType: "", identity: body, gzip: body, br: body },
      req.headers["accept-encoding"] as string | undefined,
    );
    if (!encoding) return send(res, 200, body);
    const compressed = encoding === "br" ? brotliCompressSync(body, BROTLI_FAST) : gzipSync(body);
    send(res, 200, compressed, { "content-encoding": encoding, vary: "Accept-Encoding" });
  }

  const collections = collectionPages(urlKey);

  /** A browse page (playlist, channel tab): the watch page's ytcfg, the state in ytInitialData. */
  function browsePage(title: string, initialData: Json): string {
    return `<!DOCTYPE html><html lang="en" dir="ltr"><head><title>${escapeHtml(`${title} - YouTube`)}</title>
<script nonce="d0ub1e">${YTCFG_SHIM}</script>
<script nonce="d0ub1e">${ytcfgScript}</script>
</head><body dir="ltr"><script nonce="d0ub1e">var ytInitialData = ${inlineJson(initialData)};</script>
<script src="${MAINAPP_PATH}" nonce="d0ub1e" async></script>
</body></html>`;
  }

  /**
   * GET of a playlist or channel page; false when the path is not one. Behind the consent gate as any
   * page. How YouTube refuses a flagged visitor here is not documented: every refusal forced on a page
   * is the harder answer, the 429 captcha page.
   */
  function handleCollectionPage(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const page = collections.page(url);
    if (!page) return false;
    if (consentRedirect(req, res, url, false)) return true;
    const failure = refused(req)
      ? { kind: "rateLimit" as const, retryAfterSeconds: undefined }
      : takeForcedFailure("watch");
    if (failure) tooManyRequests(res, failure.kind === "rateLimit" ? failure.retryAfterSeconds : undefined);
    else if (page.status === 404) send(res, 404, "<html><body>404 Not Found</body></html>");
    else send(res, 200, browsePage(page.title, page.initialData));
    return true;
  }

  async function handleBrowse(req: IncomingMessage, res: ServerResponse) {
    let request: Json;
    try {
      request = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload"), JSON_UTF8);
    }
    const failure = refused(req) ? { kind: "rateLimit" as const } : takeForcedFailure("innertube");
    if (failure?.kind === "rateLimit") {
      return send(res, 429, googleError(429, "RESOURCE_EXHAUSTED", "Too many requests"), JSON_UTF8);
    }
    // Any other refusal forced on browse: the harder answer, as for a flagged client.
    if (failure)
      return send(
        res,
        403,
        googleError(403, "PERMISSION_DENIED", "The caller does not have permission"),
        JSON_UTF8,
      );
    const answer = collections.browse(request);
    send(res, answer.status, JSON.stringify(answer.body), JSON_UTF8);
  }

  /** Which client a caption URL was issued to, from its signature; null when it was not issued here. */
  function urlClient(url: URL): "WEB" | "APP" | null {
    const signature = url.searchParams.get("signature") ?? "";
    for (const family of ["WEB", "APP"] as const) {
      if (sign(signaturePayload(family, url.searchParams)) === signature) return family;
    }
    return null;
  }

  /** What the apps' User-Agents begin with (yt-dlp `_base.py` INNERTUBE_CLIENTS). */
  const APP_USER_AGENT_PREFIX: Record<Exclude<Client, "WEB">, string> = {
    ANDROID: "com.google.android.youtube/",
    IOS: "com.google.ios.youtube/",
  };

  async function handleTimedtext(res: ServerResponse, url: URL) {
    const videoId = url.searchParams.get("v") ?? "";
    bump(stats.timedtext, videoId);
    const video = VIDEOS[videoId];
    if (video?.delayMs) await sleep(video.delayMs);
    const empty = (status: number) => send(res, status, "", { "content-type": "text/html; charset=utf-8" });
    const kind = url.searchParams.get("kind") === "asr" ? "asr" : "manual";
    const track = video?.tracks?.find(
      (t) => t.languageCode === url.searchParams.get("lang") && t.kind === kind,
    );
    if (!video || !track) return empty(404);
    // Signed URLs only, unexpired (harsher than the old double, which ignored signature and expire).
    const family = urlClient(url);
    const expire = Number(url.searchParams.get("expire") ?? 0);
    if (!family || !(expire * 1000 > Date.now())) return empty(403);
    // exp=xpe and exp=xpv URLs (yt-dlp treats both alike) answer 200 and nothing unless a valid pot,
    // bound to this video, comes with c=WEB (yt-dlp#13075, jdepoix#592, asbplayer PR #978).
    // App-client URLs with exp=xpe cannot be satisfied: no app pot is minted anywhere. On app URLs
    // exp sits outside sparams (unsigned), so the double decides from the video, not from the URL:
    // a client that strips the parameter gets nothing more.
    const exp = url.searchParams.get("exp") ?? "";
    if (/xp[ev]/.test(exp) || (family !== "WEB" && video.androidPotRequired === true)) {
      const ok =
        family === "WEB" &&
        url.searchParams.get("c") === "WEB" &&
        botguard.verifyPot(url.searchParams.get("pot"), videoId) &&
        !video.potRejected;
      if (!ok) {
        bump(stats.timedtextEmpty, videoId);
        return empty(200);
      }
    }
    const tlang = url.searchParams.get("tlang");
    const offered = family === "WEB" ? video.translationLanguages : video.androidTranslationLanguages;
    if (tlang && (!track.isTranslatable || !offered.some((l) => l.languageCode === tlang))) return empty(404);
    const segments = tlang
      ? track.segments.map((s) => ({ ...s, text: translateText(s.text, tlang) }))
      : track.segments;
    const { body, contentType } = renderTimedtext(
      timedtextFormat(url.searchParams.get("fmt")),
      track,
      segments,
    );
    bump(stats.timedtextServed, videoId);
    send(res, 200, body, { "content-type": contentType });
  }

  async function handleInnertubePlayer(req: IncomingMessage, res: ServerResponse) {
    let request: Json;
    try {
      request = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload"), JSON_UTF8);
    }
    const videoId = String(request?.videoId ?? "");
    const clientName = String(request?.context?.client?.clientName ?? "");
    const clientVersion = String(request?.context?.client?.clientVersion ?? "");
    if (clientName !== "WEB" && clientName !== "ANDROID" && clientName !== "IOS") {
      return send(
        res,
        400,
        googleError(400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
        JSON_UTF8,
      );
    }
    const client: Client = clientName;
    bump(stats.innertube, videoId);
    if (refused(req)) {
      return send(res, 200, JSON.stringify(structuredClone(captures.requestBlocked)), JSON_UTF8);
    }
    const failure = takeForcedFailure("innertube");
    if (failure?.kind === "rateLimit") {
      return send(res, 429, googleError(429, "RESOURCE_EXHAUSTED", "Too many requests"), {
        ...JSON_UTF8,
        ...(failure.retryAfterSeconds === undefined
          ? {}
          : { "retry-after": String(failure.retryAfterSeconds) }),
      });
    }
    const video = withFailure(VIDEOS[videoId] ?? unknownVideo(videoId), failure?.kind);
    if (video.delayMs) await sleep(video.delayMs);
    const answer = (body: Json) => send(res, 200, JSON.stringify(body), JSON_UTF8);
    if (client !== "WEB") {
      // Old app versions are turned away (XCDYouTubeKit#560, yt-dlp#10108); so, harsher, is a call
      // that names no version at all.
      const major = Number.parseInt(clientVersion.split(".")[0] ?? "", 10);
      if (!(major >= CURRENT_APP_MAJOR)) return answer(outdatedClient(captures));
      // Harsher than known: an app call that carries a browser's headers, or whose User-Agent is not
      // the app's own, is a bot.
      const userAgent = req.headers["user-agent"] ?? "";
      if (
        req.headers.origin !== undefined ||
        req.headers["sec-fetch-mode"] !== undefined ||
        !userAgent.startsWith(APP_USER_AGENT_PREFIX[client])
      )
        return answer(structuredClone(captures.requestBlocked));
    }
    // The app clients are bot-checked on their own (asbplayer PR #978); captcha videos everywhere.
    const botCheck =
      failure?.kind === "botCheck" || video.playability === "captcha" || video.playability === "botCheck";
    answer(playerResponse(captures, video, client, pageContext(), { botCheck }));
  }

  /** POST …/GenerateIT: `[requestKey, botguardResponse]` → `[integrityToken, ttl, refresh, fallback]`. */
  async function handleGenerateIt(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>) {
    const refuse = (status: number, code: string, message: string) => {
      stats.generateIt.refused++;
      send(res, status, googleError(status, code, message), { ...JSON_UTF8, ...cors });
    };
    let body: Json;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return refuse(400, "INVALID_ARGUMENT", "Invalid JSON payload");
    }
    if (req.headers["x-goog-api-key"] !== WAA_API_KEY)
      return refuse(403, "PERMISSION_DENIED", "The request is missing a valid API key.");
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json+protobuf"))
      return refuse(400, "INVALID_ARGUMENT", "Invalid content type");
    if (!Array.isArray(body) || body[0] !== WAA_REQUEST_KEY)
      return refuse(400, "INVALID_ARGUMENT", "Request contains an invalid argument.");
    if (bgSwitches.generateIt === "fail")
      return refuse(403, "PERMISSION_DENIED", "The caller does not have permission");
    const token = botguard.generateIt(body[1]);
    if (!token) return refuse(400, "INVALID_ARGUMENT", "Request contains an invalid argument.");
    stats.generateIt.issued++;
    send(res, 200, JSON.stringify(token), {
      "content-type": "application/json+protobuf; charset=UTF-8",
      ...cors,
    });
  }

  /** consent.youtube.com/save: either form; 303 to `continue` with a SOCS cookie recording the decision. */
  async function handleConsentSave(req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    const continueUrl = form.get("continue") ?? "";
    const eom = form.get("set_eom");
    const required = ["gl", "m", "pc", "continue", "bl", "hl", "src"];
    if (
      (eom !== "true" && eom !== "false") ||
      required.some((name) => !form.get(name)) ||
      !continueUrl.startsWith(`${origin}/`)
    ) {
      return send(res, 400, "<html><body>Bad consent request</body></html>");
    }
    const accept = eom === "false" && form.get("set_ytc") === "true";
    if (accept) stats.consentAccepted++;
    else stats.consentRejected++;
    res.writeHead(303, {
      location: continueUrl,
      "set-cookie": [
        `SOCS=${accept ? ISSUED_SOCS.accept : ISSUED_SOCS.reject}; Domain=.youtube.com; Path=/; Expires=${new Date(Date.now() + 395 * 86400_000).toUTCString()}; Secure; SameSite=Lax`,
      ],
    });
    res.end();
  }

  async function handleControl(res: ServerResponse, url: URL) {
    const json = (value: unknown) =>
      send(res, 200, JSON.stringify(value), { "content-type": "application/json" });
    const q = url.searchParams;
    switch (url.pathname) {
      case "/__double/stats":
        return json(stats);
      case "/__double/reset":
        double.reset();
        return json({ ok: true });
      case "/__double/fail": {
        const count = Number(q.get("count") ?? 1);
        if (!Number.isInteger(count) || count < 0) return send(res, 400, "count must be a whole number");
        const kind = (q.get("kind") ?? "rateLimit") as FailureKind;
        if (!FAILURE_KINDS.includes(kind)) return send(res, 400, `unknown kind ${kind}`);
        const on = (q.get("on") ?? "any") as FailureTarget;
        const retryAfter = q.get("retryAfter");
        double.failNext(count, kind, {
          on,
          ...(retryAfter ? { retryAfterSeconds: Number(retryAfter) } : {}),
        });
        return json({ ok: true });
      }
      case "/__double/latency":
        double.setLatency(Number(q.get("ms") ?? 0));
        return json({ ok: true });
      case "/__double/botguard": {
        const next: Partial<BotguardSwitches> = {};
        const interpreter = q.get("interpreter");
        const generateIt = q.get("generateIt");
        const waaHost = q.get("waaHost");
        if (interpreter === "ok" || interpreter === "fail") next.interpreter = interpreter;
        if (generateIt === "ok" || generateIt === "fail") next.generateIt = generateIt;
        if (waaHost === "youtube" || waaHost === "jnn-pa") next.waaHost = waaHost;
        double.setBotguard(next);
        return json({ ok: true, botguard: bgSwitches });
      }
      case "/__double/pot-delay": {
        const min = Number(q.get("min") ?? defaultPotDelay[0]);
        const max = Number(q.get("max") ?? defaultPotDelay[1]);
        if (!Number.isFinite(min) || !Number.isFinite(max))
          return send(res, 400, "min and max must be numbers");
        double.setPotDelay(min, max);
        return json({ ok: true, potDelay });
      }
      default:
        return send(res, 404, "");
    }
  }

  /** www.youtube.com (and youtubei.googleapis.com, where the apps send innertube calls). */
  async function routeYoutube(req: IncomingMessage, res: ServerResponse, url: URL, host: string) {
    if (req.method === "POST" && url.pathname === "/youtubei/v1/player")
      return handleInnertubePlayer(req, res);
    if (host !== "www.youtube.com")
      return send(res, 404, googleError(404, "NOT_FOUND", "Not Found"), JSON_UTF8);
    if (req.method === "GET" && url.pathname === "/watch") return handleWatch(req, res, url);
    if (req.method === "POST" && url.pathname === "/youtubei/v1/browse") return handleBrowse(req, res);
    if (req.method === "GET" && handleCollectionPage(req, res, url)) return;
    if (req.method === "GET" && url.pathname === "/api/timedtext") return handleTimedtext(res, url);
    if (req.method === "POST" && url.pathname === "/api/jnn/v1/GenerateIT")
      return handleGenerateIt(req, res, {});
    const asset = req.method === "GET" ? assets.get(url.pathname) : undefined;
    if (asset) return sendAsset(req, res, asset);
    if (req.method === "GET" && url.pathname === "/robots.txt")
      return send(res, 200, "User-agent: *\nDisallow: /api/\n", { "content-type": "text/plain" });
    send(res, 404, "<html><body>404 Not Found</body></html>");
  }

  async function routeConsent(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (req.method === "GET" && url.pathname === "/m") {
      stats.consentPages++;
      return send(
        res,
        200,
        consentPageHtml({
          continueUrl: url.searchParams.get("continue") ?? `${origin}/`,
          gl: url.searchParams.get("gl") ?? "DE",
          hl: url.searchParams.get("hl") ?? "en",
        }),
      );
    }
    if (req.method === "POST" && url.pathname === "/save") return handleConsentSave(req, res);
    // The 2021 form's /s is gone.
    send(res, 404, "<html><body>404 Not Found</body></html>");
  }

  /** www.google.com: the BotGuard interpreter under /js/th/; nothing else (a /sorry page would be a block). */
  function routeGoogle(req: IncomingMessage, res: ServerResponse, url: URL) {
    const failing = bgSwitches.interpreter === "fail" && url.pathname.startsWith("/js/th/");
    if (req.method === "GET" && (failing || url.pathname === botguard.interpreterPath)) {
      stats.interpreterLoads++;
      if (failing) return send(res, 500, "<html><body>Server Error</body></html>");
      return sendAsset(req, res, botguard.interpreter);
    }
    send(res, 404, "<html><body>404 Not Found</body></html>");
  }

  /** jnn-pa.googleapis.com: the WAA API older players call directly, cross-origin (CORS). */
  function routeWaa(req: IncomingMessage, res: ServerResponse, url: URL) {
    const requestOrigin = req.headers.origin;
    const cors: Record<string, string> =
      requestOrigin === "https://www.youtube.com"
        ? {
            "access-control-allow-origin": requestOrigin,
            "access-control-allow-credentials": "true",
            vary: "Origin",
          }
        : {};
    const path = url.pathname;
    if (path !== "/$rpc/google.internal.waa.v1.Waa/GenerateIT")
      return send(res, 404, googleError(404, "NOT_FOUND", "Not Found"), JSON_UTF8);
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        ...cors,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "content-type,x-goog-api-key,x-user-agent",
        "access-control-max-age": "3600",
      });
      return res.end();
    }
    if (req.method === "POST") return handleGenerateIt(req, res, cors);
    send(res, 405, "", cors);
  }

  /** Every impersonated host on one TLS port, told apart by the Host header as a CDN does. */
  async function route(req: IncomingMessage, res: ServerResponse) {
    stats.requests++;
    bump(stats.requestsByAddress, clientAddress(req));
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    hostOf.set(res, host);
    const url = new URL(req.url ?? "/", `https://${host || "www.youtube.com"}`);
    pathOf.set(res, `${statsHost(host)}${url.pathname}`);
    bump(stats.requestsByPath, `${statsHost(host)}${url.pathname}`);
    if (latencyMs) await sleep(latencyMs);
    switch (host) {
      case "www.youtube.com":
      case "youtubei.googleapis.com":
        return routeYoutube(req, res, url, host);
      case "youtube.com":
      case "m.youtube.com":
        // Desktop visitors of the bare and mobile hosts are sent to www.
        res.writeHead(301, { location: `${origin}${url.pathname}${url.search}` });
        return res.end();
      case "consent.youtube.com":
        return routeConsent(req, res, url);
      case "www.google.com":
        return routeGoogle(req, res, url);
      case "jnn-pa.googleapis.com":
        return routeWaa(req, res, url);
      case "i.ytimg.com":
        // A thumbnail-sized body; nothing depends on it.
        return send(res, 200, Buffer.alloc(24_000, 0xff), {
          "content-type": "image/jpeg",
          "cache-control": "public, max-age=7200",
        });
      default:
        // Media (SABR) refuses the double's players: captions do not depend on playback (research §2.2).
        if (host.endsWith(".googlevideo.com")) return send(res, 403, "", { "content-type": "text/plain" });
        return send(res, 404, "<html><body>404 Not Found</body></html>");
    }
  }

  const onError = (res: ServerResponse) => (error: unknown) => {
    if (!res.headersSent) send(res, 500, String(error));
    else res.destroy();
  };
  const tls = await ensureDoubleTls(options.tlsDir);
  const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    route(req, res).catch(onError(res));
  });
  server.keepAliveTimeout = 5_000;
  const control = createHttpServer((req, res) => {
    handleControl(res, new URL(req.url ?? "/", "http://control")).catch(onError(res));
  });
  const host = options.host ?? "127.0.0.1";
  const listen = (target: typeof server | typeof control, port: number) =>
    new Promise<number>((resolve, reject) => {
      target.once("error", reject);
      target.listen(port, host, () => resolve((target.address() as AddressInfo).port));
    });
  const port = await listen(server, options.port ?? 0);
  const controlPort = await listen(control, options.controlPort ?? 0);
  origin = "https://www.youtube.com";
  const upstreamEnv = doubleUpstreamEnv(host, port, tls);
  const hostRules = upstreamEnv.UPSTREAM_HOST_RULES;

  /** https.request to the TLS port with the real hostname as Host and SNI, trusting only the test CA. */
  const fetchFromNode: YoutubeDouble["fetch"] = (target, init = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(target);
      const request = httpsRequest(
        {
          host,
          port,
          servername: url.hostname,
          method: init.method ?? "GET",
          path: `${url.pathname}${url.search}`,
          headers: { host: url.hostname, ...init.headers },
          ca: readFileSync(tls.caFile),
        },
        (answer) => {
          let body = "";
          answer.setEncoding("utf8");
          answer.on("data", (chunk: string) => {
            body += chunk;
          });
          answer.on("end", () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body }));
          answer.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(init.body);
    });

  const double: YoutubeDouble = {
    origin,
    hostRules,
    spki: tls.spki,
    caFile: tls.caFile,
    upstreamEnv,
    controlUrl: `http://${host}:${controlPort}`,
    fetch: fetchFromNode,
    stats: () => structuredClone(stats),
    reset() {
      stats = emptyStats();
      forced = null;
      latencyMs = 0;
      staticHeaders = {};
      consent = defaultConsent;
      bgSwitches = { ...DEFAULT_BOTGUARD };
      potDelay = [...defaultPotDelay];
      refusedAddresses = new Set();
    },
    failNext(count, kind, opts = {}) {
      forced = {
        remaining: count,
        kind,
        on: opts.on ?? "any",
        ...(opts.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: opts.retryAfterSeconds }),
      };
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    setStaticHeaders(headers) {
      staticHeaders = { ...headers };
    },
    setConsent(next) {
      consent = { ...next };
    },
    setBotguard(next) {
      bgSwitches = { ...bgSwitches, ...next };
    },
    setRefusedAddresses(addresses) {
      refusedAddresses = new Set(addresses);
    },
    setPotDelay(minMs, maxMs) {
      const min = Math.max(0, minMs);
      potDelay = [min, Math.max(min, maxMs)];
    },
    close: async () => {
      await Promise.all(
        [server, control].map(
          (target) =>
            new Promise<void>((resolve) => {
              target.close(() => resolve());
              target.closeAllConnections();
            }),
        ),
      );
    },
  };
  return double;
}
