import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";

/**
 * The watch page's static scripts, with a realistic weight: the real page loads several MB of
 * versioned, immutable JavaScript under /s/ (desktop_polymer.js, the ytmainappweb bundle, the
 * player's base.js and, on loadModule('captions'), captions.js; research §6.2). The double's are
 * its own player code plus generated, deterministic JS that the browser really parses. Compressed
 * once (gzip, brotli) and served by Accept-Encoding.
 */

export const PLAYER_VERSION = "d0ub1e00";
/** An older player build: it calls the WAA API on jnn-pa.googleapis.com directly (research §1). */
export const OLD_PLAYER_VERSION = "0ldd0ub1";

export const WAA_URLS = {
  youtube: "https://www.youtube.com/api/jnn/v1/GenerateIT",
  "jnn-pa": "https://jnn-pa.googleapis.com/$rpc/google.internal.waa.v1.Waa/GenerateIT",
} as const;

export const playerPath = (version: string) => `/s/player/${version}/player_ias.vflset/en_US/base.js`;
export const captionsPath = (version: string) => `/s/player/${version}/player_ias.vflset/en_US/captions.js`;
export const DESKTOP_POLYMER_PATH = "/s/desktop/d0ub1e02/jsbin/desktop_polymer.vflset/desktop_polymer.js";
export const MAINAPP_PATH =
  "/s/_/ytmainappweb/_/js/k=ytmainappweb.kevlar_base.en_US.d0ub1e.es5.O/am=AAAAAAAAAAAQ/d=1/rs=AGKMywGd0ub1e/m=kevlar_base";

export interface StaticAsset {
  contentType: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

const pageSource = (name: string) => readFileSync(new URL(`./page/${name}`, import.meta.url), "utf8");

/** A small deterministic PRNG (mulberry32), so every run serves the same bytes. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "player video caption track audio module option config experiment flag render layout endpoint " +
  "command renderer service logging signal stream format quality buffer seek volume overlay menu " +
  "panel chip thumbnail channel playlist comment engagement toast dialog popup icon label button"
).split(" ");

/**
 * Minified-looking JavaScript of about `bytes` bytes, inside one function so nothing leaks into
 * the page's globals: functions with loops, objects, string tables, a class or two. It compresses
 * about as well as YouTube's bundles (4–6×), so byte counts per job are realistic both ways.
 */
export function fillerScript(bytes: number, seed: number): string {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;
  const ident = () => {
    const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$";
    let out = pick(letters.split(""));
    const n = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) out += pick(`${letters}0123456789`.split(""));
    return out;
  };
  const num = () => String(Math.floor(rand() * 100000));
  const str = () => `"${pick(WORDS)}_${pick(WORDS)}${rand() < 0.3 ? `_${num()}` : ""}"`;
  const parts: string[] = ['(function(g){"use strict";var _yt={};'];
  let size = parts[0]?.length ?? 0;
  let n = 0;
  while (size < bytes) {
    const name = `${ident()}${n++}`;
    let chunk: string;
    switch (Math.floor(rand() * 5)) {
      case 0:
        chunk = `function ${name}(a,b,c){var d=a.length>>>0,e=${num()};for(var f=0;f<d;f++)e=(e*${num()}+a.charCodeAt(f)^b)|0;return c?e:${str()}+e}`;
        break;
      case 1:
        chunk = `var ${name}={${Array.from({ length: 3 + Math.floor(rand() * 5) }, () => `${ident()}:${rand() < 0.5 ? str() : num()}`).join(",")}};`;
        break;
      case 2:
        chunk = `_yt.${name}=function(a){if(!a||a.${ident()}===void 0)return null;var b=a.${ident()}||{};b.${ident()}=${str()};return this.${ident()}(b,${num()})};`;
        break;
      case 3:
        chunk = `class ${name.replace(/^[a-z_$]/, "K")}{constructor(a,b){this.${ident()}=a;this.${ident()}=b||${num()}}${ident()}(a){return a instanceof Object?this.${ident()}+a:${str()}}}`;
        break;
      default:
        chunk = `var ${name}=[${Array.from({ length: 4 + Math.floor(rand() * 8) }, () => (rand() < 0.6 ? str() : num())).join(",")}];`;
    }
    parts.push(chunk);
    size += chunk.length;
  }
  parts.push("g._yt_filler=(g._yt_filler|0)+1})(window);\n");
  return parts.join("");
}

function compress(contentType: string, text: string): StaticAsset {
  const identity = Buffer.from(text, "utf8");
  return {
    contentType,
    identity,
    gzip: gzipSync(identity, { level: 6 }),
    br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } }),
  };
}

const JS = "text/javascript; charset=utf-8";
let shared: Map<string, StaticAsset> | undefined;

/** The versioned scripts every double in this process serves (built and compressed once). */
export function staticAssets(): Map<string, StaticAsset> {
  if (shared) return shared;
  const player = pageSource("player.js");
  const captions = pageSource("captions.js");
  const assets = new Map<string, StaticAsset>();
  const versions = [
    [PLAYER_VERSION, WAA_URLS.youtube],
    [OLD_PLAYER_VERSION, WAA_URLS["jnn-pa"]],
  ] as const;
  for (const [version, waaUrl] of versions) {
    // base.js: about 2.6 MB, the player core at its end.
    assets.set(
      playerPath(version),
      compress(JS, `${fillerScript(2_600_000, 11)}\n${player.replace("__WAA_URL__", waaUrl)}`),
    );
    assets.set(captionsPath(version), compress(JS, `${captions}\n${fillerScript(140_000, 12)}`));
  }
  assets.set(DESKTOP_POLYMER_PATH, compress(JS, fillerScript(1_500_000, 13)));
  assets.set(MAINAPP_PATH, compress(JS, fillerScript(700_000, 14)));
  shared = assets;
  return assets;
}

/** The BotGuard interpreter for one double: its secret inside, its name the hash of its content. */
export function botguardInterpreter(
  secret: Buffer,
  globalName: string,
): { hash: string; asset: StaticAsset } {
  const source = pageSource("botguard-vm.js")
    .replace("__BG_SECRET__", secret.toString("base64"))
    .replace("__GLOBAL_NAME__", globalName);
  const text = `${fillerScript(60_000, 15)}\n${source}`;
  const hash = createHash("sha256").update(text).digest("base64url");
  return { hash, asset: compress(JS, text) };
}

/** The representation a request gets: brotli, gzip or identity, as its Accept-Encoding allows. */
export function negotiate(asset: StaticAsset, acceptEncoding: string | undefined) {
  const accepted = (acceptEncoding ?? "")
    .split(",")
    .map((part) => part.trim().split(";"))
    .filter(([, q]) => !q || !/^q=0(\.0*)?$/.test(q.trim()))
    .map(([coding]) => coding?.trim().toLowerCase());
  if (accepted.includes("br")) return { encoding: "br", body: asset.br };
  if (accepted.includes("gzip")) return { encoding: "gzip", body: asset.gzip };
  return { encoding: undefined, body: asset.identity };
}

/** The current player's base.js (what the watch page loads unless it serves the older build). */
export const PLAYER_JS_PATH = playerPath(PLAYER_VERSION);
