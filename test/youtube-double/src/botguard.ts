import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { botguardInterpreter, type StaticAsset } from "./assets.js";

/**
 * BotGuard and the WAA API as the web player meets them (research §1; Brainicism/bgutil-ytdlp-pot-provider,
 * LuanRT/BgUtils): the watch page embeds a challenge (`window.ytAtR`, bgChallenge with interpreterUrl
 * //www.google.com/js/th/<hash>.js, program, globalName); the interpreter turns the program into a
 * botguard response; `POST …/GenerateIT` with `[requestKey, botguardResponse]` answers
 * `[integrityToken, estimatedTtlSecs, mintRefreshThreshold, websafeFallbackToken]`; the minter binds
 * a pot to the integrity token and the video id (content binding, BgUtils README, yt-dlp pot/utils.py).
 * The secret lives only in the interpreter script this double serves.
 */

export const WAA_API_KEY = "AIzaSyDyT5W0Jh49F30Pqqtyfdf7pDLFKLJoAnw";
export const WAA_REQUEST_KEY = "O43z0dpjhgX20SCx4KAo";
const GLOBAL_NAME = "trayride";
/** The integrity token's lifetime (estimatedTtlSecs) and refresh threshold. */
const TOKEN_TTL_SECONDS = 12 * 3600;
const REFRESH_THRESHOLD_SECONDS = 300;
const PROGRAM_TTL_MS = 3600_000;
const MAX_ENTRIES = 20_000;

export interface BgChallenge {
  interpreterUrl: { privateDoNotAccessOrElseTrustedResourceUrlWrappedValue: string };
  interpreterHash: string;
  program: string;
  globalName: string;
  clientExperimentsStateBlob: string;
}

const b64url = (b: Buffer) => b.toString("base64url");

export class Botguard {
  readonly interpreterPath: string;
  readonly interpreter: StaticAsset;
  private readonly secret = randomBytes(32);
  private readonly hash: string;
  /** Issued programs by the first 16 bytes of their SHA-256 → expiry and the MAC the interpreter makes of it. */
  private readonly programs = new Map<string, { expiry: number; mac: Buffer }>();
  /** Issued integrity tokens → expiry. */
  private readonly tokens = new Map<string, number>();

  constructor() {
    const { hash, asset } = botguardInterpreter(this.secret, GLOBAL_NAME);
    this.hash = hash;
    this.interpreter = asset;
    this.interpreterPath = `/js/th/${hash}.js`;
  }

  private mac(text: string): Buffer {
    return createHmac("sha256", this.secret).update(text).digest();
  }

  private static prune<T>(map: Map<string, T>, expiry: (value: T) => number) {
    if (map.size < MAX_ENTRIES) return;
    const now = Date.now();
    for (const [k, v] of map) if (expiry(v) < now) map.delete(k);
  }

  /**
   * A fresh challenge for one page load; with `interpreterFails`, naming an interpreter (a hash) never
   * served before, so that a worker that kept the working one cannot mint either.
   */
  challenge(interpreterFails = false): BgChallenge {
    const program = randomBytes(4096).toString("base64");
    Botguard.prune(this.programs, (p) => p.expiry);
    const digest = createHash("sha256").update(program).digest().subarray(0, 16);
    this.programs.set(b64url(digest), {
      expiry: Date.now() + PROGRAM_TTL_MS,
      mac: this.mac(`bg:${program}`),
    });
    const hash = interpreterFails ? b64url(randomBytes(32)) : this.hash;
    return {
      interpreterUrl: {
        privateDoNotAccessOrElseTrustedResourceUrlWrappedValue: `//www.google.com/js/th/${hash}.js`,
      },
      interpreterHash: hash,
      program,
      globalName: GLOBAL_NAME,
      clientExperimentsStateBlob: "[null,null,null,null,null,[[102195078,40]],[40],[],[]]",
    };
  }

  /** The GenerateIT answer for a botguard response to a program this double issued, or null. */
  generateIt(botguardResponse: unknown): [string, number, number, string] | null {
    if (typeof botguardResponse !== "string") return null;
    const bytes = Buffer.from(botguardResponse, "base64url");
    if (bytes.length !== 48) return null;
    const program = this.programs.get(b64url(bytes.subarray(0, 16)));
    if (!program || program.expiry < Date.now()) return null;
    if (!timingSafeEqual(program.mac, bytes.subarray(16))) return null;
    Botguard.prune(this.tokens, (expiry) => expiry);
    const token = b64url(randomBytes(32));
    this.tokens.set(token, Date.now() + TOKEN_TTL_SECONDS * 1000);
    return [token, TOKEN_TTL_SECONDS, REFRESH_THRESHOLD_SECONDS, b64url(randomBytes(24))];
  }

  /** Whether a pot was minted by this double's interpreter, for an unexpired token, for this video. */
  verifyPot(pot: string | null, videoId: string): boolean {
    if (!pot) return false;
    const bytes = Buffer.from(pot, "base64url");
    if (bytes.length !== 64) return false;
    const token = b64url(bytes.subarray(0, 32));
    const expiry = this.tokens.get(token);
    if (!expiry || expiry < Date.now()) return false;
    return timingSafeEqual(this.mac(`pot:${token}:${videoId}`), bytes.subarray(32));
  }
}
