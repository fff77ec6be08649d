import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type Captures, type Json, loadCaptures } from "./captures.js";
import { type CatalogueVideo, translateText, VIDEOS } from "./catalogue.js";
import { type Client, initialData, type PageContext, playerResponse } from "./player-response.js";
import { PLAYER_JS_PATH, PLAYER_SCRIPT } from "./player-script.js";
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

export interface DoubleStats {
  /** Every HTTP request the double answered. */
  requests: number;
  /** Watch page loads per video id (consent redirects not counted). */
  watchPages: Record<string, number>;
  /** `/api/timedtext` requests per video id, empty answers included. */
  timedtext: Record<string, number>;
  /** `/api/timedtext` answers with a transcript in them, per video id. */
  timedtextServed: Record<string, number>;
  /** `/youtubei/v1/player` calls per video id. */
  innertube: Record<string, number>;
  consentPages: number;
  consentAccepted: number;
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
  /** Zero the counters and drop forced failures and latency. */
  reset(): void;
  /** The next `count` matching requests answer like a blocked client: 429 reCAPTCHA page or the bot check. */
  failNext(
    count: number,
    kind: "rateLimit" | "botCheck",
    options?: { on?: FailureTarget; retryAfterSeconds?: number },
  ): void;
  /** Extra latency on every answer, on top of a video's own. */
  setLatency(ms: number): void;
  /** Who meets the consent interstitial (every video, or the catalogue's consent video) and what gets past it. */
  setConsent(consent: { everywhere: boolean; accepted: AcceptedConsent }): void;
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

/** The SOCS value the consent form sets, as the real consent.youtube.com/s answers "accept". */
const ISSUED_SOCS = "CAESEwgDEgk2NjQ2NzQ5NTQaAmRlIAEaBgiA_LyaBg";

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
 * (tag 0x08) is the decision: 0 ("CAA…") is undecided and meets the interstitial like no cookie.
 * The legacy CONSENT=YES+… cookie the old form set counts too.
 */
function hasConsent(header: string | undefined, accepted: AcceptedConsent): boolean {
  const socs = cookieValues(header, "SOCS");
  if (accepted === "issued-only") return socs.includes(ISSUED_SOCS);
  if (cookieValues(header, "CONSENT").some((v) => v.startsWith("YES+"))) return true;
  return socs.some((value) => {
    const decision = Buffer.from(value, "base64url");
    return decision[0] === 0x08 && (decision[1] ?? 0) > 0;
  });
}

const POT_TTL_MS = 6 * 3600_000;

function emptyStats(): DoubleStats {
  return {
    requests: 0,
    watchPages: {},
    timedtext: {},
    timedtextServed: {},
    innertube: {},
    consentPages: 0,
    consentAccepted: 0,
    forcedFailures: 0,
  };
}

const bump = (counter: Record<string, number>, key: string) => {
  counter[key] = (counter[key] ?? 0) + 1;
};

/** JSON inlined in a <script>: `</script>` and friends must not end the element early. */
const inlineJson = (value: unknown) =>
  JSON.stringify(value).replaceAll("<", "\\u003c").replaceAll(">", "\\u003e").replaceAll("&", "\\u0026");

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

export async function startYoutubeDouble(options: YoutubeDoubleOptions = {}): Promise<YoutubeDouble> {
  const captures: Captures = loadCaptures(options.capturesDir);
  let stats = emptyStats();
  let latencyMs = 0;
  const defaultConsent = {
    everywhere: options.consentEverywhere ?? false,
    accepted: "any-decision" as const,
  };
  let consent: { everywhere: boolean; accepted: AcceptedConsent } = defaultConsent;
  let forced: {
    remaining: number;
    kind: "rateLimit" | "botCheck";
    on: FailureTarget;
    retryAfterSeconds?: number;
  } | null = null;
  /** Valid pot tokens (sha256(challenge:videoId)) → expiry, as minted by pages this double served. */
  const pots = new Map<string, { videoId: string; expiresAt: number }>();
  let origin = "";

  // The capture's ytcfg is large and the same for every page: serialise it once.
  const ytcfg = { ...captures.webYtcfg, PLAYER_JS_URL: PLAYER_JS_PATH };
  delete ytcfg.PLAYER_CSS_URL;
  const ytcfgScript = `ytcfg.set(${inlineJson(ytcfg)});`;

  const takeForcedFailure = (target: "watch" | "innertube") => {
    if (!forced || forced.remaining <= 0 || (forced.on !== "any" && forced.on !== target)) return null;
    forced.remaining--;
    stats.forcedFailures++;
    const failure = forced;
    if (forced.remaining === 0) forced = null;
    return failure;
  };

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", ...headers });
    res.end(body);
  };

  const tooManyRequests = (res: ServerResponse, retryAfterSeconds?: number) =>
    send(
      res,
      429,
      captures.tooManyRequestsHtml,
      retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) },
    );

  function mintChallenge(videoId: string): string {
    const challenge = randomBytes(16).toString("base64url");
    const pot = createHash("sha256").update(`${challenge}:${videoId}`).digest("base64url");
    const now = Date.now();
    if (pots.size > 10_000) for (const [k, v] of pots) if (v.expiresAt < now) pots.delete(k);
    pots.set(pot, { videoId, expiresAt: now + POT_TTL_MS });
    return challenge;
  }

  function watchPage(video: CatalogueVideo, ctx: PageContext, botCheck: boolean): string {
    const response = playerResponse(captures, video, "WEB", ctx, { botCheck });
    const challenge = mintChallenge(video.videoId);
    const ytcfgLocal = {
      EVENT_ID: ctx.ei,
      PO_CHALLENGE: challenge,
      INNERTUBE_CONTEXT: {
        ...ytcfg.INNERTUBE_CONTEXT,
        client: { ...ytcfg.INNERTUBE_CONTEXT.client, originalUrl: `${ctx.origin}/watch?v=${video.videoId}` },
      },
    };
    const title = response.videoDetails?.title ?? "";
    return `<!DOCTYPE html><html style="font-size: 10px;font-family: Roboto, Arial, sans-serif;" lang="en" dir="ltr"><head>
<meta http-equiv="origin-trial" content=""><title>${escapeHtml(title ? `${title} - YouTube` : "YouTube")}</title>
<script nonce="d0ub1e">var ytcfg={d:function(){return window.yt&&yt.config_||ytcfg.data_||(ytcfg.data_={})},get:function(k,o){return k in ytcfg.d()?ytcfg.d()[k]:o},set:function(){var a=arguments;if(a.length>1)ytcfg.d()[a[0]]=a[1];else{var k;for(k in a[0])ytcfg.d()[k]=a[0][k]}}};window.ytcfg.set('EMERGENCY_BASE_URL', '/error_204?t\\u003djserror\\u0026level\\u003dERROR');</script>
<script nonce="d0ub1e">${ytcfgScript}</script>
<script nonce="d0ub1e">ytcfg.set(${inlineJson(ytcfgLocal)});</script>
<link rel="canonical" href="${ctx.origin}/watch?v=${video.videoId}">
<meta name="title" content="${escapeHtml(title)}">
</head><body dir="ltr" no-y-overflow><script nonce="d0ub1e">var ytInitialPlayerResponse = ${inlineJson(response)};</script><div id="player" class="skeleton flexy"><div id="player-wrap"><div id="player-placeholder" style="background-image: url('/vi/${video.videoId}/hqdefault.jpg');"></div></div></div>
<script src="${PLAYER_JS_PATH}" nonce="d0ub1e"></script>
<script nonce="d0ub1e">var ytInitialData = ${inlineJson(initialData(captures, video))};</script>
</body></html>`;
  }

  /** The consent page, as consent.youtube.com/m serves it, with its form pointed at the double. */
  function consentPage(continueUrl: string): string {
    return captures.consentPageHtml.replaceAll(
      /name="continue" value="[^"]*"/g,
      `name="continue" value="${escapeHtml(continueUrl)}"`,
    );
  }

  function unknownVideo(videoId: string): CatalogueVideo {
    return { ...(VIDEOS.dblUnavail1 as CatalogueVideo), videoId };
  }

  async function handleWatch(req: IncomingMessage, res: ServerResponse, url: URL) {
    const videoId = url.searchParams.get("v") ?? "";
    const video = VIDEOS[videoId] ?? unknownVideo(videoId);
    if ((video.consent || consent.everywhere) && !hasConsent(req.headers.cookie, consent.accepted)) {
      const target = new URL("https://consent.youtube.com/m");
      target.searchParams.set("continue", url.toString());
      target.searchParams.set("gl", "DE");
      target.searchParams.set("m", "0");
      target.searchParams.set("pc", "yt");
      target.searchParams.set("hl", "de");
      target.searchParams.set("src", "1");
      res.writeHead(302, { location: target.toString() });
      res.end();
      return;
    }
    bump(stats.watchPages, videoId);
    if (video.delayMs) await sleep(video.delayMs);
    const failure = takeForcedFailure("watch");
    if (failure?.kind === "rateLimit") return tooManyRequests(res, failure.retryAfterSeconds);
    if (video.playability === "captcha") return tooManyRequests(res);
    const ctx = { origin, ei: randomBytes(12).toString("base64url") };
    send(res, 200, watchPage(video, ctx, failure?.kind === "botCheck"));
  }

  async function handleTimedtext(res: ServerResponse, url: URL) {
    const videoId = url.searchParams.get("v") ?? "";
    bump(stats.timedtext, videoId);
    const video = VIDEOS[videoId];
    if (video?.delayMs) await sleep(video.delayMs);
    const kind = url.searchParams.get("kind") === "asr" ? "asr" : "manual";
    const track = video?.tracks?.find(
      (t) => t.languageCode === url.searchParams.get("lang") && t.kind === kind,
    );
    if (!video || !track) return send(res, 404, "", { "content-type": "text/html; charset=utf-8" });
    // exp=xpe URLs answer 200 and nothing unless the player's pot came with them.
    if ((url.searchParams.get("exp") ?? "").includes("xpe")) {
      const pot = pots.get(url.searchParams.get("pot") ?? "");
      if (!pot || pot.videoId !== videoId || pot.expiresAt < Date.now() || video.potRejected) {
        return send(res, 200, "", { "content-type": "text/html; charset=utf-8" });
      }
    }
    const tlang = url.searchParams.get("tlang");
    if (
      tlang &&
      (!track.isTranslatable || !video.translationLanguages.some((l) => l.languageCode === tlang))
    ) {
      return send(res, 404, "", { "content-type": "text/html; charset=utf-8" });
    }
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
      return send(
        res,
        400,
        JSON.stringify({ error: { code: 400, message: "Invalid JSON payload", status: "INVALID_ARGUMENT" } }),
        {
          "content-type": "application/json; charset=UTF-8",
        },
      );
    }
    const videoId = String(request?.videoId ?? "");
    const clientName = String(request?.context?.client?.clientName ?? "");
    const client: Client = clientName === "ANDROID" ? "ANDROID" : "WEB";
    bump(stats.innertube, videoId);
    const failure = takeForcedFailure("innertube");
    if (failure?.kind === "rateLimit") {
      return send(
        res,
        429,
        JSON.stringify({ error: { code: 429, message: "Too many requests", status: "RESOURCE_EXHAUSTED" } }),
        {
          "content-type": "application/json; charset=UTF-8",
          ...(failure.retryAfterSeconds === undefined
            ? {}
            : { "retry-after": String(failure.retryAfterSeconds) }),
        },
      );
    }
    const video = VIDEOS[videoId] ?? unknownVideo(videoId);
    if (video.delayMs) await sleep(video.delayMs);
    const ctx = { origin, ei: randomBytes(12).toString("base64url") };
    // The ANDROID client is bot-checked wherever the WEB page is.
    const botCheck = failure?.kind === "botCheck" || video.playability === "captcha";
    send(res, 200, JSON.stringify(playerResponse(captures, video, client, ctx, { botCheck })), {
      "content-type": "application/json; charset=UTF-8",
    });
  }

  async function handleConsentAccept(req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    const continueUrl = form.get("continue") ?? "";
    const version = form.get("v") ?? "";
    if (!version.startsWith("cb.") || !continueUrl.startsWith(`${origin}/`)) {
      return send(res, 400, "<html><body>Bad consent request</body></html>");
    }
    stats.consentAccepted++;
    res.writeHead(303, {
      location: continueUrl,
      "set-cookie": [
        `SOCS=${ISSUED_SOCS}; Domain=.youtube.com; Path=/; Max-Age=34190000; Secure; SameSite=Lax`,
        `CONSENT=YES+${encodeURIComponent(version.slice(3))}; Domain=.youtube.com; Path=/; Max-Age=34190000; Secure; SameSite=Lax`,
      ],
    });
    res.end();
  }

  async function handleControl(res: ServerResponse, url: URL) {
    const json = (value: unknown) =>
      send(res, 200, JSON.stringify(value), { "content-type": "application/json" });
    switch (url.pathname) {
      case "/__double/stats":
        return json(stats);
      case "/__double/reset":
        double.reset();
        return json({ ok: true });
      case "/__double/fail": {
        const kind = url.searchParams.get("kind") === "botCheck" ? "botCheck" : "rateLimit";
        const on = (url.searchParams.get("on") ?? "any") as FailureTarget;
        const retryAfter = url.searchParams.get("retryAfter");
        double.failNext(Number(url.searchParams.get("count") ?? 1), kind, {
          on,
          ...(retryAfter ? { retryAfterSeconds: Number(retryAfter) } : {}),
        });
        return json({ ok: true });
      }
      case "/__double/latency":
        double.setLatency(Number(url.searchParams.get("ms") ?? 0));
        return json({ ok: true });
      default:
        return send(res, 404, "");
    }
  }

  /** www.youtube.com (and youtubei.googleapis.com, where the apps send innertube calls). */
  async function routeYoutube(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (req.method === "GET" && url.pathname === "/watch") return handleWatch(req, res, url);
    if (req.method === "GET" && url.pathname === "/api/timedtext") return handleTimedtext(res, url);
    if (req.method === "POST" && url.pathname === "/youtubei/v1/player")
      return handleInnertubePlayer(req, res);
    if (req.method === "GET" && url.pathname === PLAYER_JS_PATH) {
      return send(res, 200, PLAYER_SCRIPT, {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "public, max-age=31536000",
      });
    }
    if (req.method === "GET" && url.pathname === "/robots.txt")
      return send(res, 200, "User-agent: *\nDisallow: /api/\n", { "content-type": "text/plain" });
    send(res, 404, "<html><body>404 Not Found</body></html>");
  }

  async function routeConsent(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (req.method === "GET" && url.pathname === "/m") {
      stats.consentPages++;
      return send(res, 200, consentPage(url.searchParams.get("continue") ?? `${origin}/`));
    }
    if (req.method === "POST" && url.pathname === "/s") return handleConsentAccept(req, res);
    send(res, 404, "<html><body>404 Not Found</body></html>");
  }

  /** Every impersonated host on one TLS port, told apart by the Host header as a CDN does. */
  async function route(req: IncomingMessage, res: ServerResponse) {
    stats.requests++;
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    const url = new URL(req.url ?? "/", `https://${host || "www.youtube.com"}`);
    if (latencyMs) await sleep(latencyMs);
    switch (host) {
      case "www.youtube.com":
      case "youtubei.googleapis.com":
        return routeYoutube(req, res, url);
      case "youtube.com":
      case "m.youtube.com":
        // Desktop visitors of the bare and mobile hosts are sent to www.
        res.writeHead(301, { location: `${origin}${url.pathname}${url.search}` });
        return res.end();
      case "consent.youtube.com":
        return routeConsent(req, res, url);
      case "i.ytimg.com":
        return send(res, 200, "", { "content-type": "image/jpeg" });
      default:
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
      consent = defaultConsent;
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
    setConsent(next) {
      consent = { ...next };
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
